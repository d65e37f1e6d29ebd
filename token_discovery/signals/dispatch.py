"""Every new or updated token matched against every watcher, apart from the scan: the scan only hands the token
over (a bounded queue, never a wait); a worker matches it, keeps the signals and sends each to its owner.

Only the process that stored a token hands it over, so in a cluster each signal is made once.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.signals.book import Watcher, WatcherBook
from token_discovery.signals.matching import WatcherIndex
from token_discovery.signals.outbox import Delivery, Outbox
from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.windows import MovingWindows

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000  # tokens waiting to be matched; past it one is dropped and counted
RELOAD_SECONDS = 5.0  # watchers changed by another process are seen within this
CHANNELS = ("socket", "webhook", "telegram")
OUTCOMES = ("sent", "retried", "dead", "dropped")  # dead: failed for good, after its retries
Send = Callable[[str, dict[str, Any]], None]  # (owner, signal): to the owner's sockets


class SignalDispatcher:
    """Matches announced tokens against the watchers and sends the signals, on its own worker."""

    def __init__(
        self,
        book: WatcherBook,
        store: TokenStore,
        send: Send,
        clock: Callable[[], datetime],
        outbox: Outbox | None = None,
        per_minute: int = 60,
    ) -> None:
        self._book, self._store, self._send, self._clock, self.outbox = book, store, send, clock, outbox
        self._per_key = MovingWindows(per_minute, 60.0)
        self.counts: Counter[tuple[str, str]] = Counter()  # ("socket", "sent"), ("any", "throttled")
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(QUEUE_SIZE)
        self._idle = threading.Condition()
        self._pending = 0
        self._index: WatcherIndex | None = None
        self._loaded: tuple[int, float] = (-1, 0.0)
        self.dropped = self.signals_made = 0
        self.match_seconds: list[float] = []  # the latest matching times, for the admin console and /metrics

    def offer(self, event: str, payload: Mapping[str, Any]) -> None:
        """Hand over an announced token (new_token or token_updated); never waits."""
        if event not in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            return
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait((event, dict(payload)))
        except queue.Full:
            self._done()
            self.dropped += 1
            log.warning("signal queue full (%d tokens): a token was not matched against the watchers", QUEUE_SIZE)

    def run(self) -> None:
        """The worker: match and send until stopped."""
        while (item := self._queue.get()) is not None:
            try:
                self.dispatch(*item)
            except Exception:  # one bad token or a store hiccup never stops the worker
                log.exception("could not dispatch signals for a token")
            finally:
                self._done()

    def stop(self) -> None:
        """Let the worker finish what it holds, then end."""
        self._queue.put(None)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every token handed over has been dispatched; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def dispatch(self, event: str, record: dict[str, Any]) -> int:
        """Match one token, keep its signals and send them; how many were made."""
        started = time.perf_counter()
        changed = event == events.TOKEN_UPDATED and any(
            isinstance(change, Mapping) and change.get("field") == "risk_level" for change in record.get("changes", ())
        )
        if event == events.TOKEN_UPDATED and not changed:
            return 0  # only a change of verdict is a signal for an update
        token = {key: value for key, value in record.items() if key != "changes"}
        matches = self._current_index().match(token, self._clock(), level_changed=changed)
        self.match_seconds = [*self.match_seconds[-999:], time.perf_counter() - started]
        if not matches:
            return 0
        signals = [_signal(watcher, why, token, self._clock()) for watcher, why in matches]
        self._store.add_signals(signals)
        for signal, (watcher, _) in zip(signals, matches, strict=True):
            self._deliver(watcher, signal)
        self.signals_made += len(signals)
        return len(signals)

    def _deliver(self, watcher: Watcher, signal: dict[str, Any]) -> None:
        """A kept signal to its owner's sockets and the watcher's webhook and chat, within the key's limit a minute
        (past it, the signal stays in the history and goes nowhere)."""
        if not self._per_key.allow(watcher.owner):
            self.counts["any", "throttled"] += 1
            return
        self._send(watcher.owner, signal)
        self.counts["socket", "sent"] += 1
        if self.outbox is None:
            return
        if watcher.webhook_url:
            self.outbox.offer(Delivery("webhook", watcher.webhook_url, signal, watcher.secret))
        if watcher.telegram_chat_id is not None:
            self.outbox.offer(Delivery("telegram", str(watcher.telegram_chat_id), signal))

    def stats(self) -> dict[str, Any]:
        """What the admin console and /metrics show: watchers, signals by channel and outcome, matching time."""
        counts = self.counts + (self.outbox.counts if self.outbox is not None else Counter())
        times = sorted(self.match_seconds)
        return {
            "watchers": self._current_index().size,
            "signals_made": self.signals_made,
            "tokens_dropped": self.dropped,
            "throttled": counts["any", "throttled"],
            "backlog": self.outbox.backlog() if self.outbox is not None else 0,
            "channels": {channel: {outcome: counts[channel, outcome] for outcome in OUTCOMES} for channel in CHANNELS},
            "match_ms": {"tokens": len(times), "p50": _quantile(times, 0.5), "p99": _quantile(times, 0.99)},
            "dead_letters": list(self.outbox.dead_letters)[-10:][::-1] if self.outbox is not None else [],
        }

    def _current_index(self) -> WatcherIndex:
        """The index of every watcher, rebuilt when this process changed one or RELOAD_SECONDS have passed."""
        version, loaded_at = self._loaded
        if self._index is None or version != self._book.version or time.monotonic() - loaded_at > RELOAD_SECONDS:
            try:
                self._index = WatcherIndex(self._book.every())
                self._loaded = (self._book.version, time.monotonic())
            except StoreUnavailable:
                if self._index is None:
                    raise
        assert self._index is not None
        return self._index

    def _done(self) -> None:
        """One handed-over token is finished with."""
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()


def _quantile(ordered: list[float], q: float) -> float | None:
    """A quantile of sorted seconds, in milliseconds (None without any)."""
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3) if ordered else None


def _signal(watcher: Watcher, matched: list[str], token: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The `signal` event of the contract, with when it was made."""
    return {"id": secrets.token_hex(8), "watcher_id": watcher.id, "watcher_name": watcher.name, "token": token,
            "matched": matched, "at": at.isoformat()}  # fmt: skip
