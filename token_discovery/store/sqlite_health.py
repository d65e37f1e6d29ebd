"""Can the SQLite file be written right now? A probe from its own connection, so it never waits on the store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from token_discovery.store.base import StoreUnavailable

PROBE_WAIT = 0.2  # seconds the probe waits for another writer's lock before saying "not writable"


def probe_write(path: str) -> None:
    """Write one row to a `health` table; StoreUnavailable when the file is missing, locked, read-only or full."""
    if not Path(path).exists():
        raise StoreUnavailable(f"the database file {path} is missing")
    try:
        probe = sqlite3.connect(path, timeout=PROBE_WAIT, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreUnavailable(str(error)) from error
    try:
        probe.execute("CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY, at TEXT NOT NULL)")
        probe.execute("INSERT OR REPLACE INTO health (id, at) VALUES (1, ?)", (datetime.now(UTC).isoformat(),))
    except sqlite3.Error as error:
        raise StoreUnavailable(str(error)) from error
    finally:
        probe.close()
