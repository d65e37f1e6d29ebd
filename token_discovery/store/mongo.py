"""MongoDB store through pymongo: unique (chain, address), seq from a counter, short timeouts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pymongo
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from token_discovery.models import StoredToken, TokenRecord
from token_discovery.store.base import StoreUnavailable, key_list
from token_discovery.store.mongo_outcomes import MongoOutcomes
from token_discovery.store.mongo_watchers import MongoWatchers

TIMEOUT_MS = 800  # a down server is reported within a second
SCAN_HISTORY = 500


def _record(doc: Mapping[str, Any]) -> TokenRecord:
    """A record from a document."""
    scanned = doc["scanned_at"]
    return TokenRecord(
        seq=int(doc["_id"]),
        chain=doc["chain"],
        address=doc["address"],
        data=doc["data"],
        risk_score=int(doc["risk_score"]),
        risk_level=doc["risk_level"],
        scanned_at=scanned if scanned.tzinfo else scanned.replace(tzinfo=UTC),
        complete=bool(doc["complete"]),
    )


def connect(uri: str) -> Database[Any]:
    """A database handle with short timeouts; the database name comes from the URI (default token_discovery)."""
    client: pymongo.MongoClient[Any] = pymongo.MongoClient(
        uri,
        serverSelectionTimeoutMS=TIMEOUT_MS,
        connectTimeoutMS=TIMEOUT_MS,
        socketTimeoutMS=5000,
        tz_aware=True,
    )
    return client.get_default_database(default="token_discovery")


class MongoStore:
    """TokenStore over a MongoDB database; every driver failure becomes StoreUnavailable."""

    def __init__(self, database: Database[Any], capacity: int = 200) -> None:
        self.capacity = capacity
        self._db = database
        self._tokens: Collection[Any] = database["tokens"]
        self._counters: Collection[Any] = database["counters"]
        self._scans: Collection[Any] = database["scans"]
        self._outcomes: Collection[Any] = database["outcomes"]
        self.outcome_table = MongoOutcomes(self._outcomes, self._ensure_indexes)
        self.save_outcomes = self.outcome_table.save_outcomes
        self.outcomes_for = self.outcome_table.outcomes_for
        self.due_outcomes = self.outcome_table.due_outcomes
        self.outcomes_since = self.outcome_table.outcomes_since
        self.watcher_table = MongoWatchers(database["watchers"], database["signals"], database["counters"])
        self.save_watcher = self.watcher_table.save_watcher
        self.watchers = self.watcher_table.watchers
        self.delete_watcher = self.watcher_table.delete_watcher
        self.watchers_version = self.watcher_table.watchers_version
        self.add_signals = self.watcher_table.add_signals
        self.signals = self.watcher_table.signals
        self._indexed = False

    def _ensure_indexes(self) -> None:
        """Create the indexes once, on first use (the server may be down at start-up)."""
        if not self._indexed:
            self._tokens.create_index([("chain", 1), ("address", 1)], unique=True)
            self._tokens.create_index([("scanned_at", -1)])
            self._scans.create_index([("finished_at", -1)])
            self._outcomes.create_index([("next_due", 1)])
            self._outcomes.create_index([("discovered_at", -1)])
            self._indexed = True

    def _next(self, name: str) -> int:
        """Increment a named counter and return it."""
        doc = self._counters.find_one_and_update(
            {"_id": name}, {"$inc": {"value": 1}}, upsert=True, return_document=pymongo.ReturnDocument.AFTER
        )
        return int(doc["value"]) if doc else 0

    def upsert(
        self,
        chain: str,
        address: str,
        data: Mapping[str, Any],
        score: int,
        level: str,
        complete: bool,
        at: datetime,
    ) -> StoredToken:
        """Insert with the next seq or update in place; trim the oldest beyond capacity."""
        fields = {
            "data": dict(data),
            "risk_score": score,
            "risk_level": level,
            "complete": complete,
            "scanned_at": at,
        }
        try:
            self._ensure_indexes()
            stored = self._update(chain, address, fields) or self._insert(chain, address, fields)
            self._trim()
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error
        return stored

    def _update(self, chain: str, address: str, fields: dict[str, Any]) -> StoredToken | None:
        """Update an existing token; None when it is not stored."""
        old = self._tokens.find_one_and_update({"chain": chain, "address": address}, {"$set": fields})
        if old is None:
            return None
        return StoredToken(_record({**old, **fields}), created=False, previous=_record(old))

    def _insert(self, chain: str, address: str, fields: dict[str, Any]) -> StoredToken:
        """Insert a new token; a concurrent insert of the same token turns into an update."""
        doc = {"_id": self._next("seq"), "chain": chain, "address": address, **fields}
        try:
            self._tokens.insert_one(doc)
        except DuplicateKeyError:
            updated = self._update(chain, address, fields)
            if updated is None:
                raise
            return updated
        return StoredToken(_record(doc), created=True)

    def _trim(self) -> None:
        """Keep the newest `capacity` tokens by seq."""
        boundary = list(self._tokens.find({}, {"_id": 1}).sort("_id", -1).skip(self.capacity).limit(1))
        if boundary:
            self._tokens.delete_many({"_id": {"$lte": boundary[0]["_id"]}})

    def _find(self, query: Mapping[str, Any], sort: int, limit: int) -> list[TokenRecord]:
        """Records matching a query, sorted by seq."""
        try:
            return [_record(doc) for doc in self._tokens.find(dict(query)).sort("_id", sort).limit(limit)]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def recent(self, limit: int, chain: str | None = None, after_seq: int | None = None) -> list[TokenRecord]:
        """The newest records first."""
        query: dict[str, Any] = {"_id": {"$gt": after_seq or 0}}
        if chain:
            query["chain"] = chain
        return self._find(query, -1, limit)

    def since_seq(self, seq: int, limit: int) -> list[TokenRecord]:
        """Records above a seq, oldest first."""
        return self._find({"_id": {"$gt": seq}}, 1, limit)

    def incomplete(self, limit: int) -> list[TokenRecord]:
        """Tokens whose evidence was incomplete, least recently checked first."""
        try:
            docs = self._tokens.find({"complete": False}).sort("scanned_at", 1).limit(limit)
            return [_record(doc) for doc in docs]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def analysed_since(self, keys: Iterable[tuple[str, str]], since: datetime) -> set[tuple[str, str]]:
        """Keys with a complete analysis not older than `since`."""
        wanted = key_list(keys)
        if not wanted:
            return set()
        query = {
            "complete": True,
            "scanned_at": {"$gte": since},
            "$or": [{"chain": chain, "address": address} for chain, address in wanted],
        }
        try:
            return {(doc["chain"], doc["address"]) for doc in self._tokens.find(query, {"chain": 1, "address": 1})}
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def count(self) -> int:
        """How many tokens are stored."""
        try:
            return int(self._tokens.count_documents({}))
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def level_counts(self) -> dict[str, int]:
        """Tokens per risk level."""
        try:
            rows = self._tokens.aggregate([{"$group": {"_id": "$risk_level", "n": {"$sum": 1}}}])
            return {row["_id"]: int(row["n"]) for row in rows}
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def record_scan(self, scan: Mapping[str, Any]) -> None:
        """Keep a scan summary, and only the latest SCAN_HISTORY of them."""
        try:
            doc = {
                **scan,
                "_id": scan["scan_id"],
                "finished_at": scan.get("finished_at") or datetime.now(UTC).isoformat(),
            }
            self._scans.replace_one({"_id": doc["_id"]}, doc, upsert=True)
            if scan.get("status") != "running":  # a scan counts once it has ended
                self._next("scans")
            old = list(self._scans.find({}, {"_id": 1}).sort("finished_at", -1).skip(SCAN_HISTORY))
            if old:
                self._scans.delete_many({"_id": {"$in": [doc["_id"] for doc in old]}})
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def scans(self, limit: int) -> list[dict[str, Any]]:
        """The latest scan summaries, newest first."""
        try:
            docs = self._scans.find({}).sort("finished_at", -1).limit(limit)
            return [{k: v for k, v in doc.items() if k != "_id"} for doc in docs]
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def scan_count(self) -> int:
        """How many scans were ever recorded."""
        try:
            doc = self._counters.find_one({"_id": "scans"})
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error
        return int(doc["value"]) if doc else 0

    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers a ping."""
        try:
            self._db.command("ping")
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def check_writable(self) -> None:
        """Write one small document; StoreUnavailable when the server refuses or cannot be reached."""
        try:
            self._db["health"].update_one({"_id": "probe"}, {"$set": {"at": datetime.now(UTC)}}, upsert=True)
        except PyMongoError as error:
            raise StoreUnavailable(str(error)) from error

    def close(self) -> None:
        """Close the client."""
        self._db.client.close()
