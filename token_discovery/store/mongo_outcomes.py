"""The outcome collection of the MongoDB store: one document per followed token, keyed chain:address."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import PyMongoError

from token_discovery.store.base import OUTCOME_RETENTION, OUTCOME_ROWS, StoreUnavailable, key_list


class MongoOutcomes:
    """Outcome documents in the `outcomes` collection; the store lends the collection and its index setup."""

    def __init__(self, collection: Collection[Any], ensure_indexes: Callable[[], None]) -> None:
        self._outcomes, self._ensure_indexes = collection, ensure_indexes

    def save_outcomes(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Upsert outcome documents, then drop those past the retention or beyond the row bound."""
        if not documents:
            return
        horizon = (datetime.fromisoformat(documents[0]["discovered_at"]) - OUTCOME_RETENTION).isoformat()
        try:
            self._ensure_indexes()
            for document in documents:
                key = f"{document['chain']}:{document['address']}"
                fields = {"discovered_at": document["discovered_at"], "next_due": document.get("next_due")}
                self._outcomes.replace_one({"_id": key}, {**fields, "document": dict(document)}, upsert=True)
            self._outcomes.delete_many({"discovered_at": {"$lt": horizon}})
            old = list(self._outcomes.find({}, {"_id": 1}).sort("discovered_at", -1).skip(OUTCOME_ROWS))
            if old:
                self._outcomes.delete_many({"_id": {"$in": [doc["_id"] for doc in old]}})
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def _outcome_documents(self, query: Mapping[str, Any], limit: int = 0) -> list[dict[str, Any]]:
        """The outcome documents matching a query, by next_due."""
        try:
            docs = self._outcomes.find(dict(query)).sort("next_due", 1).limit(limit)
            return [doc["document"] for doc in docs]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def outcomes_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The outcome documents of the tokens that have one."""
        ids = [f"{chain}:{address}" for chain, address in key_list(keys)]
        if not ids:
            return {}
        return {(d["chain"], d["address"]): d for d in self._outcome_documents({"_id": {"$in": ids}})}

    def due_outcomes(
        self, now: datetime, limit: int, chain: str | None = None, discovered_after: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Documents whose follow-up is due, the most overdue first."""
        query: dict[str, Any] = {"next_due": {"$ne": None, "$lte": now.isoformat()}}
        if chain is not None:
            query["document.chain"] = chain
        if discovered_after is not None:
            query["discovered_at"] = {"$gt": discovered_after.isoformat()}
        return self._outcome_documents(query, limit)

    def outcomes_since(self, since: datetime) -> list[dict[str, Any]]:
        """Documents of the tokens discovered since a moment."""
        return self._outcome_documents({"discovered_at": {"$gte": since.isoformat()}})
