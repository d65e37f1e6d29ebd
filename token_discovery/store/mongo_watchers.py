"""The watcher and signal collections of the MongoDB store."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import PyMongoError

from token_discovery.store.base import SIGNALS_KEPT, StoreUnavailable


class MongoWatchers:
    """Watcher documents keyed by id, and signals with a per-watcher number; the store lends the collections."""

    def __init__(self, watchers: Collection[Any], signals: Collection[Any]) -> None:
        self._watchers, self._signals = watchers, signals
        self._indexed = False

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
            return bool(removed)
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def add_signals(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep some signals; each watcher keeps its newest SIGNALS_KEPT."""
        if not documents:
            return
        try:
            self._index()
            for document in documents:
                watcher_id = document["watcher_id"]
                newest = self._signals.find_one({"watcher_id": watcher_id}, sort=[("number", DESCENDING)])
                number = (newest["number"] + 1) if newest else 1
                self._signals.insert_one({"watcher_id": watcher_id, "number": number, "document": dict(document)})
                self._signals.delete_many({"watcher_id": watcher_id, "number": {"$lte": number - SIGNALS_KEPT}})
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def signals(self, watcher_id: str, limit: int = SIGNALS_KEPT) -> list[dict[str, Any]]:
        """A watcher's latest signals, newest first."""
        try:
            found = self._signals.find({"watcher_id": watcher_id}).sort("number", DESCENDING).limit(limit)
            return [doc["document"] for doc in found]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error
