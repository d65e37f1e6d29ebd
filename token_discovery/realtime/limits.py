"""Per-connection limits on Socket.IO events, which never pass through Flask-Limiter: the same `limits` windows."""

from __future__ import annotations

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

EVENTS_PER_WINDOW = 20
WINDOW_SECONDS = 10


class SocketEventLimiter:
    """At most `limit` events per connection in any `window` seconds (a moving window); forgets a connection."""

    def __init__(self, limit: int = EVENTS_PER_WINDOW, window: int = WINDOW_SECONDS) -> None:
        self._item = RateLimitItemPerSecond(limit, window)
        self._windows = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, sid: str) -> bool:
        """Count one event of a connection; False when it is over its limit."""
        return self._windows.hit(self._item, "socket", sid)

    def forget(self, sid: str) -> None:
        """Drop a connection's history."""
        self._windows.clear(self._item, "socket", sid)
