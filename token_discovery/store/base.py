"""The TokenStore port: tokens by (chain, address) with a seq, FIFO-bounded, and the scan history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from token_discovery.models import StoredToken, TokenRecord


class StoreUnavailable(RuntimeError):
    """The database cannot be reached; callers answer 503, never fall back silently."""


class TokenStore(Protocol):
    """Persistence of token records and scan history."""

    capacity: int

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
        """Insert a token with the next seq, or update it in place keeping its seq; then trim to capacity."""
        ...

    def recent(self, limit: int, chain: str | None = None, after_seq: int | None = None) -> list[TokenRecord]:
        """The newest records first, optionally of one chain and above a seq."""
        ...

    def since_seq(self, seq: int, limit: int) -> list[TokenRecord]:
        """Records with a larger seq, oldest first (for replay to a reconnecting client)."""
        ...

    def incomplete(self, limit: int) -> list[TokenRecord]:
        """Tokens whose evidence was incomplete, least recently checked first."""
        ...

    def analysed_since(self, keys: Iterable[tuple[str, str]], since: datetime) -> set[tuple[str, str]]:
        """The keys whose complete analysis is not older than `since`."""
        ...

    def count(self) -> int:
        """How many tokens are stored."""
        ...

    def level_counts(self) -> dict[str, int]:
        """How many stored tokens have each risk level."""
        ...

    def record_scan(self, scan: Mapping[str, Any]) -> None:
        """Keep the summary of a scan by its id (a "running" one is replaced when it ends, and only then counted)."""
        ...

    def scans(self, limit: int) -> list[dict[str, Any]]:
        """The latest scan summaries, newest first."""
        ...

    def scan_count(self) -> int:
        """How many scans were recorded."""
        ...

    def save_outcomes(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep the outcome documents of some tokens (keyed by chain and address); prune past the retention."""
        ...

    def outcomes_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The outcome documents of the tokens that have one."""
        ...

    def due_outcomes(
        self, now: datetime, limit: int, chain: str | None = None, discovered_after: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Outcome documents due a follow-up by `now` (of one chain, discovered after a moment), most overdue first."""
        ...

    def outcomes_since(self, since: datetime) -> list[dict[str, Any]]:
        """Outcome documents of the tokens discovered since a moment."""
        ...

    def save_watcher(self, document: Mapping[str, Any]) -> None:
        """Insert or replace a watcher document (keyed by its `id`, owned by its `owner`)."""
        ...

    def watchers(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every watcher, or those of one owner, oldest first."""
        ...

    def delete_watcher(self, watcher_id: str) -> bool:
        """Remove a watcher and its signals; whether it existed."""
        ...

    def watchers_version(self) -> int:
        """A number that changes whenever any process saves or deletes a watcher (to know when to read them again)."""
        ...

    def add_signals(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep signal documents (each names its `watcher_id`); each watcher keeps its newest SIGNALS_KEPT."""
        ...

    def signals(self, watcher_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """A watcher's latest signals, newest first."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable when the database cannot answer."""
        ...

    def check_writable(self) -> None:
        """Raise StoreUnavailable when a write would fail now (locked, read-only, full, missing, unreachable)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


OUTCOME_RETENTION = timedelta(days=30)
OUTCOME_ROWS = 50_000  # bounds the table whatever the discovery rate
SIGNALS_KEPT = 100  # per watcher: what GET /api/watchers/<id>/signals shows


def key_list(keys: Iterable[tuple[str, str]]) -> Sequence[tuple[str, str]]:
    """Keys without duplicates, as a list."""
    return list(dict.fromkeys(keys))
