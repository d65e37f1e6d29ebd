"""The watcher and signal collections of the MongoDB store."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import PyMongoError

from token_discovery.store.base import SIGNALS_KEPT, StoreUnavailable
from token_discovery.store.retention import PruneSchedule


class MongoWatchers:
    """Watcher documents keyed by id, and signals with a per-watcher number; the store lends the collections."""

    def __init__(self, watchers: Collection[Any], signals: Collection[Any], counters: Collection[Any]) -> None:
        self._watchers, self._signals, self._counters = watchers, signals, counters
        self._indexed = False
        self._prune = PruneSchedule()
        self._numbers = threading.Lock()
        self._last_number = 0

    def _index(self) -> None:
        """Create the indexes once."""
        if not self._indexed:
            self._watchers.create_index([("owner", ASCENDING), ("created", ASCENDING)])
            self._signals.create_index([("watcher_id", ASCENDING), ("number", DESCENDING)])
            self._indexed = True

    def save_watcher(self, document: Mapping[str, Any]) -> None:
        """Insert or replace a watcher by its id."""
        try:
            self._index()
            existing = self._watchers.find_one({"_id": document["id"]}, {"created": 1})
            created = existing["created"] if existing else time.time_ns()  # keeps the order watchers were made in
            self._watchers.replace_one({"_id": document["id"]}, {"owner": document["owner"], "created": created,
                                                                 "document": dict(document)}, upsert=True)  # fmt: skip
            self._bump()
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def watchers(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every watcher, or an owner's, oldest first."""
        try:
            query = {} if owner is None else {"owner": owner}
            found = self._watchers.find(query).sort([("created", ASCENDING), ("_id", ASCENDING)])
            return [doc["document"] for doc in found]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def delete_watcher(self, watcher_id: str) -> bool:
        """Remove a watcher and its signals; whether it existed."""
        try:
            removed = self._watchers.delete_one({"_id": watcher_id}).deleted_count
            self._signals.delete_many({"watcher_id": watcher_id})
            self._bump()
            self._prune.forget(watcher_id)
            return bool(removed)
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def watchers_version(self) -> int:
        """How many times watchers were saved or deleted, by any process."""
        try:
            found = self._counters.find_one({"_id": "watchers"})
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error
        return int(found["value"]) if found else 0

    def _bump(self) -> None:
        """Count one change of a watcher."""
        self._counters.update_one({"_id": "watchers"}, {"$inc": {"value": 1}}, upsert=True)

    def add_signals(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep some signals in one write; each watcher keeps its newest SIGNALS_KEPT."""
        if not documents:
            return
        first = self._reserve(len(documents))
        rows = [{"watcher_id": d["watcher_id"], "number": first + n, "document": dict(d)}
                for n, d in enumerate(documents)]  # fmt: skip
        try:
            self._index()
            self._signals.insert_many(rows, ordered=True)
            for watcher_id in self._prune.due(d["watcher_id"] for d in documents):
                self._clear_old(watcher_id)
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def _reserve(self, count: int) -> int:
        """The first of `count` numbers that grow with time (microseconds) and never repeat in this process."""
        with self._numbers:
            first = max(self._last_number + 1, time.time_ns() // 1000)
            self._last_number = first + count - 1
        return first

    def _clear_old(self, watcher_id: str) -> None:
        """Delete a watcher's signals older than its newest SIGNALS_KEPT."""
        cutoff = list(self._signals.find({"watcher_id": watcher_id}, {"number": 1}).sort("number", DESCENDING)
                      .skip(SIGNALS_KEPT).limit(1))  # fmt: skip
        if cutoff:
            self._signals.delete_many({"watcher_id": watcher_id, "number": {"$lte": cutoff[0]["number"]}})

    def signals(self, watcher_id: str, limit: int = SIGNALS_KEPT) -> list[dict[str, Any]]:
        """A watcher's latest signals, newest first."""
        try:
            found = self._signals.find({"watcher_id": watcher_id}).sort("number", DESCENDING).limit(limit)
            return [doc["document"] for doc in found]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error
