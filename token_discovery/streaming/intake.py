"""Creations waiting for the pipeline: a bounded queue (full, it lets its oldest go, counted), handed over in small
batches once enough wait or the oldest has waited long enough, and only when the upstream budget can pay for the
batch: a burst is queued, never paid past the limits."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from token_discovery.models import Discovered

log = logging.getLogger(__name__)

BUDGET_RECHECK_SECONDS = 5.0  # while the budget is short, looked at again at least this often

Key = tuple[str, str]


@dataclass(frozen=True)
class FlushPolicy:
    """When waiting creations go to the pipeline."""

    tokens: int = 20  # a batch: hand over as soon as this many wait
    seconds: float = 2.0  # or once the oldest has waited this long
    capacity: int = 1000  # waiting at most; past it the oldest is dropped
    spacing: float = 0.0  # seconds between two batches at least: the stream spends its share of the budget evenly


@dataclass
class IntakeCounts:
    """What the intake did since it started."""

    offered: int = 0
    dropped: int = 0  # the oldest, let go when the queue was full
    batches: int = 0
    handed_over: int = 0
    budget_waits: int = 0  # times a batch waited for the budget


class CreationIntake:
    """The queue between the stream and the pipeline, with its worker."""

    def __init__(
        self,
        policy: FlushPolicy,
        ingest: Callable[[list[Discovered]], None],
        budget_wait: Callable[[int], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy, self._ingest, self._budget_wait, self._clock = policy, ingest, budget_wait, clock
        self._waiting: OrderedDict[Key, tuple[float, Discovered]] = OrderedDict()
        self._last_batch = float("-inf")
        self._cond = threading.Condition()
        self._stopped = False
        self.counts = IntakeCounts()

    def offer(self, found: Discovered) -> None:
        """Queue a token without waiting (a token already waiting is replaced in its place, keeping its age)."""
        with self._cond:
            self.counts.offered += 1
            since = self._waiting[found.key][0] if found.key in self._waiting else self._clock()
            self._waiting[found.key] = (since, found)
            while len(self._waiting) > self.policy.capacity:
                self._waiting.popitem(last=False)
                self.counts.dropped += 1
            self._cond.notify_all()  # the worker sets its timer from the oldest, or hands a full batch over

    def waiting(self) -> int:
        """Tokens in the queue."""
        with self._cond:
            return len(self._waiting)

    def run(self) -> None:
        """The worker: hand batches over until stopped; whatever fails, it goes on."""
        while True:
            try:
                if not self._once():
                    return
            except Exception:  # the budget or a clock failing must not leave the stream live with no intake
                log.exception("the stream's intake failed a round; it goes on")
                with self._cond:
                    self._cond.wait_for(lambda: self._stopped, BUDGET_RECHECK_SECONDS)

    def _once(self) -> bool:
        """Hand one batch over when it is due and paid for; False once stopped."""
        if (size := self._due()) is None:
            return False
        wait = self._budget_wait(size)
        if wait > 0:
            self.counts.budget_waits += 1
            with self._cond:
                self._cond.wait_for(lambda: self._stopped, min(wait, BUDGET_RECHECK_SECONDS))
            return True
        batch = self._take(size)
        self._last_batch = self._clock()
        try:
            self._ingest(batch)
        except Exception:  # one failed batch never stops the stream's intake
            log.exception("a batch of %d streamed tokens failed", len(batch))
        self.counts.batches += 1
        self.counts.handed_over += len(batch)
        return True

    def stop(self) -> None:
        """End the worker (what still waits is not handed over)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _due(self) -> int | None:
        """Wait until a batch is due (enough tokens, or the oldest old enough, and the spacing since the last
        batch kept); its size (None once stopped)."""
        with self._cond:
            while not self._stopped:
                if self._waiting:
                    now, oldest = self._clock(), next(iter(self._waiting.values()))[0]
                    ready = 0.0 if len(self._waiting) >= self.policy.tokens else oldest + self.policy.seconds - now
                    left = max(ready, self._last_batch + self.policy.spacing - now)
                    if left <= 0:
                        return min(len(self._waiting), self.policy.tokens)
                    self._cond.wait(left)
                else:
                    self._cond.wait()
            return None

    def _take(self, size: int) -> list[Discovered]:
        """The oldest `size` tokens, out of the queue."""
        with self._cond:
            return [self._waiting.popitem(last=False)[1][1] for _ in range(min(size, len(self._waiting)))]
