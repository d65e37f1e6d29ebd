"""The published upstream rate limits, kept as sliding windows: at most N calls in any window."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 60.0

# Route -> limit class; routes of one class share one limit, as on the real APIs. The service's budget
# keeps its own table on purpose: the simulator stands for the upstream, so a mistake in the service's
# view of the limits must show up as 429s here rather than be copied.
ROUTE_CLASS = {
    "dexscreener.token_profiles": "dexscreener.discovery",
    "dexscreener.token_boosts": "dexscreener.discovery",
    "dexscreener.tokens": "dexscreener.market",
    "geckoterminal.new_pools": "geckoterminal",
    "geckoterminal.ohlcv": "geckoterminal",
    "goplus.token_security": "goplus",
    "goplus.solana_token_security": "goplus",
}
PUBLISHED_LIMITS = {
    "dexscreener.discovery": 60,
    "dexscreener.market": 300,
    "geckoterminal": 30,
    "goplus": 30,
}


@dataclass(frozen=True)
class Admission:
    """The answer of a limiter: admitted, or refused with the seconds until a slot frees."""

    admitted: bool
    retry_after: float = 0.0


class SlidingWindowLimiter:
    """At most `limit` admitted calls in any window of `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._admitted: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> Admission:
        """Admit one call now, or say how long until one would be admitted."""
        with self._lock:
            now = self._clock()
            while self._admitted and self._admitted[0] <= now - self._window:
                self._admitted.popleft()
            if len(self._admitted) < self._limit:
                self._admitted.append(now)
                return Admission(True)
            return Admission(False, self._admitted[0] + self._window - now)


class RateLimits:
    """One sliding window per limit class; `rate_scale` shortens the window to speed time up."""

    def __init__(self, clock: Callable[[], float], rate_scale: float = 1.0) -> None:
        window = WINDOW_SECONDS / rate_scale
        self.window = window
        self._limiters = {name: SlidingWindowLimiter(limit, window, clock) for name, limit in PUBLISHED_LIMITS.items()}

    def admit(self, route: str) -> Admission:
        """Admit a call on a route, counted against its class."""
        return self._limiters[ROUTE_CLASS[route]].admit()
