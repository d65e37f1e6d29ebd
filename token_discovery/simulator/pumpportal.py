"""PumpPortal's data stream, simulated: a WebSocket at /api/data that acknowledges subscriptions in the recorded
words, then sends each creation (and migration) to the connections subscribed to it. Faults on the route
`pumpportal.stream` act on the open connections when they are posted, and on each new one while they last:
`drop` closes it, `silent` mutes it for good (it stays open and says nothing), `garbage` sends it frames no
client should trust."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import Any

from simple_websocket import ConnectionClosed, Server

from token_discovery.simulator.faults import STREAM_MODES, STREAM_ROUTE, Fault, FaultBook

log = logging.getLogger(__name__)

ROUTE = STREAM_ROUTE
PATH = "/api/data"
NEW_TOKENS, MIGRATIONS = "subscribeNewToken", "subscribeMigration"
ACKS = {  # as recorded (tests/fixtures/real/pumpportal)
    "subscribeNewToken": "Successfully subscribed to token creation events.",
    "subscribeMigration": "Subscribed to 'migration' events.",
}
GARBAGE = (
    "not json at all",
    "[1, 2, 3]",
    '{"txType": "create", "mint": "0xnot-a-solana-address", "signature": "x"}',
    '{"txType": "create", "mint": "' + "1" * 5000 + '"}',
    '{"txType": "buy", "mint": "So11111111111111111111111111111111111111112"}',
    '{"txType": "create", "name": "<img src=x onerror=alert(1)>", "symbol": "\\u202eXSS"}',
    "{" * 10_000,
)
MESSAGE_MAX_BYTES = 4096  # what a client may send


REPLAY_MAX_FRAMES, REPLAY_MAX_BYTES = 1000, 65_536


class InvalidReplay(ValueError):
    """A replay request that cannot be honoured."""


class Subscriber:
    """One open connection and what it subscribed to."""

    def __init__(self, ws: Server) -> None:
        self.ws, self.kinds, self.muted = ws, set[str](), False
        self.lock = threading.Lock()

    def send(self, text: str) -> bool:
        """Send unless muted; False when the connection is gone."""
        if self.muted:
            return True
        with self.lock:
            try:
                self.ws.send(text)
            except (ConnectionClosed, OSError):
                return False
        return True

    def close(self) -> None:
        """Close it from this side."""
        with self.lock, contextlib.suppress(ConnectionClosed, OSError):  # already gone
            self.ws.close()


class PumpPortalHub:
    """Every open stream connection; what the market publishes goes to those subscribed."""

    def __init__(self, faults: FaultBook) -> None:
        self._faults = faults
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self.sent = 0  # messages sent (creations and migrations, to each subscriber)
        self.opened = 0  # connections accepted since the start

    def connections(self) -> int:
        """Open connections."""
        with self._lock:
            return len(self._subscribers)

    def serve(self, environ: dict[str, Any]) -> None:
        """Hold one connection until the client or a fault closes it."""
        subscriber = Subscriber(Server(environ, max_message_size=MESSAGE_MAX_BYTES))
        with self._lock:
            self._subscribers.add(subscriber)
            self.opened += 1
        try:
            with contextlib.suppress(ConnectionClosed):  # the client left, or a fault closed it: the end
                while True:
                    text = subscriber.ws.receive(timeout=1.0)
                    if text is not None:
                        self._request(subscriber, text)
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)

    def publish(self, kind: str, message: dict[str, Any]) -> int:
        """Send a message to the connections subscribed to its kind ("subscribeNewToken", ...); how many got it."""
        text = json.dumps(message)
        with self._lock:
            targets = [s for s in self._subscribers if kind in s.kinds]
        delivered = sum(1 for s in targets if not s.muted and s.send(text))
        self.sent += delivered
        return delivered

    def replay(self, frames: Any) -> int:
        """POST /_sim/stream/replay: frames sent as they are (a recorded session), in order, to every subscribed
        connection; how many frames went out in all."""
        if (
            not isinstance(frames, list)
            or not 1 <= len(frames) <= REPLAY_MAX_FRAMES
            or not all(isinstance(frame, str) and len(frame) <= REPLAY_MAX_BYTES for frame in frames)
        ):
            raise InvalidReplay(f"body must be a JSON array of 1 to {REPLAY_MAX_FRAMES} strings (frames as sent)")
        with self._lock:
            targets = [s for s in self._subscribers if s.kinds]
        return sum(1 for subscriber in targets for frame in frames if subscriber.send(frame))

    def apply(self, fault: Fault) -> None:
        """A fault just posted: it acts on every open connection (one use each while it has uses)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            taken = self._faults.take(ROUTE, STREAM_MODES, exact=True)
            if taken is None:
                return
            self._act(taken, subscriber)

    def close_all(self) -> None:
        """Close every connection (the simulator stops)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.close()

    def _request(self, subscriber: Subscriber, text: str | bytes) -> None:
        """A client's message: a subscription is acknowledged (unless a fault takes the connection first)."""
        try:
            method = json.loads(text).get("method")
        except (ValueError, AttributeError, RecursionError):
            method = None
        if not isinstance(method, str) or method not in ACKS:
            subscriber.send(json.dumps({"errors": "Invalid message: send a JSON object with a known method"}))
            return
        fault = self._faults.take(ROUTE, STREAM_MODES, exact=True) if not subscriber.kinds else None
        subscriber.kinds.add(method)
        subscriber.send(json.dumps({"message": ACKS[method]}))
        if fault is not None:
            self._act(fault, subscriber)

    @staticmethod
    def _act(fault: Fault, subscriber: Subscriber) -> None:
        """What a fault does to one connection."""
        log.debug("stream fault %s on a connection", fault.mode)
        if fault.mode == "drop":
            subscriber.close()
        elif fault.mode == "silent":
            subscriber.muted = True
        elif fault.mode == "garbage":
            for frame in GARBAGE:
                subscriber.send(frame)
