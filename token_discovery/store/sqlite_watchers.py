"""The watcher and signal tables of the SQLite store: a user's watchers by owner, each one's latest signals."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from token_discovery.store.base import SIGNALS_KEPT, StoreUnavailable
from token_discovery.store.offloop import off_loop
from token_discovery.store.retention import PruneSchedule

SCHEMA = """
CREATE TABLE IF NOT EXISTS watchers (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS watchers_owner ON watchers (owner);
CREATE TABLE IF NOT EXISTS signals (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    watcher_id TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS signals_watcher ON signals (watcher_id, number);
"""
BUMP = (
    "INSERT INTO counters (name, value) VALUES ('watchers', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
    (),
)  # every change of a watcher, in its transaction
Query = Callable[[str, Iterable[Any]], list[sqlite3.Row]]


class SQLiteWatchers:
    """Watcher documents and their signals; the store lends its connection, its lock and its reads."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, query: Query) -> None:
        self._db, self._lock, self._query = db, lock, query
        self._prune = PruneSchedule()
        db.executescript(SCHEMA)  # the counters table is the token store's own

    def save_watcher(self, document: Mapping[str, Any]) -> None:
        """Insert or replace a watcher by its id."""
        row = (document["id"], document["owner"], json.dumps(dict(document)))
        upsert = (
            "INSERT INTO watchers VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, "
            "document = excluded.document"
        )  # a replaced watcher keeps its place
        off_loop(lambda: self._write([(upsert, row), BUMP]))

    def watchers(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every watcher, or an owner's, oldest first."""
        rows = self._query("SELECT document FROM watchers WHERE ? IS NULL OR owner = ? ORDER BY rowid", (owner, owner))
        return [json.loads(row["document"]) for row in rows]

    def delete_watcher(self, watcher_id: str) -> bool:
        """Remove a watcher and its signals; whether it existed."""
        existed = bool(self._query("SELECT 1 FROM watchers WHERE id = ?", (watcher_id,)))
        self._prune.forget(watcher_id)
        off_loop(lambda: self._write([("DELETE FROM watchers WHERE id = ?", (watcher_id,)),
                                      ("DELETE FROM signals WHERE watcher_id = ?", (watcher_id,)), BUMP]))  # fmt: skip
        return existed

    def watchers_version(self) -> int:
        """How many times watchers were saved or deleted, by any process."""
        rows = self._query("SELECT value FROM counters WHERE name = 'watchers'", ())
        return int(rows[0]["value"]) if rows else 0

    def add_signals(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep some signals (each names its watcher_id); each watcher keeps its newest SIGNALS_KEPT."""
        if not documents:
            return
        statements: list[tuple[str, tuple[Any, ...]]] = [
            ("INSERT INTO signals (watcher_id, document) VALUES (?, ?)", (d["watcher_id"], _text(d))) for d in documents
        ]
        for watcher_id in self._prune.due(d["watcher_id"] for d in documents):
            statements.append(("DELETE FROM signals WHERE watcher_id = ? AND number <= (SELECT number FROM signals "
                               "WHERE watcher_id = ? ORDER BY number DESC LIMIT 1 OFFSET ?)",
                               (watcher_id, watcher_id, SIGNALS_KEPT)))  # fmt: skip
        off_loop(lambda: self._write(statements))

    def signals(self, watcher_id: str, limit: int = SIGNALS_KEPT) -> list[dict[str, Any]]:
        """A watcher's latest signals, newest first."""
        rows = self._query("SELECT document FROM signals WHERE watcher_id = ? ORDER BY number DESC LIMIT ?",
                           (watcher_id, limit))  # fmt: skip
        return [json.loads(row["document"]) for row in rows]

    def _write(self, statements: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
        """Run statements in one transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for sql, parameters in statements:
                    self._db.execute(sql, parameters)
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreUnavailable(str(error)) from error


def _text(document: Mapping[str, Any]) -> str:
    """A document's JSON: the text it carries when it was made with one, else encoded now."""
    text = getattr(document, "json_text", None)
    return text if isinstance(text, str) else json.dumps(dict(document))
