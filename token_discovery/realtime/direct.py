"""A broadcast written straight into each idle websocket: framed once for every client, sent without a queue.

engine.io hands every packet to a connection's queue; a writer greenlet per connection wakes, encodes the
packet, frames it (wsproto) and sends it. For one record to 5,000 clients that is 5,000 queue hand-offs,
greenlet switches, encodings and framings of the same bytes: most of the server's time per delivery.

Here a broadcast's websocket frame is built once (server frames are never masked, and compression is
declined, so every client gets the same bytes) and, for a connection whose writer is idle with nothing
queued, written at once with a send that never waits. Anything else takes engine.io's own way: a
connection still on long-polling, one with packets queued or its writer busy (order is kept), one whose
kernel buffer is full (nothing was written: the packet is queued whole), and the rest of a frame the
kernel took only part of (queued as raw bytes, ahead of anything later). So a slow client still only ever
waits on its own writer, and never holds up the broadcast.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

log = logging.getLogger(__name__)

DIRECT_ATTRIBUTE = "td_direct_writer"  # set on each engine.io socket once it has upgraded to a websocket
WOULD_BLOCK = (errno.EAGAIN, errno.EWOULDBLOCK)
BURST_SECONDS = 0.002  # the longest a broadcast writes before letting the event loop serve others


class Ways:
    """How many broadcast deliveries were written at once, and how many went through a connection's queue."""

    def __init__(self) -> None:
        self.direct = 0
        self.queued = 0


WAYS = Ways()


def text_frame(text: str) -> bytes:
    """One unmasked, final websocket text frame (RFC 6455 section 5.2) carrying `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class RawTail(str):
    """What is left of a frame the kernel took only part of; the connection's writer sends these bytes as they
    are (a str, as engine.io's writer expects one, carrying the bytes)."""

    raw: bytes


class TailPacket(eio_packet.Packet):
    """An engine.io packet whose encoding is the rest of a frame already begun on the wire."""

    def __init__(self, rest: bytes) -> None:
        super().__init__(eio_packet.NOOP)
        self.rest = rest

    def encode(self, b64: bool = False) -> Any:
        """The raw bytes, for DirectWriter.send to write as they are."""
        tail = RawTail("")
        tail.raw = self.rest
        return tail


class DirectWriter:
    """The websocket of one engine.io socket, written to by broadcasts when its own writer is idle."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket  # engine.io's wrapper; its `ws` is simple-websocket's connection
        self.busy = False
        self._send = websocket.send

    def send(self, message: Any) -> Any:
        """engine.io's writer sends through here: flagged busy meanwhile, raw tails written as they are."""
        self.busy = True
        try:
            if isinstance(message, RawTail):
                self.websocket.ws.sock.sendall(message.raw)
                return None
            return self._send(message)
        finally:
            self.busy = False

    def try_write(self, socket: Any, frame: bytes) -> bool:
        """Write `frame` now if the connection is idle; False when it must be queued instead (nothing written)."""
        connection = getattr(self.websocket, "ws", None)
        if self.busy or connection is None or not connection.connected or not socket.queue.empty():
            return False
        if socket.closing or socket.closed or not socket.check_ping_timeout():
            return False
        try:
            sent = connection.sock.send(frame, 0, 0.0)  # gevent's send: timeout 0 means never wait
        except OSError as error:
            if error.errno not in WOULD_BLOCK:
                log.debug("direct write failed (%s): the writer will find out", error)
            return False
        if sent < len(frame):
            socket.queue.put(TailPacket(frame[sent:]))
        return True


def attach(socket: Any, websocket: Any) -> None:
    """Let broadcasts write to an engine.io socket's websocket (gevent sockets only: their send can not wait)."""
    writer = DirectWriter(websocket)
    websocket.send = writer.send
    setattr(socket, DIRECT_ATTRIBUTE, writer)


def detach(socket: Any, websocket: Any) -> None:
    """Once the connection has ended: unlink the socket and its websocket, so both go when engine.io drops them."""
    socket.__dict__.pop(DIRECT_ATTRIBUTE, None)
    websocket.__dict__.pop("send", None)


def broadcast(
    manager: Any, event: str, data: Any, namespace: str, room: str, skip_sid: Any = None,
    pause: Callable[[], object] = lambda: None,
) -> None:  # fmt: skip
    """What socketio.Manager.emit does for a room without callbacks, writing to idle websockets at once, and
    calling `pause` (a yield to the event loop) every BURST_SECONDS so other requests are served meanwhile."""
    server = manager.server
    if namespace not in manager.rooms:
        return
    arguments = list(data) if isinstance(data, tuple) else [data] if data is not None else []
    encoded = server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *arguments]).encode()
    if not isinstance(encoded, str):  # binary attachments: engine.io's own way
        socketio.Manager.emit(manager, event, data, namespace, room=room, skip_sid=skip_sid)
        return
    queued, frame = eio_packet.Packet(eio_packet.MESSAGE, encoded), None
    skipped = skip_sid if isinstance(skip_sid, list) else [skip_sid]
    sockets, burst_ends = server.eio.sockets, time.perf_counter() + BURST_SECONDS
    for sid, eio_sid in manager.get_participants(namespace, room):  # a copy: members may come and go meanwhile
        if sid in skipped:
            continue
        if time.perf_counter() > burst_ends:
            pause()
            burst_ends = time.perf_counter() + BURST_SECONDS
        socket = sockets.get(eio_sid)
        writer: DirectWriter | None = getattr(socket, DIRECT_ATTRIBUTE, None)
        if writer is not None:
            frame = frame or text_frame(f"{eio_packet.MESSAGE}{encoded}")
            if writer.try_write(socket, frame):
                WAYS.direct += 1
                continue
        WAYS.queued += 1
        server._send_eio_packet(eio_sid, queued)
