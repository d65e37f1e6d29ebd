"""The connection to PumpPortal, kept up: connect and subscribe while this process holds the stream, read each
message into its handler, reconnect with jittered backoff when the stream breaks, and reconnect a stream that
went silent. A message that cannot be read is counted and dropped; nothing the stream sends stops it."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from token_discovery.sources.pumpportal import MESSAGE_MAX_BYTES, SUBSCRIPTIONS, Message, Notice, read_message
from token_discovery.streaming.lease import StreamLease
from token_discovery.streaming.websocket import StreamClosed, WebSocketClient

log = logging.getLogger(__name__)

BACKOFF_FIRST, BACKOFF_MOST = 1.0, 60.0  # seconds before reconnecting: doubling from the first, at most the most
RENEW_SECONDS = 3.0  # the lease is renewed this often while connected
STABLE_SECONDS = 30.0  # a session that delivered tokens for this long starts the backoff over: a flapping
# server that closes after each token is not reconnected to every second (PumpPortal bans that)
STANDBY_SECONDS = 2.0  # a process without the lease asks again this often
WARN_EVERY_SECONDS = 60.0  # malformed messages are logged at most this often


class Connection(Protocol):
    """A text message stream."""

    def send(self, text: str) -> None:
        """Send one message."""
        ...

    def receive(self, timeout: float) -> str | None:
        """The next message, None on timeout; StreamClosed when over."""
        ...

    def close(self) -> None:
        """Close."""
        ...


def backoff(attempt: int) -> float:
    """Seconds to wait before reconnection `attempt` (1, 2, ...): doubling, capped, the upper half jittered."""
    ceiling = min(BACKOFF_MOST, BACKOFF_FIRST * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def connect_websocket(url: str) -> Connection:
    """A real connection, every message bounded."""
    return WebSocketClient(url, max_message_bytes=MESSAGE_MAX_BYTES * 4)


class PumpStream:
    """Keeps one subscription while the lease is held; `state` is "off", "standby", "connecting" or "live"."""

    def __init__(
        self,
        url: str,
        lease: StreamLease,
        handle: Callable[[Message], None],
        silence: float,
        connect: Callable[[str], Connection] = connect_websocket,
    ) -> None:
        self._url, self._lease, self._handle, self._silence, self._connect = url, lease, handle, silence, connect
        self._stop, self._finished = threading.Event(), threading.Event()
        self.state = "off"
        self.counts: Counter[str] = Counter()  # connections, reconnects, silences, malformed, creations, ...
        self.last_message_at: float | None = None  # time.time() of the last message read
        self._warned_at = 0.0
        self._delivered = False

    def run(self) -> None:
        """The worker: hold the stream while the lease allows, until stopped; then give the lease back."""
        failures = 0
        try:
            while not self._stop.is_set():
                if not self._lease.hold():
                    self.state = "standby"
                    self._stop.wait(STANDBY_SECONDS)
                    continue
                failures = 0 if self._guarded_session() else failures + 1
                if not self._stop.is_set():  # never straight back: even after a good session, a short pause
                    self.counts["reconnects"] += 1
                    self._stop.wait(backoff(failures + 1))
        finally:
            self.state = "off"
            self._lease.release()
            self._finished.set()

    def stop(self, wait: float = 5.0) -> None:
        """End the worker at its next wait (a read waits RENEW_SECONDS at most) and, if it runs, let it close
        the connection and give the lease back, so another process takes over at once."""
        self._stop.set()
        if self.state != "off":
            self._finished.wait(wait)

    def _guarded_session(self) -> bool:
        """A session whose every failure is logged and ends only the session, never the worker."""
        try:
            return self._session()
        except Exception:
            log.exception("pump.fun stream: the session failed; connecting again")
            self.state = "connecting"
            return False

    def _session(self) -> bool:
        """One connection, subscribed and read until it breaks, falls silent, loses the lease or is stopped;
        True when it delivered a token and lasted STABLE_SECONDS (the next attempt then starts from the first
        backoff)."""
        self.state, started = "connecting", time.monotonic()
        self._delivered = False  # set by the reading as soon as a token comes, kept however the session ends
        try:
            connection = self._connect(self._url)
        except (StreamClosed, ValueError) as error:
            log.warning("pump.fun stream: %s", error)
            return False
        try:
            if not self._lease.hold():  # connecting took long: the lease is renewed before anything is heard
                return False
            for subscription in SUBSCRIPTIONS:
                connection.send(json.dumps(subscription))
            self.counts["connections"] += 1
            self.state = "live"
            self._read(connection)
        except StreamClosed as error:
            log.warning("pump.fun stream closed: %s", error)
        finally:
            connection.close()
            self.state = "connecting"
        return self._delivered and time.monotonic() - started >= STABLE_SECONDS

    def _read(self, connection: Connection) -> None:
        """Read messages until a silence, the lease lost or a stop (or StreamClosed)."""
        heard, renewed = time.monotonic(), time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now - renewed >= RENEW_SECONDS:
                if not self._lease.hold():
                    log.warning("pump.fun stream: the lease went to another process; disconnecting")
                    return
                renewed = now
            if now - heard >= self._silence:
                self.counts["silences"] += 1
                log.warning("pump.fun stream silent for %.0fs: reconnecting", self._silence)
                return
            wait = min(renewed + RENEW_SECONDS, heard + self._silence) - now
            text = connection.receive(max(0.05, wait))
            if text is not None:
                heard = time.monotonic()
                self._delivered = self._take(text) or self._delivered

    def _take(self, text: str) -> bool:
        """One message to its handler; one that cannot be read is counted and dropped. Whether it was a token's."""
        self.last_message_at = time.time()
        try:
            message = read_message(text)
        except Exception as error:  # Malformed, or anything a reader did not foresee: never the connection's end
            self.counts["malformed"] += 1
            if time.monotonic() - self._warned_at >= WARN_EVERY_SECONDS:
                self._warned_at = time.monotonic()
                log.warning("pump.fun stream: a message dropped (%s); %d so far", error, self.counts["malformed"])
            return False
        self.counts[type(message).__name__.lower()] += 1
        try:
            self._handle(message)
        except Exception:  # a handler's failure never breaks the connection
            log.exception("pump.fun stream: a message could not be handled")
        return not isinstance(message, Notice)
