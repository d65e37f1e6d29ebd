"""Signals leaving the service (webhooks, Telegram) on workers of their own: a bounded queue, retries with
backoff, dead letters counted, and fairness between targets.

A target (a webhook's host, a Telegram chat) has at most `per_target` deliveries in flight; what else is
waiting for it is parked, not queued in front of the others, so a slow or dead receiver holds only its own
slots and never the whole pool. A channel may send what is parked for one target as one batch.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)

WORKERS = 8  # deliveries in flight at once, every target together
CAPACITY = 10_000  # deliveries waiting (queued, parked or between attempts); past it one is dropped and counted
DEAD_LETTERS_KEPT = 50
FREE_AT_KEPT = 10_000  # targets whose spacing is remembered before the idle ones are forgotten


@dataclass(frozen=True)
class Delivery:
    """One signal for one target of a watcher."""

    channel: str
    target: str  # where it goes: a webhook URL, a chat id
    signal: Mapping[str, Any]
    secret: str = ""  # what a webhook is signed with
    attempt: int = 0


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered, to be retried (after at least `retry_after` s), or failed for good."""

    delivered: bool
    error: str = ""
    retryable: bool = False
    retry_after: float = 0.0


DELIVERED = Outcome(True)


class Channel(Protocol):
    """A way out: sends a batch of deliveries for one target."""

    per_target: int  # deliveries in flight for one target
    batch_size: int  # deliveries for one target sent as one
    spacing: float  # seconds between two sends to one target

    def fairness_key(self, delivery: Delivery) -> str:
        """What deliveries share a slot by (a host, a chat)."""
        ...

    def send(self, batch: Sequence[Delivery]) -> Outcome:
        """Send the batch; never raises for a failure of the receiver."""
        ...


@dataclass(order=True)
class _Due:
    """A batch due at a time."""

    at: float
    order: int
    batch: list[Delivery] = field(compare=False)


class Outbox:
    """The queue and workers that send signals out."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        retry_delays: Sequence[float] = (2.0, 10.0, 60.0),
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._channels, self._delays, self._capacity, self._clock = dict(channels), tuple(retry_delays), capacity, clock
        self._due: list[_Due] = []
        self._parked: dict[tuple[str, str], deque[Delivery]] = {}
        self._busy: Counter[tuple[str, str]] = Counter()
        self._free_at: dict[tuple[str, str], float] = {}
        self._waiting = 0  # every delivery not yet finished with
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self.counts: Counter[tuple[str, str]] = Counter()  # (channel, sent | retried | dead | dropped)
        self.dead_letters: deque[dict[str, Any]] = deque(maxlen=DEAD_LETTERS_KEPT)
        self.give_way: Callable[[], object] = lambda: None  # before each send: lets a running scan go first

    def offer(self, delivery: Delivery) -> bool:
        """Queue a delivery without waiting; False (counted as dropped) when the outbox is full or stopped."""
        if delivery.channel not in self._channels:  # a chat saved before the bot token was removed
            self.counts[delivery.channel, "dead"] += 1
            return False
        with self._cond:
            if self._stopped or self._waiting >= self._capacity:
                self.counts[delivery.channel, "dropped"] += 1
                log.warning("signal outbox full (%d): a %s delivery was dropped", self._capacity, delivery.channel)
                return False
            self._waiting += 1
            self._enter(delivery, self._clock())
            self._cond.notify()
        return True

    def run(self) -> None:
        """A worker: send due batches until stopped."""
        while (taken := self._take()) is not None:
            slot, batch = taken
            self.give_way()
            outcome = self._send(batch)
            with self._cond:
                self._finish(slot, batch, outcome)

    def stop(self) -> None:
        """Let every worker end after the batch it holds."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every delivery offered is sent or dead; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._waiting == 0, timeout)

    def backlog(self) -> int:
        """Deliveries not yet finished with."""
        with self._cond:
            return self._waiting

    def _enter(self, delivery: Delivery, now: float) -> None:
        """A delivery goes into the due queue, or is parked behind its target's busy slots (lock held)."""
        slot = (delivery.channel, self._channels[delivery.channel].fairness_key(delivery))
        queue = self._parked.get(slot)
        if queue is None and self._busy[slot] < self._channels[delivery.channel].per_target:
            self._busy[slot] += 1
            self._push([delivery], max(now, self._free_at.get(slot, 0.0)))
        else:
            self._parked.setdefault(slot, deque()).append(delivery)

    def _push(self, batch: list[Delivery], at: float) -> None:
        """Queue a batch due at a time (lock held)."""
        heapq.heappush(self._due, _Due(at, next(self._order), batch))

    def _take(self) -> tuple[tuple[str, str], list[Delivery]] | None:
        """The next due batch with its slot; None once stopped."""
        with self._cond:
            while not self._stopped:
                now = self._clock()
                if self._due and self._due[0].at <= now:
                    batch = heapq.heappop(self._due).batch
                    slot = (batch[0].channel, self._channels[batch[0].channel].fairness_key(batch[0]))
                    return slot, self._grow(slot, batch)
                self._cond.wait(None if not self._due else self._due[0].at - now)
        return None

    def _grow(self, slot: tuple[str, str], batch: list[Delivery]) -> list[Delivery]:
        """A first attempt takes along what is parked for its target, up to the channel's batch size (lock held)."""
        parked = self._parked.get(slot)
        room = self._channels[slot[0]].batch_size - len(batch)
        while parked and room > 0 and batch[0].attempt == 0:
            batch.append(parked.popleft())
            room -= 1
        if parked is not None and not parked:
            del self._parked[slot]
        return batch

    def _send(self, batch: list[Delivery]) -> Outcome:
        """One attempt; a channel that raises is a retryable failure."""
        try:
            return self._channels[batch[0].channel].send(batch)
        except Exception as error:  # a bug in a channel never kills the worker
            log.exception("a %s delivery raised", batch[0].channel)
            return Outcome(False, f"{type(error).__name__}", retryable=True)

    def _finish(self, slot: tuple[str, str], batch: list[Delivery], outcome: Outcome) -> None:
        """Count the attempt, schedule a retry or let the slot go to the next parked delivery (lock held)."""
        channel, now = slot[0], self._clock()
        self._free_at[slot] = now + self._channels[channel].spacing
        attempt = batch[0].attempt
        if not outcome.delivered and outcome.retryable and attempt < len(self._delays):
            self.counts[channel, "retried"] += len(batch)
            delay = max(self._delays[attempt], outcome.retry_after)
            self._push([replace(delivery, attempt=attempt + 1) for delivery in batch], now + delay)
            self._cond.notify()
            return
        self.counts[channel, "sent" if outcome.delivered else "dead"] += len(batch)
        if not outcome.delivered:
            self._bury(batch, outcome)
        self._waiting -= len(batch)
        self._release(slot, now)
        self._cond.notify_all()

    def _release(self, slot: tuple[str, str], now: float) -> None:
        """A slot is free: its next parked delivery takes it, after the channel's spacing (lock held)."""
        parked = self._parked.get(slot)
        if not parked:
            self._busy[slot] -= 1
            if self._busy[slot] <= 0:
                del self._busy[slot]
            if len(self._free_at) > FREE_AT_KEPT:  # targets long idle need no spacing any more
                self._free_at = {key: at for key, at in self._free_at.items() if at > now or key in self._busy}
            return
        self._push([parked.popleft()], self._free_at.get(slot, now))
        if not parked:
            del self._parked[slot]

    def _bury(self, batch: list[Delivery], outcome: Outcome) -> None:
        """Keep the latest dead letters, one a failed batch, for the admin console (lock held)."""
        names = sorted(
            {str(delivery.signal.get("watcher_name") or delivery.signal.get("watcher_id")) for delivery in batch}
        )
        self.dead_letters.append({"at": datetime.now(UTC).isoformat(), "channel": batch[0].channel,
                                  "watchers": names[:3], "signals": len(batch), "attempts": batch[0].attempt + 1,
                                  "error": outcome.error[:200]})  # fmt: skip
        log.warning("%d %s signal(s) dead after %d attempt(s): %s", len(batch), batch[0].channel,
                    batch[0].attempt + 1, outcome.error[:200])  # fmt: skip
