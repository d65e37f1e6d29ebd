"""Every upstream call goes through the guard: circuit breaker, budget, bounded retries, and the ledger."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from token_discovery.monitoring.series import MinuteSeries
from token_discovery.sources.base import BudgetRefused, CallCancelled, RateLimited, SourceUnavailable
from token_discovery.sources.budget import CALL_COSTS, ROUTE_CLASS, Budget, BudgetExhausted

log = logging.getLogger(__name__)
T = TypeVar("T")
# The abandon signal of the scan the current thread works for: once set, its calls are refused unsent.
_CANCEL: ContextVar[threading.Event | None] = ContextVar("scan_cancel", default=None)
# The share of every bucket the current scan must leave untouched (the automatic scans' part, for a user's).
_KEEP: ContextVar[float] = ContextVar("budget_kept", default=0.0)


@contextmanager
def cancel_scope(cancelled: threading.Event) -> Iterator[None]:
    """Inside, every call through a gate is refused without being sent once `cancelled` is set."""
    token = _CANCEL.set(cancelled)
    try:
        yield
    finally:
        _CANCEL.reset(token)


@contextmanager
def keep_scope(share: float) -> Iterator[None]:
    """Inside, calls leave the share `share` of each budget bucket untouched."""
    token = _KEEP.set(share)
    try:
        yield
    finally:
        _KEEP.reset(token)


MAX_RETRIES = 2
REMAINING_HEADER = "X-RateLimit-Remaining"
BACKOFF_BASE = 0.25
BREAKER_THRESHOLD = 5
BREAKER_RESET = 30.0


class CircuitBreaker:
    """Opens after consecutive failures of one upstream; after a pause, lets one probe through."""

    def __init__(
        self, clock: Callable[[], float], threshold: int = BREAKER_THRESHOLD, reset: float = BREAKER_RESET
    ) -> None:
        self._clock, self._threshold, self._reset = clock, threshold, reset
        self._failures, self._probing = 0, False
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a call may go out now (one probe at a time once the pause is over)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self._reset or self._probing:
                return False
            self._probing = True
            return True

    def record(self, ok: bool) -> None:
        """Count a success (closes) or a failure (opens after the threshold, or after a failed probe)."""
        with self._lock:
            self._probing = False
            if ok:
                self._failures, self._opened_at = 0, None
                return
            self._failures += 1
            if self._failures >= self._threshold or self._opened_at is not None:
                self._opened_at = self._clock()

    def release_probe(self) -> None:
        """The probe was not sent after all: let the next call probe."""
        with self._lock:
            self._probing = False

    def state(self) -> str:
        """closed, open or half-open."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._clock() - self._opened_at >= self._reset else "open"


class CallLedger:
    """Counts of what the guard let through, and why it did not."""

    KINDS = ("calls", "rate_limited", "refused", "reserved", "retries", "failures")

    def __init__(self, history: MinuteSeries | None = None) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {kind: Counter() for kind in self.KINDS}
        self.history = history or MinuteSeries()  # per minute and route class, for the console's budget chart

    def add(self, kind: str, route: str) -> None:
        """Count one event on a route."""
        with self._lock:
            self._counts[kind][route] += 1
        self.history.add(f"{kind}:{ROUTE_CLASS.get(route, route)}")

    def snapshot(self) -> dict[str, dict[str, int]]:
        """A copy of every counter."""
        with self._lock:
            return {kind: dict(counter) for kind, counter in self._counts.items()}


def ledger_difference(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict[str, Any]:
    """What happened between two snapshots, with totals."""
    result: dict[str, Any] = {}
    for kind, counts in after.items():
        moved = {route: n - before.get(kind, {}).get(route, 0) for route, n in counts.items()}
        result[kind] = {route: n for route, n in moved.items() if n}
        result[f"total_{kind}"] = sum(result[kind].values())
    return result


class CallGate:
    """Guards calls: breaker first, then the budget, then the call; retries only transient failures."""

    def __init__(
        self, budget: Budget, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.budget, self.ledger, self._clock, self._sleep = budget, CallLedger(), clock, sleep
        self.breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def breaker(self, route: str) -> CircuitBreaker:
        """The breaker of the upstream a route belongs to."""
        upstream = route.split(".", 1)[0]
        with self._lock:
            return self.breakers.setdefault(upstream, CircuitBreaker(self._clock))

    def call(self, route: str, send: Callable[[], T]) -> T:
        """Send one idempotent GET, retrying transient failures at most MAX_RETRIES times."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                return self._once(route, send)
            except SourceUnavailable:
                if attempt == MAX_RETRIES:
                    raise
                self.ledger.add("retries", route)
                self._sleep(BACKOFF_BASE * 2**attempt * random.uniform(0.5, 1.5))  # noqa: S311 - jitter
        raise AssertionError("unreachable")

    def _once(self, route: str, send: Callable[[], T]) -> T:
        """One attempt: refused without sending when the scan was abandoned, the breaker is open or the budget short."""
        cancelled = _CANCEL.get()
        if cancelled is not None and cancelled.is_set():
            self.ledger.add("refused", route)
            raise CallCancelled(route, "the scan was abandoned: call not sent")
        breaker = self.breaker(route)
        if not breaker.allow():
            self.ledger.add("refused", route)
            raise SourceUnavailable(route, "circuit open after repeated failures")
        try:
            self.budget.reserve(route, CALL_COSTS[route], _KEEP.get())
        except BudgetExhausted as short:
            breaker.release_probe()
            self.ledger.add("reserved" if short.kept else "refused", route)
            why = "the rest is kept for the automatic scans" if short.kept else "budget exhausted"
            log.info("%s: a call not sent, %s", route, why)
            raise BudgetRefused(route, short.retry_after, f"{why}: call not sent") from None
        self.ledger.add("calls", route)
        return self._sent(route, send, breaker)

    def _sent(self, route: str, send: Callable[[], T], breaker: CircuitBreaker) -> T:
        """Make the paid call and learn from its outcome."""
        try:
            result = send()
        except RateLimited as limited:
            breaker.record(True)  # the upstream answered: it is up, only busy
            self.ledger.add("rate_limited", route)
            cooldown = self.budget.rate_limited(route, limited.retry_after)
            log.warning("%s rate limited: no call for %.0fs", route, cooldown)
            raise
        except SourceUnavailable:
            breaker.record(False)
            self.budget.succeeded(route)  # a failure is not a rate limit: a probe's answer came back
            self.ledger.add("failures", route)
            raise
        except Exception:  # a bad payload or a refused request is still an answer: the probe is over
            breaker.record(True)
            self.budget.succeeded(route)
            raise
        breaker.record(True)
        self.budget.succeeded(route)
        return result

    def observe(self, route: str, headers: Mapping[str, str]) -> None:
        """When the upstream says how many calls it has left, the budget believes the lower of the two."""
        raw = headers.get(REMAINING_HEADER)
        try:
            remaining = float(raw) if raw is not None else None
        except ValueError:
            remaining = None
        if remaining is not None and remaining >= 0:
            self.budget.bucket(route).sync(remaining)

    def health(self) -> dict[str, Any]:
        """Breakers and buckets, for the health page."""
        with self._lock:
            breakers = {name: breaker.state() for name, breaker in self.breakers.items()}
        return {"breakers": breakers, "budget": self.budget.snapshot()}
