"""The outcome table of the SQLite store: one document per followed token, due follow-ups by index."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from token_discovery.store.base import OUTCOME_RETENTION, OUTCOME_ROWS, StoreUnavailable, key_list
from token_discovery.store.offloop import off_loop

SCHEMA = """
CREATE TABLE IF NOT EXISTS outcomes (
    chain TEXT NOT NULL,
    address TEXT NOT NULL,
    discovered_at TEXT NOT NULL,
    next_due TEXT,
    document TEXT NOT NULL,
    PRIMARY KEY (chain, address)
);
CREATE INDEX IF NOT EXISTS outcomes_due ON outcomes (next_due);
CREATE INDEX IF NOT EXISTS outcomes_discovered ON outcomes (discovered_at);
"""
Query = Callable[[str, Iterable[Any]], list[sqlite3.Row]]


class SQLiteOutcomes:
    """Outcome documents in the `outcomes` table; the store lends its connection, its lock and its reads."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, query: Query) -> None:
        self._db, self._lock, self._query = db, lock, query
        db.executescript(SCHEMA)

    def save_outcomes(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Upsert outcome documents, then drop those past the retention or beyond the row bound."""
        rows = [(d["chain"], d["address"], d["discovered_at"], d.get("next_due"), json.dumps(d)) for d in documents]
        if not rows:
            return
        horizon = (datetime.fromisoformat(rows[0][2]) - OUTCOME_RETENTION).isoformat()
        off_loop(lambda: self._save_now(rows, horizon))

    def _save_now(self, rows: list[tuple[Any, ...]], horizon: str) -> None:
        """save_outcomes' transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?)", rows)
                self._db.execute("DELETE FROM outcomes WHERE discovered_at < ?", (horizon,))
                self._db.execute(
                    "DELETE FROM outcomes WHERE discovered_at < (SELECT discovered_at FROM outcomes "
                    "ORDER BY discovered_at DESC LIMIT 1 OFFSET ?)",
                    (OUTCOME_ROWS,),
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as error:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreUnavailable(str(error)) from error

    def outcomes_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The outcome documents of the tokens that have one (one query per 400 keys)."""
        wanted, found = key_list(keys), {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            pairs = " OR ".join(["(chain = ? AND address = ?)"] * len(chunk))
            rows = self._query(f"SELECT document FROM outcomes WHERE {pairs}", [v for key in chunk for v in key])
            found.update({(d["chain"], d["address"]): d for d in (json.loads(row["document"]) for row in rows)})
        return found

    def due_outcomes(
        self, now: datetime, limit: int, chain: str | None = None, discovered_after: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Documents whose follow-up is due, the most overdue first."""
        after = "" if discovered_after is None else discovered_after.isoformat()
        rows = self._query(
            "SELECT document FROM outcomes WHERE next_due IS NOT NULL AND next_due <= ? AND (? IS NULL OR chain = ?) "
            "AND discovered_at > ? ORDER BY next_due LIMIT ?",
            (now.isoformat(), chain, chain, after, limit),
        )
        return [json.loads(row["document"]) for row in rows]

    def outcomes_since(self, since: datetime) -> list[dict[str, Any]]:
        """Documents of the tokens discovered since a moment."""
        rows = self._query("SELECT document FROM outcomes WHERE discovered_at >= ?", (since.isoformat(),))
        return [json.loads(row["document"]) for row in rows]
