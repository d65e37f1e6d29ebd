"""One SQLite file, two connections (reads beside writes in WAL mode), every call off the gevent event loop."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from token_discovery.store.base import StoreUnavailable
from token_discovery.store.offloop import native_lock, off_loop
from token_discovery.store.sqlite_health import probe_write

T = TypeVar("T")
BUSY_SECONDS = 5  # how long a write waits for another process's lock before failing


class SQLiteConnection:
    """The connections of a store: a writer and a reader, each under its own lock; reopened after a read-only spell.

    Reads run on their own connection, so a write waiting on another process's lock never holds a reader up;
    ":memory:" is one database per connection, so there the reader is the writer.
    """

    def __init__(self, path: str, schema: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._path, self._schema, self._stale = path, schema, False
        self._lock = native_lock()  # taken in the pool's threads under gevent
        self._read_lock = self._lock if path == ":memory:" else native_lock()
        off_loop(self._open)

    def _open(self) -> None:
        """Connect (again), in WAL mode, with the schema in place."""
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(self._schema)
        memory = self._path == ":memory:"
        self._reader = self._db if memory else sqlite3.connect(self._path, check_same_thread=False, timeout=5)
        self._reader.row_factory = sqlite3.Row
        self._opened()

    def _opened(self) -> None:
        """Bind what depends on the connections (a store's own tables)."""

    def _failed_write(self, error: sqlite3.Error) -> StoreUnavailable:
        """After a failed write (call under the lock): roll back; a connection stuck read-only is marked, so the
        next write reopens it and the store writes again by itself once the file is writable again."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        self._stale = "readonly" in str(error).lower() and self._path != ":memory:"
        return StoreUnavailable(str(error))

    def _fresh(self) -> None:
        """Reopen connections marked read-only before writing through them (call under the write lock)."""
        if self._stale:
            with self._read_lock if self._read_lock is not self._lock else contextlib.nullcontext():
                self._reader.close()
                self._db.close()
                self._open()
            self._stale = False

    def _write(self, work: Callable[[], T]) -> T:
        """One write transaction under the lock, off the event loop; a failure rolls back and says why."""

        def run() -> T:
            with self._lock:
                try:
                    self._fresh()
                    self._db.execute("BEGIN IMMEDIATE")
                    result = work()
                    self._db.execute("COMMIT")
                except sqlite3.Error as error:
                    raise self._failed_write(error) from error
            return result

        return off_loop(run)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """A read on the read connection, off the event loop."""

        def run() -> list[sqlite3.Row]:
            with self._read_lock:
                try:
                    return self._reader.execute(sql, tuple(params)).fetchall()
                except sqlite3.OperationalError as error:
                    raise StoreUnavailable(str(error)) from error

        return off_loop(run)

    def ping(self) -> None:
        """SQLite is embedded: it answers as long as the file can be read."""
        self._query("SELECT 1")

    def check_writable(self) -> None:
        """Write to the file from a third connection that gives up at once when another holds the lock."""
        if self._path == ":memory:":
            self.ping()
        else:
            off_loop(lambda: probe_write(self._path))

    def close(self) -> None:
        """Close both connections."""

        def run() -> None:
            with self._lock, self._read_lock if self._read_lock is not self._lock else contextlib.nullcontext():
                self._reader.close()
                self._db.close()

        off_loop(run)
