"""Every new or updated token matched against every watcher, apart from the scan: the scan only hands the token
over (a bounded queue, never a wait); a worker matches it, keeps the signals and sends each to its owner.

The scan everybody shares goes first: while one runs in this process, the worker waits for it to end (at most
SCAN_HOLD_SECONDS after the token came), then works in short slices between which the event loop serves what
else waits.

Only the process that stored a token hands it over, so in a cluster each signal is made once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.signals.book import Watcher, WatcherBook
from token_discovery.signals.matching import WatcherIndex
from token_discovery.signals.outbox import Delivery, Outbox
from token_discovery.signals.payloads import SignalMaker
from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.windows import MovingWindows

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000  # tokens waiting to be matched; past it one is dropped and counted
CHUNK = 20  # signals kept in one write
SLICE_SECONDS = 0.001  # the longest the worker runs before it lets the event loop serve what else is waiting
PATIENCE_SECONDS = 0.002  # how long it then waits for the loop to have nothing else to do, at most...
SCAN_PATIENCE_SECONDS = 0.02  # ...and while a scan runs here: a busy loop gives signals 5% of its time at most
SCAN_HOLD_SECONDS = 2.0  # the longest a token's signals wait for a running scan to end before they go anyway
RELOAD_SECONDS = 5.0  # watchers changed by another process are seen within this (a cheap question to the store)
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
        self._queue: queue.Queue[tuple[str, dict[str, Any], float] | None] = queue.Queue(QUEUE_SIZE)
        self._idle = threading.Condition()
        self._pending = 0
        self._index: WatcherIndex | None = None
        self._loaded: tuple[int, int, float] = (-1, -1, 0.0)  # the book's version, the store's, when asked
        self.dropped = self.signals_made = 0
        self.match_seconds: deque[float] = deque(maxlen=1000)  # the latest matching times, for the console
        self.pace: Callable[[float], None] = lambda patience: None  # waits up to `patience` s for an idle loop
        self.scanning: Callable[[], bool] = lambda: False  # a scan runs here: its work goes first
        self.await_scan: Callable[[float], object] = lambda timeout: None  # waits up to `timeout` s for it to end

    def offer(self, event: str, payload: Mapping[str, Any]) -> None:
        """Hand over an announced token (new_token or token_updated); never waits."""
        if event not in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            return
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait((event, dict(payload), time.monotonic()))
        except queue.Full:
            self._done()
            self.dropped += 1
            log.warning("signal queue full (%d tokens): a token was not matched against the watchers", QUEUE_SIZE)

    def run(self) -> None:
        """The worker: read the watchers before the first token comes, then match and send until stopped; with no
        token for RELOAD_SECONDS, look whether a watcher changed (so the figures stay true between tokens)."""
        self._refresh()
        while True:
            try:
                item = self._queue.get(timeout=RELOAD_SECONDS)
            except queue.Empty:
                self._refresh()
                continue
            if item is None:
                return
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

    def dispatch(self, event: str, record: dict[str, Any], offered: float | None = None) -> int:
        """Match one token, keep its signals and send them, after the scan running here (up to SCAN_HOLD_SECONDS
        from `offered`, when the token was handed over); how many were made."""
        changed = event == events.TOKEN_UPDATED and any(
            isinstance(change, Mapping) and change.get("field") == "risk_level" for change in record.get("changes", ())
        )
        if event == events.TOKEN_UPDATED and not changed:
            return 0  # only a change of verdict is a signal for an update
        hold_until = (time.monotonic() if offered is None else offered) + SCAN_HOLD_SECONDS
        self._give_way(hold_until)
        started = time.perf_counter()
        token = {key: value for key, value in record.items() if key != "changes"}
        matches = self._current_index().match(token, self._clock(), level_changed=changed)
        self.match_seconds.append(time.perf_counter() - started)
        if not matches:
            return 0
        maker, worked_since = SignalMaker(token, self._clock()), time.perf_counter()
        for first in range(0, len(matches), CHUNK):  # the scan's own writes and the event loop get their turns
            made = [
                (watcher, *maker.make(watcher.id, watcher.name, why)) for watcher, why in matches[first : first + CHUNK]
            ]
            self._store.add_signals([kept for _, _, kept in made])
            for watcher, sent, _ in made:
                self._deliver(watcher, sent)
            if time.perf_counter() - worked_since >= SLICE_SECONDS:
                self._give_way(hold_until)
                self.pace(SCAN_PATIENCE_SECONDS if self.scanning() else PATIENCE_SECONDS)
                worked_since = time.perf_counter()
        self.signals_made += len(matches)
        return len(matches)

    def _give_way(self, hold_until: float) -> None:
        """While a scan runs here, wait for it to end, but not past `hold_until` (monotonic)."""
        left = hold_until - time.monotonic()
        if left > 0 and self.scanning():
            self.await_scan(left)

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
            "watchers": self._index.size if self._index is not None else 0,  # kept current by the worker
            "signals_made": self.signals_made,
            "tokens_dropped": self.dropped,
            "throttled": counts["any", "throttled"],
            "backlog": self.outbox.backlog() if self.outbox is not None else 0,
            "channels": {channel: {outcome: counts[channel, outcome] for outcome in OUTCOMES} for channel in CHANNELS},
            "match_ms": {"tokens": len(times), "p50": _quantile(times, 0.5), "p99": _quantile(times, 0.99)},
            "dead_letters": list(self.outbox.dead_letters)[-10:][::-1] if self.outbox is not None else [],
        }

    def _current_index(self) -> WatcherIndex:
        """The index of every watcher, read again only when a watcher changed: here (the book's version) or in
        any process (the store's count of changes, asked at most every RELOAD_SECONDS)."""
        local, stored, asked_at = self._loaded
        now = time.monotonic()
        try:
            if self._index is None or local != self._book.version or now - asked_at > RELOAD_SECONDS:
                version = self._store.watchers_version()
                if self._index is None or local != self._book.version or version != stored:
                    local, self._index = self._book.version, WatcherIndex(self._book.every())
                self._loaded = (local, version, now)
        except StoreUnavailable:
            if self._index is None:
                raise
        assert self._index is not None
        return self._index

    def _refresh(self) -> None:
        """The index read again if a watcher changed; a store that does not answer is tried again later."""
        try:
            self._current_index()
        except StoreUnavailable:
            log.warning("watchers not read: the store does not answer (read again later)")

    def _done(self) -> None:
        """One handed-over token is finished with."""
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()


def _quantile(ordered: list[float], q: float) -> float | None:
    """A quantile of sorted seconds, in milliseconds (None without any)."""
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3) if ordered else None
