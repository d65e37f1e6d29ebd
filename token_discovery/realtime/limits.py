"""Limits on what one Socket.IO client may do: events per connection, connections and replays per address."""

from __future__ import annotations

import threading
from collections import Counter

from token_discovery.windows import MovingWindows

EVENTS_PER_WINDOW = 20
WINDOW_SECONDS = 10


class ConnectionCap:
    """At most `limit` simultaneous connections per client address on this process (0: no cap)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()
        self._address_of: dict[str, str] = {}
        self._lock = threading.Lock()

    def admit(self, sid: str, address: str) -> bool:
        """Count a new connection from an address; False (and nothing counted) when it is at its cap."""
        with self._lock:
            if self.limit and self._open[address] >= self.limit:
                return False
            self._open[address] += 1
            self._address_of[sid] = address
            return True

    def release(self, sid: str) -> None:
        """A counted connection closed."""
        with self._lock:
            address = self._address_of.pop(sid, None)
            if address is None:
                return
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]

    def open_from(self, address: str) -> int:
        """Connections open from an address."""
        with self._lock:
            return self._open[address]


REPLAYS_PER_CONNECTION = 5  # a minute: a reconnecting page needs one
REPLAYS_PER_ADDRESS = 120  # a minute: an office of traders behind one address, reconnecting after a restart


class ReplayGuard:
    """Replays are the costly join: one at a time per connection, and a few a minute per connection and address."""

    def __init__(self, per_connection: int = REPLAYS_PER_CONNECTION, per_address: int = REPLAYS_PER_ADDRESS) -> None:
        self._connection = MovingWindows(per_connection, 60)
        self._address = MovingWindows(per_address, 60)
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def begin(self, sid: str, address: str) -> str | None:
        """Start a replay for a connection; the reason when it may not have one now."""
        with self._lock:
            if sid in self._running:
                return "a replay is already running for this connection"
            if not self._connection.allow(sid) or not self._address.allow(address):
                return "too many replays: joined without one; fetch /api/discovery/recent?after_seq= instead"
            self._running.add(sid)
            return None

    def end(self, sid: str) -> None:
        """The connection's replay is over."""
        with self._lock:
            self._running.discard(sid)

    def forget(self, sid: str) -> None:
        """A connection closed."""
        self.end(sid)
        self._connection.forget(sid)
