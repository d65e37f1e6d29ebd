"""Counts per wall-clock minute, for the console's charts: a bounded window, one lock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

SERIES_MINUTES = 30


class MinuteSeries:
    """Counts per wall-clock minute and key, over the last `minutes` minutes."""

    def __init__(self, minutes: int = SERIES_MINUTES, clock: Callable[[], float] = time.time) -> None:
        self._minutes, self._clock = minutes, clock
        self._buckets: dict[int, Counter[str]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, n: int = 1) -> None:
        """Count `n` events of `key` in the current minute."""
        minute = int(self._clock() // 60)
        with self._lock:
            if minute not in self._buckets:  # a new minute: forget the ones that fell out of the window
                for old in [m for m in self._buckets if m <= minute - self._minutes]:
                    del self._buckets[old]
                self._buckets[minute] = Counter()
            self._buckets[minute][key] += n

    def series(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """One entry per minute, oldest first, zeros included: {minute: ISO time, key: count, ...}."""
        now = int(self._clock() // 60)
        keys = tuple(keys)
        with self._lock:
            counts = {m: dict(c) for m, c in self._buckets.items()}
        return [
            {"minute": _minute_iso(m), **{k: counts.get(m, {}).get(k, 0) for k in keys}}
            for m in range(now - self._minutes + 1, now + 1)
        ]

    def total(self, key: str, minutes: int) -> int:
        """Events of `key` in the last `minutes` minutes, the current one included."""
        now = int(self._clock() // 60)
        with self._lock:
            return sum(c.get(key, 0) for m, c in self._buckets.items() if m > now - minutes)


def _minute_iso(minute: int) -> str:
    """The start of a minute as an ISO-8601 UTC time."""
    return datetime.fromtimestamp(minute * 60, UTC).isoformat()
