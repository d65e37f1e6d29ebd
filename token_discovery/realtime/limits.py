"""Per-connection limits on Socket.IO events, which never pass through Flask-Limiter."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

EVENTS_PER_WINDOW = 20
WINDOW_SECONDS = 10.0


class SocketEventLimiter:
    """At most `limit` events per connection in any `window` seconds; forgets a connection when it leaves."""

    def __init__(
        self,
        limit: int = EVENTS_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit, self._window, self._clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, sid: str) -> bool:
        """Count one event of a connection; False when it is over its limit."""
        with self._lock:
            now = self._clock()
            times = self._seen.setdefault(sid, deque())
            while times and times[0] <= now - self._window:
                times.popleft()
            if len(times) >= self._limit:
                return False
            times.append(now)
            return True

    def forget(self, sid: str) -> None:
        """Drop a connection's history."""
        with self._lock:
            self._seen.pop(sid, None)
