"""When a watcher's old signals are cleared: not at every signal (a delete per signal doubled the writes of a
busy dispatch) but once a watcher has had PRUNE_EVERY new ones; reads take the newest SIGNALS_KEPT anyway."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

PRUNE_EVERY = 20  # new signals of one watcher between two clearings of its old ones


class PruneSchedule:
    """Counts the new signals of each watcher and says which are due for a clearing."""

    def __init__(self, every: int = PRUNE_EVERY) -> None:
        self._every = every
        self._unpruned: Counter[str] = Counter()
        self._lock = threading.Lock()

    def due(self, watcher_ids: Iterable[str]) -> list[str]:
        """Count one new signal per id given (an id may repeat); the watchers now due, their counts reset."""
        given = Counter(watcher_ids)
        with self._lock:
            self._unpruned.update(given)
            ready = [watcher_id for watcher_id in given if self._unpruned[watcher_id] >= self._every]
            for watcher_id in ready:
                del self._unpruned[watcher_id]
        return ready

    def forget(self, watcher_id: str) -> None:
        """A deleted watcher needs no clearing."""
        with self._lock:
            self._unpruned.pop(watcher_id, None)
