"""Broadcasts written straight into idle websockets: the frame, and when a write goes out or is queued."""

from __future__ import annotations

import errno
import queue
from typing import Any

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from token_discovery.realtime.direct import DirectWriter, RawTail, TailPacket, text_frame


@pytest.mark.parametrize("size", [0, 125, 126, 6_000, 65_535, 65_536, 200_000])
def test_the_frame_is_the_one_wsproto_would_send(size: int) -> None:
    text = "4" + "é" * (size // 2) + "x" * (size % 2)
    assert text_frame(text) == Connection(ConnectionType.SERVER).send(TextMessage(data=text))


class FakeSocket:
    """The kernel side: takes at most `room` bytes a send, or refuses with EAGAIN when full."""

    def __init__(self, room: int) -> None:
        self.room, self.wire = room, b""

    def send(self, data: bytes, flags: int, timeout: float) -> int:
        assert timeout == 0.0  # a broadcast never waits on one client
        if self.room == 0:
            raise BlockingIOError(errno.EAGAIN, "full")
        taken = data[: self.room]
        self.wire += taken
        return len(taken)

    def sendall(self, data: bytes) -> None:
        self.wire += data


class FakeConnection:
    def __init__(self, room: int) -> None:
        self.sock, self.connected = FakeSocket(room), True


class FakeWebsocket:
    def __init__(self, room: int) -> None:
        self.ws, self.sent = FakeConnection(room), []

    def send(self, message: Any) -> None:
        self.sent.append(message)


class FakeEngineSocket:
    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        self.closing = self.closed = False

    def check_ping_timeout(self) -> bool:
        return True


def writer_for(room: int) -> tuple[DirectWriter, FakeWebsocket, FakeEngineSocket]:
    websocket = FakeWebsocket(room)
    return DirectWriter(websocket), websocket, FakeEngineSocket()


def test_an_idle_connection_gets_the_frame_at_once() -> None:
    writer, websocket, socket = writer_for(room=10_000)
    assert writer.try_write(socket, b"frame") and websocket.ws.sock.wire == b"frame" and socket.queue.empty()


def test_a_connection_with_packets_queued_or_its_writer_busy_is_left_to_its_queue() -> None:
    writer, websocket, socket = writer_for(room=10_000)
    socket.queue.put("earlier")
    assert not writer.try_write(socket, b"frame")
    socket.queue.get()
    writer.busy = True
    assert not writer.try_write(socket, b"frame") and websocket.ws.sock.wire == b""


def test_a_full_kernel_buffer_writes_nothing_and_leaves_the_packet_to_the_queue() -> None:
    writer, websocket, socket = writer_for(room=0)
    assert not writer.try_write(socket, b"frame") and websocket.ws.sock.wire == b""


def test_the_rest_of_a_frame_taken_in_part_is_queued_and_sent_raw_by_the_writer() -> None:
    writer, websocket, socket = writer_for(room=3)
    assert writer.try_write(socket, b"abcdefgh") and websocket.ws.sock.wire == b"abc"
    tail = socket.queue.get_nowait()
    assert isinstance(tail, TailPacket)
    message = tail.encode()
    assert isinstance(message, RawTail)
    writer.send(message)  # as engine.io's writer does: ws.send(pkt.encode())
    assert websocket.ws.sock.wire == b"abcdefgh" and websocket.sent == [] and not writer.busy


def test_ordinary_packets_still_go_through_the_websocket_and_mark_it_busy_meanwhile() -> None:
    writer, websocket, _ = writer_for(room=10)
    seen: list[bool] = []
    websocket.send = lambda message: seen.append(writer.busy)  # type: ignore[method-assign]
    writer._send = websocket.send
    writer.send("4hello")
    assert seen == [True] and not writer.busy
