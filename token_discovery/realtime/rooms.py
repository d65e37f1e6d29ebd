"""The discovery room, kept in slices so that a broadcast to thousands lets the event loop breathe between them.

Every member is in the room and in one of its slices (by a hash of its sid). A broadcast to the room is handed
out slice by slice, yielding between slices, so /healthz and other requests are served while 5,000 sockets
get a token; the record is encoded once for every slice.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from flask_socketio import join_room, leave_room

from token_discovery import events
from token_discovery.records import EncodedRecord

SLICES = 16  # 5,000 members: about 310 a slice


def slice_of(sid: str) -> str:
    """The slice room a connection belongs to."""
    return f"{events.ROOM}:{zlib.crc32(sid.encode()) % SLICES}"


def enter(sid: str) -> None:
    """Put a connection in the room and its slice."""
    join_room(events.ROOM, sid=sid)
    join_room(slice_of(sid), sid=sid)


def leave(sid: str) -> None:
    """Take a connection out of the room and its slice."""
    leave_room(events.ROOM, sid=sid)
    leave_room(slice_of(sid), sid=sid)


def encoded_once(data: Any) -> Any:
    """A record made into an EncodedRecord, so every slice's packet reuses one JSON text."""
    if isinstance(data, dict) and not isinstance(data, EncodedRecord):
        return EncodedRecord(data, json.dumps(data, separators=(",", ":")))
    return data


def hand_out(emit_to: Callable[[str, Any], None], data: Any, pause: Callable[[], object]) -> None:
    """Emit `data` to every slice of the room in turn (emit_to(room, data)), pausing between slices."""
    payload = encoded_once(data)
    for index in range(SLICES):
        if index:
            pause()
        emit_to(f"{events.ROOM}:{index}", payload)
