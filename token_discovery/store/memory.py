"""An in-memory TokenStore: the same contract as SQLite and MongoDB, for fast tests and throwaway runs."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from token_discovery.models import StoredToken, TokenRecord
from token_discovery.store.base import OUTCOME_RETENTION, OUTCOME_ROWS, SIGNALS_KEPT, key_list

SCAN_HISTORY = 500


class MemoryStore:
    """Every record in dicts under one lock; nothing survives the process."""

    def __init__(self, capacity: int = 200) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], TokenRecord] = {}
        self._seq = 0
        self._scans: list[dict[str, Any]] = []
        self._scan_count = 0
        self._outcomes: dict[tuple[str, str], dict[str, Any]] = {}
        self._watchers: dict[str, dict[str, Any]] = {}
        self._signals: dict[str, list[dict[str, Any]]] = {}
        self._watchers_version = 0

    def upsert(
        self, chain: str, address: str, data: Mapping[str, Any], score: int, level: str, complete: bool, at: datetime
    ) -> StoredToken:
        """Insert with the next seq or update in place; trim the oldest beyond capacity."""
        with self._lock:
            old = self._tokens.get((chain, address))
            if old is None:
                self._seq += 1
            seq = self._seq if old is None else old.seq
            record = TokenRecord(seq, chain, address, copy.deepcopy(dict(data)), score, level, at, complete)
            self._tokens[(chain, address)] = record
            while len(self._tokens) > self.capacity:
                del self._tokens[min(self._tokens, key=lambda key: self._tokens[key].seq)]
        return StoredToken(record, created=old is None, previous=old)

    def _records(self) -> list[TokenRecord]:
        """Every record, by seq."""
        with self._lock:
            return sorted(self._tokens.values(), key=lambda r: r.seq)

    def recent(self, limit: int, chain: str | None = None, after_seq: int | None = None) -> list[TokenRecord]:
        """The newest records first."""
        wanted = [r for r in self._records() if (chain is None or r.chain == chain) and r.seq > (after_seq or 0)]
        return wanted[::-1][:limit]

    def since_seq(self, seq: int, limit: int) -> list[TokenRecord]:
        """Records above a seq, oldest first."""
        return [r for r in self._records() if r.seq > seq][:limit]

    def incomplete(self, limit: int) -> list[TokenRecord]:
        """Tokens whose evidence was incomplete, least recently checked first."""
        return sorted((r for r in self._records() if not r.complete), key=lambda r: r.scanned_at)[:limit]

    def analysed_since(self, keys: Iterable[tuple[str, str]], since: datetime) -> set[tuple[str, str]]:
        """Keys with a complete analysis not older than `since`."""
        with self._lock:
            return {k for k in key_list(keys) if (r := self._tokens.get(k)) and r.complete and r.scanned_at >= since}

    def count(self) -> int:
        """How many tokens are stored."""
        with self._lock:
            return len(self._tokens)

    def level_counts(self) -> dict[str, int]:
        """Tokens per risk level."""
        counts: dict[str, int] = {}
        for record in self._records():
            counts[record.risk_level] = counts.get(record.risk_level, 0) + 1
        return counts

    def record_scan(self, scan: Mapping[str, Any]) -> None:
        """Keep a scan summary, and only the latest SCAN_HISTORY of them."""
        summary = {**scan, "finished_at": scan.get("finished_at") or datetime.now(UTC).isoformat()}
        with self._lock:
            self._scans = [s for s in self._scans if s["scan_id"] != scan["scan_id"]] + [summary]
            self._scans = sorted(self._scans, key=lambda s: s["finished_at"])[-SCAN_HISTORY:]
            self._scan_count += int(scan.get("status") != "running")  # a scan counts once it has ended

    def scans(self, limit: int) -> list[dict[str, Any]]:
        """The latest scan summaries, newest first."""
        with self._lock:
            return [dict(s) for s in self._scans[::-1][:limit]]

    def scan_count(self) -> int:
        """How many scans were ever recorded."""
        with self._lock:
            return self._scan_count

    def save_outcomes(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Upsert outcome documents, then drop those past the retention or beyond the row bound."""
        if not documents:
            return
        horizon = (datetime.fromisoformat(documents[0]["discovered_at"]) - OUTCOME_RETENTION).isoformat()
        with self._lock:
            for document in documents:
                self._outcomes[(document["chain"], document["address"])] = copy.deepcopy(dict(document))
            kept = sorted(self._outcomes.items(), key=lambda item: item[1]["discovered_at"], reverse=True)
            kept = [item for item in kept if item[1]["discovered_at"] >= horizon][:OUTCOME_ROWS]
            self._outcomes = dict(kept)

    def outcomes_for(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The outcome documents of the tokens that have one."""
        with self._lock:
            return {k: copy.deepcopy(self._outcomes[k]) for k in key_list(keys) if k in self._outcomes}

    def due_outcomes(
        self, now: datetime, limit: int, chain: str | None = None, discovered_after: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Documents whose follow-up is due, the most overdue first."""
        after = "" if discovered_after is None else discovered_after.isoformat()
        with self._lock:
            due = [d for d in self._outcomes.values() if d.get("next_due") and d["next_due"] <= now.isoformat()
                   and (chain is None or d["chain"] == chain) and d["discovered_at"] > after]  # fmt: skip
        return [copy.deepcopy(d) for d in sorted(due, key=lambda d: d["next_due"])[:limit]]

    def outcomes_since(self, since: datetime) -> list[dict[str, Any]]:
        """Documents of the tokens discovered since a moment."""
        with self._lock:
            return [copy.deepcopy(d) for d in self._outcomes.values() if d["discovered_at"] >= since.isoformat()]

    def ping(self) -> None:
        """Always answers."""

    def check_writable(self) -> None:
        """Memory is always writable."""

    def close(self) -> None:
        """Nothing to release."""

    def save_watcher(self, document: Mapping[str, Any]) -> None:
        """Insert or replace a watcher by its id (a replaced one keeps its place)."""
        with self._lock:
            self._watchers[document["id"]] = copy.deepcopy(dict(document))
            self._watchers_version += 1

    def watchers_version(self) -> int:
        """How many times watchers were saved or deleted."""
        return self._watchers_version

    def watchers(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every watcher, or an owner's, oldest first."""
        with self._lock:
            return [copy.deepcopy(w) for w in self._watchers.values() if owner is None or w["owner"] == owner]

    def delete_watcher(self, watcher_id: str) -> bool:
        """Remove a watcher and its signals; whether it existed."""
        with self._lock:
            self._signals.pop(watcher_id, None)
            self._watchers_version += 1
            return self._watchers.pop(watcher_id, None) is not None

    def add_signals(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Keep some signals; each watcher keeps its newest SIGNALS_KEPT."""
        with self._lock:
            for document in documents:
                kept = self._signals.setdefault(document["watcher_id"], [])
                kept.append(copy.deepcopy(dict(document)))
                del kept[:-SIGNALS_KEPT]

    def signals(self, watcher_id: str, limit: int = SIGNALS_KEPT) -> list[dict[str, Any]]:
        """A watcher's latest signals, newest first."""
        with self._lock:
            return [copy.deepcopy(s) for s in reversed(self._signals.get(watcher_id, [])[-limit:])]
