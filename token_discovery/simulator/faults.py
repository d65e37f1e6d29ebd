"""Faults injected through /_sim/faults: what the next calls of a route answer instead."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MODES = ("429", "4029", "500", "timeout", "garbage", "slow", "drop", "silent")
STREAM_ROUTE = "pumpportal.stream"
STREAM_MODES = ("drop", "silent", "garbage")  # a WebSocket closed, muted, or sent frames no client should trust


class FaultSpecError(ValueError):
    """A fault request that cannot be honoured."""


@dataclass
class Fault:
    """One injected fault; `remaining` None means until cleared."""

    route: str
    mode: str
    remaining: int | None
    retry_after: float | None

    def matches(self, route: str) -> bool:
        """Whether this fault applies to a call on `route`."""
        return self.route in ("*", route) and (self.remaining is None or self.remaining > 0)


def parse_fault(spec: Any, routes: tuple[str, ...]) -> Fault:
    """Validate a fault request body."""
    if not isinstance(spec, dict):
        raise FaultSpecError("body must be a JSON object")
    route, mode = spec.get("route"), spec.get("mode")
    if route != "*" and route not in routes:
        raise FaultSpecError(f"route must be '*' or one of {', '.join(routes)}")
    if mode not in MODES:
        raise FaultSpecError(f"mode must be one of {', '.join(MODES)}")
    if (route == STREAM_ROUTE and mode not in STREAM_MODES) or (route != STREAM_ROUTE and mode in ("drop", "silent")):
        allowed = f"{STREAM_ROUTE} takes {', '.join(STREAM_MODES)}; drop and silent are for {STREAM_ROUTE} only"
        raise FaultSpecError(f"mode {mode} does not apply to route {route}: {allowed}")
    count, retry_after = spec.get("count"), spec.get("retry_after")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise FaultSpecError("count must be a positive integer")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int | float) or retry_after < 0
    ):
        raise FaultSpecError("retry_after must be a non-negative number of seconds")
    return Fault(route, mode, count, None if retry_after is None else float(retry_after))


class FaultBook:
    """The active faults, consumed call by call, thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Register a fault; the oldest matching fault applies first."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, route: str, modes: tuple[str, ...] = MODES, exact: bool = False) -> Fault | None:
        """The fault (of one of `modes`; posted for this very route when `exact`, not for "*") that applies to
        this call, consuming one of its uses."""
        with self._lock:
            fault = next((f for f in self._faults if f.matches(route) and f.mode in modes
                          and (f.route == route or not exact)), None)  # fmt: skip
            if fault is not None and fault.remaining is not None:
                fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining is None or f.remaining > 0]
            return fault

    def active(self) -> list[dict[str, Any]]:
        """The faults still active, for the stats page."""
        with self._lock:
            return [dict(vars(f)) for f in self._faults]
