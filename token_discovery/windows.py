"""Moving windows of events per key, in memory: how many a key did in the last `window` seconds, in O(1)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 50_000  # past this many keys, the idle ones are forgotten before a new one is added


class MovingWindows:
    """At most `limit` events per key in any `window` seconds (a moving window); forgets a key.

    One short deque of timestamps per key and nothing else: no background timer walking every key, which
    costs dearly with thousands of connections, and no list re-copied on every hit (the `limits` package's
    memory storage does both, which made a generous limit cost 50-100 µs a request).
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event of a key; False (and nothing counted) when it is over its limit."""
        return self.hit(key)[0]

    def hit(self, key: str) -> tuple[bool, int, float]:
        """Count one event of a key unless it is over its limit: (counted, events left, seconds until one frees)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_KEYS:
                    self._prune(now)
                hits = self._hits[key] = deque(maxlen=self.limit)
            allowed = len(hits) < self.limit or now - hits[0] >= self.window
            if allowed:
                hits.append(now)
            wait = max(0.0, hits[0] + self.window - now) if len(hits) == self.limit else 0.0
            return allowed, self.limit - len(hits) if len(hits) < self.limit else 0, wait

    def wait(self, key: str) -> float:
        """Seconds until a key may count an event again: 0 when it may now (nothing is counted)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None or len(hits) < self.limit:
                return 0.0
            return max(0.0, hits[0] + self.window - now)

    def forget(self, key: str) -> None:
        """Drop a key's history."""
        with self._lock:
            self._hits.pop(key, None)

    def _prune(self, now: float) -> None:
        """Forget the keys with no event inside the window (lock held): many addresses cannot grow it forever."""
        for key in [key for key, hits in self._hits.items() if not hits or now - hits[-1] >= self.window]:
            del self._hits[key]
