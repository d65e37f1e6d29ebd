"""Socket.IO client managers: new tokens through this process's OrderedDelivery, broadcasts timed, records heard."""

from __future__ import annotations

import abc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import socketio

from token_discovery import events
from token_discovery.monitoring.telemetry import Telemetry
from token_discovery.realtime.delivery import WATCH_SECONDS, OrderedDelivery
from token_discovery.realtime.direct import broadcast
from token_discovery.realtime.rooms import hand_out

log = logging.getLogger(__name__)
Hear = Callable[[dict[str, Any]], None]


class Watched(abc.ABC):
    """A manager whose delivery is topped up, every few seconds, with stored tokens that never reached the room."""

    delivery: OrderedDelivery | None = None
    server: Any

    def watch(self, stop: threading.Event, sleep: Callable[[float], object]) -> None:
        """Send from the store what never arrived (a background task, until stopped)."""
        while not stop.is_set():
            sleep(WATCH_SECONDS)
            if stop.is_set() or self.delivery is None or self.server is None:
                continue
            try:
                self.delivery.deliver_overdue(self._emit_overdue)
            except Exception:  # the next round may work: the watcher never dies of one failure
                log.exception("could not send the tokens that never reached the room")

    @abc.abstractmethod
    def _emit_overdue(self, record: dict[str, Any]) -> None:
        """Hand one overdue token to this process's room (each manager its own way)."""


class TimedManager(Watched, socketio.Manager):
    """Socket.IO's in-process manager: new tokens in order, each broadcast to the room timed (encoded once for all)."""

    telemetry: Telemetry | None = None
    delivery: OrderedDelivery | None = None

    def emit(self, event: str, data: Any, namespace: str, room: str | None = None, skip_sid: Any = None,
             callback: Any = None, to: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        """Hand the event to its recipients; a broadcast to the room is timed, a new token goes in seq order."""
        if callback is not None or (to or room) != events.ROOM:
            super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)
            return
        if event == events.NEW_TOKEN and self.delivery is not None and isinstance(data, dict):
            self.delivery.deliver(data, lambda record: self._timed(event, record, namespace, skip_sid))
            return
        self._timed(event, data, namespace, skip_sid)

    def _emit_overdue(self, record: dict[str, Any]) -> None:
        """A token another writer stored, handed to this process's room."""
        self._timed(events.NEW_TOKEN, record, "/", None)

    def _timed(self, event: str, data: Any, namespace: str, skip_sid: Any) -> None:
        """One broadcast to the room, slice by slice, timed."""
        started = time.perf_counter()

        def emit_to(room: str, payload: Any) -> None:
            broadcast(self, event, payload, namespace, room, skip_sid, pause=lambda: self.server.sleep(0))

        hand_out(emit_to, data, lambda: self.server.sleep(0))
        if self.telemetry is not None:
            self.telemetry.observe_broadcast(event, data, started)


class OrderedRedisManager(Watched, socketio.RedisManager):
    """The Socket.IO Redis queue, with new tokens passed through this process's OrderedDelivery."""

    delivery: OrderedDelivery | None = None
    telemetry: Telemetry | None = None
    on_record: Hear = staticmethod(lambda record: None)  # the read model hears what other processes announce

    def _handle_emit(self, message: dict[str, Any]) -> None:
        """Deliver a queued event locally; a new token brings along any seq the queue skipped, once each."""
        data = message.get("data")
        record = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
        to_room = message.get("room") == events.ROOM  # a token sent to one connection (a replay) is not ordered
        if self.delivery is None or message.get("event") != events.NEW_TOKEN or record is None or not to_room:
            self._emit_here(message)
        elif isinstance(record.get("seq"), int):
            self.delivery.deliver(record, lambda item: self._emit_here({**message, "data": [item]}))
        else:
            self._emit_here(message)

    def _emit_here(self, message: dict[str, Any]) -> None:
        """Hand a queued event to this process's clients (a record to the read model first); broadcasts are timed."""
        data = message.get("data")
        record = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
        if record is not None and message.get("event") in (events.NEW_TOKEN, events.TOKEN_UPDATED):
            self.on_record(record)
        if message.get("room") != events.ROOM or message.get("callback") or message.get("binary"):
            super()._handle_emit(message)
            return
        started = time.perf_counter()
        event, namespace = str(message.get("event")), message.get("namespace") or "/"
        payload = data[0] if isinstance(data, list) and len(data) == 1 else tuple(data or ())

        def emit_to(room: str, item: Any) -> None:
            broadcast(self, event, item, namespace, room, message.get("skip_sid"), pause=lambda: self.server.sleep(0))

        hand_out(emit_to, payload, lambda: self.server.sleep(0))
        if self.telemetry is not None:
            self.telemetry.observe_broadcast(event, record, started)

    def _emit_overdue(self, record: dict[str, Any]) -> None:
        """A token the queue never brought, handed to this process's room."""
        self._emit_here({"method": "emit", "event": events.NEW_TOKEN, "data": [record], "namespace": "/",
                         "room": events.ROOM})  # fmt: skip
