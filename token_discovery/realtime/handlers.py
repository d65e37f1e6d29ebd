"""Socket.IO: the notifier that broadcasts to the discovery room, and the client event handlers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import request
from flask_socketio import Namespace, SocketIO, disconnect, emit, join_room
from socketio.exceptions import ConnectionRefusedError as Refused

from token_discovery import events
from token_discovery.coordination.service import TokenDiscoveryService, utc_now
from token_discovery.monitoring.monitor import Monitor
from token_discovery.realtime import rooms
from token_discovery.realtime.gate import opened
from token_discovery.realtime.limits import EVENTS_PER_WINDOW, WINDOW_SECONDS, ConnectionCap, ReplayGuard
from token_discovery.records import iso
from token_discovery.signals.book import KEY_FORMAT, WatcherBook, owner_of
from token_discovery.store.base import StoreUnavailable
from token_discovery.windows import MovingWindows

log = logging.getLogger(__name__)
# replay(last_seq, join, send): join the room and send what a client missed, with no gap and no duplicate
Replay = Callable[[int, Callable[[], None], Callable[[dict[str, Any]], None]], int]


class SocketNotifier:
    """Broadcasts service events to every client in the discovery room."""

    def __init__(self, socketio: SocketIO) -> None:
        self._socketio = socketio
        self.on_record: Callable[[dict[str, Any]], None] = lambda record: None  # the read model hears first
        self.on_announce: Callable[[str, dict[str, Any]], None] = lambda event, payload: None  # the signals

    def broadcast(self, event: str, payload: dict[str, Any]) -> None:
        """Emit to the room; a transport failure is logged, never raised into the scan."""
        if event in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            self.on_record(payload)
        try:
            self._socketio.emit(event, payload, to=events.ROOM)
        except Exception:
            log.exception("could not broadcast %s", event)
        if event in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            self.on_announce(event, payload)


def parse_last_seq(data: Any) -> int | None:
    """The optional last_seq of join_discovery; ValueError when present but not a non-negative integer."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError('join_discovery takes an optional object {"last_seq": n}')
    value = data.get("last_seq")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**62:
        raise ValueError("last_seq must be a non-negative integer")
    return value


class DiscoveryNamespace(Namespace):
    """The default namespace: connections (and their count), the discovery room, status, the admin feed, limits."""

    watchers: WatcherBook | None = None  # set by the app: join_signals tells a socket how many watchers its key has

    def __init__(
        self,
        socketio: SocketIO,
        service: TokenDiscoveryService,
        monitor: Monitor,
        replay: Replay,
        max_per_address: int = 0,
    ) -> None:
        super().__init__("/")
        self._service, self._monitor = service, monitor
        self._replay = replay
        self._limiter = MovingWindows(EVENTS_PER_WINDOW, WINDOW_SECONDS)
        self._cap = ConnectionCap(max_per_address)
        self.is_admin: Callable[[], bool] = lambda: False  # the web app says what a live admin session is
        self._replays = ReplayGuard()
        self._admin_feed = AdminFeed(socketio, monitor)
        self._lock = threading.Lock()
        self.connected = 0
        monitor.count_clients = lambda: self.connected

    def _count(self, delta: int) -> None:
        """Follow the number of open connections of this process."""
        with self._lock:
            self.connected = max(0, self.connected + delta)

    def _over_limit(self) -> bool:
        """Refuse an event past the connection's limit, with an error event."""
        if self._limiter.allow(request.sid):  # type: ignore[attr-defined]
            return False
        emit(events.ERROR, {"error": "too many events: slow down"})
        return True

    def on_connect(self, auth: Any = None, *extra: Any) -> None:
        """Greet a new connection, unless its address already holds as many as it may."""
        address = request.remote_addr or "unknown"
        if not self._cap.admit(request.sid, address):  # type: ignore[attr-defined]
            log.info("refused a Socket.IO connection from %s: %s already open", address, self._cap.limit)
            raise Refused(
                f"too many connections from this address: at most {self._cap.limit} at once; close other tabs"
            )
        self._count(+1)
        emit(events.CONNECTED, {"message": "connected to token discovery", "timestamp": iso(utc_now())})
        opened(request.environ)  # this connection is open: the next one may come through the gate

    def on_disconnect(self, reason: Any = None, *extra: Any) -> None:
        """Forget a connection."""
        self._count(-1)
        self._cap.release(request.sid)  # type: ignore[attr-defined]
        self._limiter.forget(request.sid)  # type: ignore[attr-defined]
        self._replays.forget(request.sid)  # type: ignore[attr-defined]
        self._admin_feed.leave(request.sid)  # type: ignore[attr-defined]

    def on_join_admin(self, data: Any = None, *extra: Any) -> None:
        """Push the admin snapshot to this socket, when its handshake carried the admin session."""
        if self._over_limit():
            return
        if not self.is_admin():
            emit(events.ERROR, {"error": "admin session required: log in at /admin"})
            disconnect()
            return
        self._admin_feed.join(request.sid)  # type: ignore[attr-defined]

    def on_join_discovery(self, data: Any = None, *extra: Any) -> None:
        """Join the room, after replaying what the client missed when it says where it stopped."""
        if self._over_limit():
            return
        try:
            last_seq = parse_last_seq(data)
        except ValueError as error:
            emit(events.ERROR, {"error": str(error)})
            return
        sid = request.sid  # type: ignore[attr-defined]
        refusal = self._replays.begin(sid, request.remote_addr or "unknown") if last_seq is not None else None
        if refusal is not None:
            emit(events.ERROR, {"error": refusal})
            last_seq = None  # joined all the same: new tokens keep coming
        try:
            replayed = _join(self._replay, sid, last_seq)
        finally:
            if last_seq is not None:
                self._replays.end(sid)
        emit(events.JOINED_DISCOVERY, {"message": "joined discovery", "timestamp": iso(utc_now()),
                                       "replayed": replayed, "last_seq": last_seq})  # fmt: skip

    def on_join_signals(self, data: Any = None, *extra: Any) -> dict[str, Any] | None:
        """Put this socket in the room of an owner key's signals (acknowledged with the key's watcher count)."""
        if self._over_limit():
            return None
        key = data.get("owner_key") if isinstance(data, dict) else None
        if not isinstance(key, str) or not KEY_FORMAT.fullmatch(key):
            emit(events.ERROR, {"error": 'join_signals takes {"owner_key": "<the key POST /api/watchers returned>"}'})
            return None
        join_room(events.signal_room(owner_of(key)))
        return {"success": True, "watchers": len(self.watchers.of(key)) if self.watchers is not None else 0}

    def on_leave_discovery(self, data: Any = None, *extra: Any) -> None:
        """Leave the room."""
        rooms.leave(request.sid)  # type: ignore[attr-defined]

    def on_request_status(self, data: Any = None, *extra: Any) -> None:
        """Send the service status."""
        if self._over_limit():
            return
        try:
            emit(events.DISCOVERY_STATUS, self._service.get_status().to_json())
        except StoreUnavailable:
            emit(events.ERROR, {"error": "database unavailable"})


def _join(replay: Replay, sid: str, last_seq: int | None) -> int:
    """Join the room; with last_seq, first replay what the client missed."""
    if last_seq is None:
        rooms.enter(sid)
        return 0

    def send(record: dict[str, Any]) -> None:
        """One missed token to this connection only (never through the queue: the connection is here)."""
        emit(events.NEW_TOKEN, record, to=sid, ignore_queue=True)

    try:
        return replay(last_seq, lambda: rooms.enter(sid), send)
    except StoreUnavailable:
        rooms.enter(sid)
        emit(events.ERROR, {"error": "database unavailable: nothing replayed"})
        return 0


ADMIN_PUSH_SECONDS = 2.0


class AdminFeed:
    """Pushes the monitor's snapshot to every admin socket of this process every few seconds, while there are any."""

    def __init__(self, socketio: SocketIO, monitor: Monitor, period: float = ADMIN_PUSH_SECONDS) -> None:
        self._socketio, self._monitor, self._period = socketio, monitor, period
        self._sids: set[str] = set()
        self._running = False
        self._lock = threading.Lock()

    def join(self, sid: str) -> None:
        """Start pushing to this socket (a first snapshot at once)."""
        self._push([sid])
        with self._lock:
            self._sids.add(sid)
            start, self._running = not self._running, True
        if start:
            self._socketio.start_background_task(self._loop)

    def leave(self, sid: str) -> None:
        """Stop pushing to this socket."""
        with self._lock:
            self._sids.discard(sid)

    def _loop(self) -> None:
        """Push until no admin is left."""
        while True:
            self._socketio.sleep(self._period)
            with self._lock:
                sids = list(self._sids)
                if not sids:
                    self._running = False
                    return
            self._push(sids)

    def _push(self, sids: list[str]) -> None:
        """One snapshot to each socket; a failure is logged, never fatal to the loop."""
        try:
            snapshot = self._monitor.snapshot()
            for sid in sids:
                self._socketio.emit(events.ADMIN_STATS, snapshot, to=sid)
        except Exception:
            log.exception("could not push the admin snapshot")
