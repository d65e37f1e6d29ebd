"""An upstream answer too big to hold, decoded as a stream that keeps only what a client could use.

A normal answer is read whole and decoded at once. One over HTTP_MAX_RESPONSE_BYTES used to be refused whole,
so a single token listing 20,000 links lost the tokens of its whole feed. Now the rest of such an answer is
streamed (at most STREAM_FACTOR times the cap on the wire) through an event parser that keeps the first
MAX_ARRAY_ITEMS elements of every array and the first MAX_STRING_CHARS characters of every string, and never
builds what it leaves out. What it leaves out is counted per route; what it keeps must still fit in the cap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import ijson

from token_discovery.sources.base import BadPayload, SourceUnavailable

log = logging.getLogger(__name__)

STREAM_FACTOR = 10  # bytes on the wire a streamed answer may have, as a multiple of the size cap
MAX_ARRAY_ITEMS = 1000  # the longest list a client reads is a GeckoTerminal candle list (1,000)
MAX_STRING_CHARS = 4096  # longer than any name, URL or description the records keep
ITEM_COST = 8  # what a kept value counts for on top of its characters (a rough size in bytes)


class Trimmed:
    """Array elements and string tails left out of oversized upstream answers, per route (for /metrics)."""

    def __init__(self) -> None:
        self.by_route: dict[str, int] = {}
        self._lock = threading.Lock()

    def note(self, route: str, count: int) -> None:
        """Count what was left out of one answer, and say it in the log."""
        with self._lock:
            self.by_route[route] = self.by_route.get(route, 0) + count
        log.warning("%s: answer over the size cap, streamed: %d array elements or string tails left out", route,
                    count)  # fmt: skip


TRIMMED = Trimmed()


class CappedStream:
    """A file-like view of what was read already and the rest of the body, stopped at a size and a deadline."""

    def __init__(self, head: bytes, more: Callable[[], bytes], route: str, max_bytes: int, deadline_at: float) -> None:
        self._buffer, self._more, self._route = head, more, route
        self._max_bytes, self._deadline_at, self._read = max_bytes, deadline_at, len(head)

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes; b"" at the end of the body."""
        if not self._buffer:
            self._buffer = self._more()
            self._read += len(self._buffer)
            if self._read > self._max_bytes:
                raise BadPayload(self._route, f"response larger than {self._max_bytes} bytes, even streamed")
            if time.monotonic() > self._deadline_at:
                raise SourceUnavailable(self._route, "response not complete within the call's deadline")
        size = len(self._buffer) if size is None or size < 0 else size
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


class _Builder:
    """Builds a document from parse events, within bounds: MAX_ARRAY_ITEMS, MAX_STRING_CHARS and `max_cost`."""

    def __init__(self, route: str, max_cost: int) -> None:
        self.route, self.max_cost = route, max_cost
        self.root: Any = None
        self.left_out = 0
        self._stack: list[Any] = []
        self._keys: list[str] = []
        self._skipping = 0  # depth inside a container that is being left out
        self._cost = 0

    def event(self, kind: str, value: Any) -> None:
        """Take one parse event."""
        if self._skipping:
            self._skipping += {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}.get(kind, 0)
        elif kind == "map_key":
            self._keys.append(self._trim(value))
        elif kind in ("end_map", "end_array"):
            self._stack.pop()
        elif kind in ("start_map", "start_array"):
            container: Any = {} if kind == "start_map" else []
            if self._place(container):
                self._stack.append(container)
            else:
                self._skipping = 1
        else:
            self._place(self._trim(value) if kind == "string" else value)

    def _place(self, value: Any) -> bool:
        """Put a value where the document is at; False when it is left out (its array is full)."""
        top = self._stack[-1] if self._stack else None
        if isinstance(top, list) and len(top) >= MAX_ARRAY_ITEMS:
            self.left_out += 1
            return False
        self._cost += ITEM_COST + (len(value) if isinstance(value, str) else 0)
        if self._cost > self.max_cost:
            raise BadPayload(self.route, f"response keeps more than {self.max_cost} bytes even trimmed")
        if top is None:
            self.root = value
        elif isinstance(top, list):
            top.append(value)
        else:
            top[self._keys.pop()] = value
        return True

    def _trim(self, text: str) -> str:
        """A string cut to MAX_STRING_CHARS (counted when cut)."""
        if len(text) <= MAX_STRING_CHARS:
            return text
        self.left_out += 1
        return text[:MAX_STRING_CHARS]


def decode_streamed(stream: CappedStream, route: str, max_cost: int) -> Any:
    """The document of a streamed body, trimmed; BadPayload when it is not JSON or keeps too much."""
    builder = _Builder(route, max_cost)
    try:
        for kind, value in _events(stream):
            builder.event(kind, value)
    except ijson.JSONError as exc:
        raise BadPayload(route, f"body is not JSON ({exc.__class__.__name__})") from None
    if builder.left_out:
        TRIMMED.note(route, builder.left_out)
    return builder.root


def _events(stream: CappedStream) -> Iterator[tuple[str, Any]]:
    """The parse events of a body (numbers as int or float, as json.loads gives them)."""
    return ijson.basic_parse(stream, use_float=True)
