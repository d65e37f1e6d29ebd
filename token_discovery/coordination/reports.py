"""Typed answers of the coordinator: a scan's report, a trigger's outcome, the status and the stats."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from token_discovery.records import iso
from token_discovery.scan.state import ScanTally
from token_discovery.sources.budget import Quote


@dataclass(frozen=True)
class ScanReport:
    """A finished scan: what was asked, how it ended, what it found and what it cost upstream."""

    scan_id: str
    status: str  # "completed" or "failed"
    error: str | None
    max_tokens: int
    chain: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float
    tally: ScanTally = field(default_factory=ScanTally)
    upstream: Mapping[str, Any] | None = None  # the guard's ledger over the scan

    @property
    def success(self) -> bool:
        """True when the scan completed."""
        return self.status == "completed"

    @property
    def params(self) -> tuple[int, str | None]:
        """The parameters the scan ran with."""
        return (self.max_tokens, self.chain)

    def to_json(self) -> dict[str, Any]:
        """The scan report of the contract (REST, Socket.IO, history, the cluster)."""
        calls = self.upstream.get("total_calls") if self.upstream else None
        return {
            "success": self.success, "scan_id": self.scan_id, "status": self.status, "error": self.error,
            "max_tokens": self.max_tokens, "chain": self.chain, "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at), "scan_timestamp": iso(self.finished_at),
            "duration_seconds": self.duration_seconds, **self.tally.to_json(),
            "upstream_calls": calls if self.success else None, "upstream": dict(self.upstream or {}),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScanReport:
        """A report published by another process (or kept in history)."""
        counts = {name: int(data.get(name) or 0) for name in ScanTally.__dataclass_fields__ if name != "errors"}
        tally = ScanTally(**counts, errors=tuple(str(e) for e in data.get("errors") or ()))
        upstream = data.get("upstream") if isinstance(data.get("upstream"), Mapping) else None
        return cls(
            scan_id=str(data.get("scan_id") or "unknown"),
            status="completed" if data.get("success") else "failed",
            error=data.get("error"),
            max_tokens=int(data.get("max_tokens") or 0),
            chain=data.get("chain"),
            started_at=_when(data.get("started_at")),
            finished_at=_when(data.get("finished_at")),
            duration_seconds=float(data.get("duration_seconds") or 0.0),
            tally=tally,
            upstream=upstream,
        )


def _when(value: Any) -> datetime | None:
    """A timestamp from JSON."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Finished:
    """The trigger got a finished scan: the one it started or joined, or a recent one reused."""

    report: ScanReport
    joined: bool
    cached: bool
    total_scans: int

    def to_json(self) -> dict[str, Any]:
        """The trigger answer of the contract."""
        return {**self.report.to_json(), "joined": self.joined, "cached": self.cached, "total_scans": self.total_scans}


@dataclass(frozen=True)
class Running:
    """The scan outlived the trigger's wait; it goes on for everyone."""

    scan_id: str
    joined: bool

    def to_json(self) -> dict[str, Any]:
        """The 202 answer."""
        return {"success": True, "scan_id": self.scan_id, "status": "running", "joined": self.joined, "cached": False}


@dataclass(frozen=True)
class Refused:
    """The upstream budget cannot pay for a new scan now."""

    quote: Quote

    def to_json(self) -> dict[str, Any]:
        """The 429 answer, with the budget figures."""
        quote = self.quote
        return {"success": False, "status": "refused", "error": self.reason(),
                "balance": round(quote.balance, 2), "required": quote.required, "deficit": round(quote.deficit, 2),
                "retry_after": round(quote.retry_after, 2), "route_class": quote.route_class}  # fmt: skip

    def reason(self) -> str:
        """Why, naming the share of the budget a user's scan may spend when that is what stopped it."""
        if not self.quote.kept:
            return "upstream budget cannot pay for this scan now"
        return (
            f"upstream budget cannot pay for this scan now within the {1 - self.quote.kept:.0%} of it that "
            f"scans users trigger may spend (TRIGGER_BUDGET_SHARE); the rest is kept for the automatic scans"
        )


TriggerOutcome = Finished | Running | Refused


class Demand:
    """What users asked of the shared scan, to show what it saved them."""

    FIELDS = ("triggers_served", "cache_hits", "joined", "tokens_delivered", "tokens_skipped_recent",
              "calls_if_each_user_scanned")  # fmt: skip

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self.FIELDS, 0)

    def served(self, outcome: Finished) -> None:
        """Count one trigger answered with a finished scan."""
        with self._lock:
            self._counts["triggers_served"] += 1
            self._counts["cache_hits"] += int(outcome.cached)
            self._counts["joined"] += int(outcome.joined)
            self._counts["calls_if_each_user_scanned"] += int(outcome.report.to_json()["upstream_calls"] or 0)

    def scanned(self, tally: ScanTally) -> None:
        """Count what one scan delivered."""
        with self._lock:
            self._counts["tokens_delivered"] += tally.tokens_new
            self._counts["tokens_skipped_recent"] += tally.tokens_skipped_recent

    def snapshot(self) -> dict[str, int]:
        """A copy of the counts."""
        with self._lock:
            return dict(self._counts)


@dataclass(frozen=True)
class ServiceStatus:
    """The status object of the contract."""

    scanning: bool
    auto_discovery_active: bool
    auto_discovery_interval: float
    auto_discovery_max_tokens: int
    last_scan_timestamp: datetime | None
    last_scan_status: str | None
    total_scans: int
    tokens_in_database: int
    database_capacity: int

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {**self.__dict__, "last_scan_timestamp": iso(self.last_scan_timestamp)}


@dataclass(frozen=True)
class ServiceStats:
    """The stats object of the contract."""

    total_scans: int
    total_tokens_discovered: int
    levels: Mapping[str, int]
    last_scan: datetime | None
    auto_discovery_active: bool
    capacity: int
    upstream: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        stored = sum(self.levels.values())
        return {
            "total_scans": self.total_scans, "total_tokens_discovered": self.total_tokens_discovered,
            "safe_tokens": self.levels.get("safe", 0), "risky_tokens": self.levels.get("risky", 0),
            "unknown_tokens": self.levels.get("unknown", 0), "last_scan": iso(self.last_scan),
            "auto_discovery_active": self.auto_discovery_active,
            "database_usage": f"{stored}/{self.capacity}",
            "database_usage_percent": round(100.0 * stored / self.capacity, 1),
            "upstream": dict(self.upstream),
        }  # fmt: skip
