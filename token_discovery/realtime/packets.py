"""Socket.IO packets for what this app sends: records whose JSON was made once, and never any binary."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from socketio import packet

from token_discovery.realtime.direct import attach, detach
from token_discovery.records import EncodedRecord

log = logging.getLogger(__name__)
REFUSAL_LOG_SECONDS = 60.0  # at most one log line a minute about refused packets, whatever a client sends


class Refusals:
    """Packets refused from clients (binary or malformed), counted, and said in the log at most once a minute."""

    def __init__(self) -> None:
        self.count = 0
        self._said_at = float("-inf")
        self._lock = threading.Lock()

    def note(self, why: str) -> None:
        """Count one refusal; log it unless one was logged within the last minute."""
        with self._lock:
            self.count += 1
            now = time.monotonic()
            if now - self._said_at < REFUSAL_LOG_SECONDS:
                return
            self._said_at = now
        log.warning("refused a Socket.IO packet (%s); %s refused since start; the client is disconnected", why,
                    self.count)  # fmt: skip


REFUSALS = Refusals()


class RecordPacket(packet.Packet):
    """A Socket.IO packet that skips the search for binary data (the app sends none) and reuses records' JSON."""

    uses_binary_events = False  # a record is never walked through, per client, looking for bytes

    def decode(self, encoded_packet: Any) -> int:
        """A client's packet; a binary one (the app takes none) or a malformed one becomes a disconnect.

        A binary event announces attachments that the server would otherwise keep for as long as frames come.
        """
        try:
            attachments = super().decode(encoded_packet)
        except (ValueError, TypeError, IndexError) as error:
            return self._refuse(f"malformed: {str(error)[:80]}")
        if self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK) or attachments:
            return self._refuse("binary")
        return attachments

    def _refuse(self, why: str) -> int:
        """Turn this packet into the client leaving the namespace, and say so (sparingly)."""
        REFUSALS.note(why)
        self.packet_type, self.data, self.id, self.attachment_count = packet.DISCONNECT, None, None, 0
        self.namespace = getattr(self, "namespace", None) or "/"
        return 0

    def encode(self) -> Any:
        """The packet's text: an event carrying one encoded record is put together without encoding it again."""
        data = self.data
        if self.packet_type != packet.EVENT or not (
            isinstance(data, list) and len(data) == 2 and isinstance(data[1], EncodedRecord)
        ):
            return super().encode()
        head = str(packet.EVENT)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return f"{head}[{json.dumps(data[0])},{data[1].json_text}]"


MAX_MESSAGE_BYTES = 64 * 1024


def cap_websocket_messages(eio_server: Any, limit: int = MAX_MESSAGE_BYTES) -> None:
    """Make the websocket layer itself close a connection whose message grows past `limit` bytes, or is binary;
    under gevent, also let broadcasts write to it directly (realtime/direct.py).

    It buffers a whole message before engine.io sees it, so engine.io's own size check comes too late to keep
    memory bounded. engine.io builds its websocket wrapper with no options: the cap is set on each one made.
    """
    factory = eio_server._async.get("websocket")
    if factory is None:
        return

    def capped(handler: Any, server: Any) -> Any:
        wrapper = factory(handler, server)
        if isinstance(getattr(wrapper, "server_args", None), dict):
            wrapper.server_args["max_message_size"] = limit
            wrapper.server_args["event_class"] = yielding(wrapper.server_args.get("event_class"))
        wait = wrapper.wait

        def text_only() -> Any:
            """The next message; a binary one (the app takes none) ends the connection before anything keeps it."""
            message = wait()
            if isinstance(message, bytes | bytearray):
                REFUSALS.note("binary websocket message")
                wrapper.close()
                message = None
            if message is None and engine_socket is not None:  # the connection has ended
                detach(engine_socket, wrapper)
            return message

        wrapper.wait = text_only
        engine_socket = getattr(handler, "__self__", None)  # the engine.io socket whose websocket this is
        if engine_socket is not None and eio_server.async_mode == "gevent":
            attach(engine_socket, wrapper)
        return wrapper

    eio_server._async = {**eio_server._async, "websocket": capped}


def yielding(event_class: Any) -> Any:
    """The websocket reader's event class, made to let others run each time a whole message has arrived.

    The reader reads for as long as bytes are waiting: a client streaming messages would otherwise keep the
    event loop to itself, and its messages would pile up in memory before anyone could refuse them.
    """
    base = event_class or threading.Event

    class YieldingEvent(base):  # type: ignore[misc, valid-type]
        """An event whose set() also yields."""

        def set(self) -> None:
            """Wake the waiter, then let it (and everyone else) run."""
            super().set()
            time.sleep(0)  # gevent's sleep once the process is monkey-patched

    return YieldingEvent
