"""A WebSocket client for one long-lived upstream stream, on wsproto over a plain socket: every wait is bounded
(connecting, the handshake, each read) and so is every message, whatever the other side sends."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections import deque
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

READ_BYTES = 65_536


class StreamClosed(Exception):
    """The stream is over: closed by either side, refused, broken, or it sent more than a message may hold."""


class WebSocketClient:
    """One connection: text messages in and out, each read waiting at most the time it is given."""

    def __init__(self, url: str, connect_timeout: float = 10.0, max_message_bytes: int = 65_536) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError("a stream URL is ws:// or wss:// with a host")
        self._max, self._size = max_message_bytes, 0
        self._pending: deque[str] = deque()  # whole messages read and not yet taken
        self._parts: list[str] = []  # the pieces of the message being read
        self._ws = WSConnection(ConnectionType.CLIENT)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        try:
            raw = socket.create_connection((parts.hostname, port), timeout=connect_timeout)
        except OSError as error:
            raise StreamClosed(f"could not connect: {error.__class__.__name__}") from None
        self._sock: socket.socket = raw
        try:
            if parts.scheme == "wss":
                self._sock = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            self._sock.sendall(self._ws.send(Request(host=parts.netloc, target=target)))
            self._handshake(time.monotonic() + connect_timeout)
        except (OSError, StreamClosed) as error:
            self._sock.close()
            raise (
                error
                if isinstance(error, StreamClosed)
                else StreamClosed(f"could not connect: {error.__class__.__name__}")
            ) from None

    def _handshake(self, deadline: float) -> None:
        """Read until the server accepts the upgrade, by the deadline (a server trickling its answer gets no
        longer); what came with the acceptance is kept. StreamClosed when it refuses."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StreamClosed("the server did not accept the upgrade in time")
            self._sock.settimeout(left)
            events = self._feed()
            for number, event in enumerate(events):
                if isinstance(event, AcceptConnection):
                    self._dispatch(events[number + 1 :])
                    return
                if isinstance(event, RejectConnection):
                    raise StreamClosed(f"upgrade refused with HTTP {event.status_code}")

    def send(self, text: str) -> None:
        """Send one text message."""
        try:
            self._sock.sendall(self._ws.send(TextMessage(data=text)))
        except (OSError, LocalProtocolError) as error:  # wsproto refuses to send on a closed connection
            raise StreamClosed(f"send failed: {error.__class__.__name__}") from None

    def receive(self, timeout: float) -> str | None:
        """The next text message, or None when none was whole within `timeout` seconds (a server trickling bytes
        gets no longer than one that sends nothing); StreamClosed when the stream is over."""
        deadline = time.monotonic() + timeout
        try:
            while not self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._sock.settimeout(left)
                self._dispatch(self._feed())
        except TimeoutError:
            return None
        except OSError as error:
            raise StreamClosed(f"read failed: {error.__class__.__name__}") from None
        return self._pending.popleft()

    def close(self) -> None:
        """Say goodbye if the connection still stands, then close the socket."""
        with contextlib.suppress(OSError, LocalProtocolError):  # already broken or closed: nothing to say
            self._sock.settimeout(1.0)
            self._sock.sendall(self._ws.send(CloseConnection(code=1000)))
        self._sock.close()

    def _feed(self) -> list[Event]:
        """Read what the socket has (waiting at most its timeout) and the events it makes."""
        data = self._sock.recv(READ_BYTES)
        if not data:
            raise StreamClosed("the server closed the connection")
        try:
            self._ws.receive_data(data)
            return list(self._ws.events())
        except RemoteProtocolError as error:
            raise StreamClosed(f"not a WebSocket stream: {str(error)[:100]}") from None

    def _dispatch(self, events: list[Event]) -> None:
        """Keep the text messages made whole; answer pings; a close, a binary frame or an oversize message ends it."""
        for event in events:
            if isinstance(event, TextMessage):
                self._size += len(event.data)
                if self._size > self._max:
                    raise StreamClosed(f"a message over {self._max} bytes")
                self._parts.append(event.data)
                if event.message_finished:
                    self._pending.append("".join(self._parts))
                    self._parts, self._size = [], 0
            elif isinstance(event, Ping):
                self._sock.sendall(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                raise StreamClosed(f"closed by the server ({event.code})")
            elif isinstance(event, BytesMessage):
                raise StreamClosed("a binary message: the stream speaks JSON text")
