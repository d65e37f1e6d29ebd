"""The local budget's memory across restarts: spends and cooldowns kept in a small file next to the database.

A restarted process reads back what the previous one spent in the current window and the cooldowns it left
running, so no window ever holds more calls than the limit. A journal that cannot be read means the worst:
the whole window spent just now. No journal at all is a first start: nothing was spent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from token_discovery.sources.budget import Budget
from token_discovery.sources.token_bucket import TokenBucket

log = logging.getLogger(__name__)


class BudgetJournal:
    """Saves a budget's local buckets after each change; loads them into a budget at start."""

    def __init__(self, path: str | Path, wall: Callable[[], float] = time.time) -> None:
        self._path, self._wall = Path(path), wall

    def _buckets(self, budget: Budget) -> dict[str, TokenBucket]:
        """The budget's local buckets (a shared budget keeps its own state in Redis)."""
        return {name: b for name, b in budget.buckets.items() if isinstance(b, TokenBucket)}

    def load(self, budget: Budget) -> None:
        """Take back the previous process's spends and cooldowns; assume the worst when they cannot be read."""
        if not self._path.exists():
            return
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            elapsed = max(0.0, self._wall() - float(data["saved_at"]))
            memories = {name: data["buckets"][name] for name in self._buckets(budget) if name in data["buckets"]}
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("budget journal %s unreadable (%s): assuming every window spent", self._path, error)
            for bucket in self._buckets(budget).values():
                bucket.recall([[0.0, bucket.capacity]], 0.0)
            return
        for name, memory in memories.items():
            spent = [[float(age) + elapsed, float(cost)] for age, cost in memory["spent"]]
            self._buckets(budget)[name].recall(spent, max(0.0, float(memory["cooldown_seconds"]) - elapsed))

    def save(self, budget: Budget) -> None:
        """Write the buckets' memory (atomically: a crash mid-write leaves the previous journal)."""
        data = {"saved_at": self._wall(), "buckets": {n: b.memory() for n, b in self._buckets(budget).items()}}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            partial = self._path.with_suffix(".tmp")
            partial.write_text(json.dumps(data), encoding="utf-8")
            partial.replace(self._path)
        except OSError as error:
            log.warning("could not save the budget journal %s: %s", self._path, error)


def journaled(budget: Budget, path: str | Path) -> Budget:
    """A budget that remembers its spends across restarts in `path`."""
    journal = BudgetJournal(path)
    journal.load(budget)
    budget.on_change = lambda: journal.save(budget)
    return budget
