"""Every new token once, in seq order, on every process of a cluster, whatever the message queue dropped.

Tokens are stored before they are announced, so the store is the truth: when the queue delivers seq n+3
right after n, this process first sends n+1 and n+2 from the store; a late or repeated announcement of a seq
already sent is dropped; and a watcher sends from the store what the queue never delivered at all (a Redis
restart at the tail of a burst). Late joiners are replayed under the same lock, so nothing comes twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import socketio

from token_discovery import events
from token_discovery.monitoring.telemetry import Telemetry
from token_discovery.records import record_json
from token_discovery.store.base import StoreUnavailable, TokenStore

log = logging.getLogger(__name__)
Send = Callable[[dict[str, Any]], None]
WATCH_SECONDS = 2.0  # how often the watcher looks for tokens the queue never brought
BACKFILL_LIMIT = 500


class OrderedDelivery:
    """This process's view of the room: the highest seq up to which every token was sent, in order."""

    def __init__(self, store: TokenStore, clock: Callable[[], float] = time.monotonic) -> None:
        self._store, self._clock = store, clock
        self._lock = threading.Lock()
        self.contiguous: int | None = None  # every seq up to this one has been sent to the room
        self._behind_since: float | None = None

    def deliveries(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """What to send for an announced token: the missing ones before it (from the store), then it; or nothing."""
        seq = int(record["seq"])
        with self._lock:
            if self.contiguous is None:
                self.contiguous = seq - 1  # the first token this process hears of: the stream starts here
            if seq <= self.contiguous:
                return []  # sent already (backfilled, replayed, or announced twice)
            missing = self._between(self.contiguous, seq)
            self.contiguous, self._behind_since = seq, None
        return [*missing, record]

    def _between(self, after: int, before: int) -> list[dict[str, Any]]:
        """Stored tokens with after < seq < before, oldest first."""
        if before - after <= 1:
            return []
        try:
            return [record_json(r) for r in self._store.since_seq(after, BACKFILL_LIMIT) if r.seq < before]
        except StoreUnavailable as error:
            log.warning("could not fill seqs %s..%s from the store: %s", after + 1, before - 1, error)
            return []

    def overdue(self, grace: float = WATCH_SECONDS) -> list[dict[str, Any]]:
        """Stored tokens the queue has not brought for `grace` seconds: send them from the store."""
        with self._lock:
            if self.contiguous is None:
                return []
            try:
                newer = [record_json(r) for r in self._store.since_seq(self.contiguous, BACKFILL_LIMIT)]
            except StoreUnavailable:
                return []
            if not newer:
                self._behind_since = None
                return []
            now = self._clock()
            if self._behind_since is None or now - self._behind_since < grace:
                self._behind_since = self._behind_since or now  # give the queue its chance first
                return []
            self.contiguous, self._behind_since = int(newer[-1]["seq"]), None
        return newer

    def replay(self, last_seq: int, join: Callable[[], None], send: Send) -> int:
        """Join the room and send what a client missed, up to what the room has had: no gap, nothing twice."""
        with self._lock:
            join()
            records = [record_json(r) for r in self._store.since_seq(last_seq, BACKFILL_LIMIT)]
            if self.contiguous is None:
                self.contiguous = int(records[-1]["seq"]) if records else None
            records = [r for r in records if self.contiguous is not None and r["seq"] <= self.contiguous]
            for record in records:
                send(record)
        return len(records)


class TimedManager(socketio.Manager):
    """Socket.IO's in-process manager, timing each broadcast to the discovery room (encoded once for all)."""

    telemetry: Telemetry | None = None

    def emit(self, event: str, data: Any, namespace: str, room: str | None = None, skip_sid: Any = None,
             callback: Any = None, to: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        """Hand the event to its recipients; a broadcast to the room is timed."""
        if self.telemetry is None or callback is not None or (to or room) != events.ROOM:
            super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
            return
        started = time.perf_counter()
        super().emit(event, data, namespace, room=room, skip_sid=skip_sid, to=to, **kwargs)
        self.telemetry.observe_broadcast(event, data, started)


class OrderedRedisManager(socketio.RedisManager):
    """The Socket.IO Redis queue, with new tokens passed through this process's OrderedDelivery."""

    delivery: OrderedDelivery | None = None
    telemetry: Telemetry | None = None
    on_record: Callable[[dict[str, Any]], None] = staticmethod(lambda record: None)  # the read model

    def _handle_emit(self, message: dict[str, Any]) -> None:
        """Deliver a queued event locally; a new token brings along any seq the queue skipped, once each."""
        data = message.get("data")
        if self.delivery is None or message.get("event") != events.NEW_TOKEN or not isinstance(data, list):
            self._emit_here(message)
            return
        record = data[0] if data else None
        if not isinstance(record, dict) or not isinstance(record.get("seq"), int):
            self._emit_here(message)
            return
        for deliverable in self.delivery.deliveries(record):
            self._emit_here({**message, "data": [deliverable]})

    def _emit_here(self, message: dict[str, Any]) -> None:
        """Hand a queued event to this process's clients (a record to the read model first); broadcasts are timed."""
        data = message.get("data")
        record = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
        if record is not None and message.get("event") in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            self.on_record(record)
        if self.telemetry is None or message.get("room") != events.ROOM:
            super()._handle_emit(message)
            return
        started = time.perf_counter()
        super()._handle_emit(message)
        data = message.get("data")
        first = data[0] if isinstance(data, list) and data else None
        self.telemetry.observe_broadcast(str(message.get("event")), first, started)

    def watch(self, stop: threading.Event, sleep: Callable[[float], object]) -> None:
        """Send from the store, every few seconds, what the queue never delivered (a background task)."""
        while not stop.is_set():
            sleep(WATCH_SECONDS)
            if self.delivery is None or self.server is None:
                continue
            for record in self.delivery.overdue():
                self.server.emit(events.NEW_TOKEN, record, to=events.ROOM, ignore_queue=True)
