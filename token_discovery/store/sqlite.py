"""SQLite store in WAL mode: the embedded default."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from token_discovery.models import StoredToken, TokenRecord
from token_discovery.store.base import key_list
from token_discovery.store.sqlite_connection import SQLiteConnection
from token_discovery.store.sqlite_outcomes import SQLiteOutcomes
from token_discovery.store.sqlite_watchers import SQLiteWatchers

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    seq INTEGER PRIMARY KEY,
    chain TEXT NOT NULL,
    address TEXT NOT NULL,
    data TEXT NOT NULL,
    risk_score INTEGER NOT NULL,
    risk_level TEXT NOT NULL,
    complete INTEGER NOT NULL,
    scanned_at TEXT NOT NULL,
    UNIQUE (chain, address)
);
CREATE INDEX IF NOT EXISTS tokens_chain_seq ON tokens (chain, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scans (id TEXT PRIMARY KEY, finished_at TEXT NOT NULL, summary TEXT NOT NULL);
"""
_COLUMNS = "seq, chain, address, data, risk_score, risk_level, complete, scanned_at"
SCAN_HISTORY = 500
T = TypeVar("T")


def _record(row: sqlite3.Row) -> TokenRecord:
    """A record from a row."""
    return TokenRecord(
        seq=row["seq"],
        chain=row["chain"],
        address=row["address"],
        data=json.loads(row["data"]),
        risk_score=row["risk_score"],
        risk_level=row["risk_level"],
        scanned_at=datetime.fromisoformat(row["scanned_at"]),
        complete=bool(row["complete"]),
    )


class SQLiteStore(SQLiteConnection):
    """TokenStore over one SQLite file (or ':memory:'), safe to share between threads."""

    def __init__(self, path: str, capacity: int = 200) -> None:
        self.capacity = capacity
        super().__init__(path, SCHEMA)

    def _opened(self) -> None:
        """Bind the outcome, watcher and signal tables to the (re)opened connections."""
        self.outcome_table = SQLiteOutcomes(self._db, self._lock, self._query)
        self.save_outcomes = self.outcome_table.save_outcomes
        self.outcomes_for = self.outcome_table.outcomes_for
        self.due_outcomes = self.outcome_table.due_outcomes
        self.outcomes_since = self.outcome_table.outcomes_since
        self.watcher_table = SQLiteWatchers(self._db, self._lock, self._query)
        self.save_watcher = self.watcher_table.save_watcher
        self.watchers = self.watcher_table.watchers
        self.delete_watcher = self.watcher_table.delete_watcher
        self.watchers_version = self.watcher_table.watchers_version
        self.add_signals = self.watcher_table.add_signals
        self.signals = self.watcher_table.signals

    def _next_seq(self) -> int:
        """Take the next seq from the counter (call inside a transaction)."""
        row = self._db.execute(
            "INSERT INTO counters (name, value) VALUES ('seq', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value"
        ).fetchone()
        return int(row[0])

    def upsert(
        self, chain: str, address: str, data: Mapping[str, Any], score: int, level: str, complete: bool, at: datetime
    ) -> StoredToken:
        """Insert with the next seq or update in place; trim the oldest beyond capacity."""
        values = (json.dumps(data), score, level, int(complete), at.isoformat())
        return self._write(lambda: self._upsert_locked(chain, address, values))

    def _upsert_locked(self, chain: str, address: str, values: tuple[Any, ...]) -> StoredToken:
        """The upsert itself, inside the transaction."""
        old = self._db.execute(
            f"SELECT {_COLUMNS} FROM tokens WHERE chain = ? AND address = ?", (chain, address)
        ).fetchone()
        if old is None:
            seq = self._next_seq()
            self._db.execute(
                f"INSERT INTO tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, chain, address, *values),
            )
        else:
            seq = old["seq"]
            self._db.execute(
                "UPDATE tokens SET data = ?, risk_score = ?, risk_level = ?, complete = ?, scanned_at = ? "
                "WHERE seq = ?",
                (*values, seq),
            )
        row = self._db.execute(f"SELECT {_COLUMNS} FROM tokens WHERE seq = ?", (seq,)).fetchone()
        self._trim()
        return StoredToken(_record(row), created=old is None, previous=None if old is None else _record(old))

    def _trim(self) -> None:
        """Keep the newest `capacity` tokens by seq."""
        self._db.execute(
            "DELETE FROM tokens WHERE seq <= (SELECT seq FROM tokens ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (self.capacity,),
        )

    def recent(self, limit: int, chain: str | None = None, after_seq: int | None = None) -> list[TokenRecord]:
        """The newest records first."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM tokens WHERE (? IS NULL OR chain = ?) AND seq > ? ORDER BY seq DESC LIMIT ?",
            (chain, chain, after_seq or 0, limit),
        )
        return [_record(row) for row in rows]

    def since_seq(self, seq: int, limit: int) -> list[TokenRecord]:
        """Records above a seq, oldest first."""
        rows = self._query(f"SELECT {_COLUMNS} FROM tokens WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [_record(row) for row in rows]

    def incomplete(self, limit: int) -> list[TokenRecord]:
        """Tokens whose evidence was incomplete, least recently checked first."""
        rows = self._query(f"SELECT {_COLUMNS} FROM tokens WHERE complete = 0 ORDER BY scanned_at LIMIT ?", (limit,))
        return [_record(row) for row in rows]

    def analysed_since(self, keys: Iterable[tuple[str, str]], since: datetime) -> set[tuple[str, str]]:
        """Keys with a complete analysis not older than `since`."""
        wanted = key_list(keys)
        if not wanted:
            return set()
        fresh = self._query(
            "SELECT chain, address FROM tokens WHERE complete = 1 AND scanned_at >= ?", (since.isoformat(),)
        )
        found = {(row["chain"], row["address"]) for row in fresh}
        return found.intersection(wanted)

    def count(self) -> int:
        """How many tokens are stored."""
        return int(self._query("SELECT COUNT(*) FROM tokens")[0][0])

    def level_counts(self) -> dict[str, int]:
        """Tokens per risk level."""
        rows = self._query("SELECT risk_level, COUNT(*) AS n FROM tokens GROUP BY risk_level")
        return {row["risk_level"]: row["n"] for row in rows}

    def record_scan(self, scan: Mapping[str, Any]) -> None:
        """Keep a scan summary, and only the latest SCAN_HISTORY of them."""
        finished = scan.get("finished_at") or datetime.now(UTC).isoformat()
        self._write(lambda: self._record_scan_locked(scan, finished))

    def _record_scan_locked(self, scan: Mapping[str, Any], finished: str) -> None:
        """The inserts of record_scan (call under the lock)."""
        self._db.execute(
            "INSERT OR REPLACE INTO scans (id, finished_at, summary) VALUES (?, ?, ?)",
            (scan["scan_id"], finished, json.dumps(scan)),
        )
        self._db.execute(
            "DELETE FROM scans WHERE id NOT IN (SELECT id FROM scans ORDER BY finished_at DESC LIMIT ?)",
            (SCAN_HISTORY,),
        )
        if scan.get("status") != "running":  # a scan counts once it has ended
            self._db.execute(
                "INSERT INTO counters (name, value) VALUES ('scans', 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1"
            )

    def scans(self, limit: int) -> list[dict[str, Any]]:
        """The latest scan summaries, newest first."""
        rows = self._query("SELECT summary FROM scans ORDER BY finished_at DESC LIMIT ?", (limit,))
        return [json.loads(row["summary"]) for row in rows]

    def scan_count(self) -> int:
        """How many scans were ever recorded."""
        rows = self._query("SELECT value FROM counters WHERE name = 'scans'")
        return int(rows[0][0]) if rows else 0
