"""The service's settings and its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ServiceSettings:
    """The knobs of the service, from Config."""

    default_max_tokens: int = 20
    auto_interval: int = 300
    min_interval: float = 30.0
    scan_deadline: float = 120.0
    capacity: int = 200
    goplus_batch: int = 20
    trigger_budget_share: float = 0.5  # what a user's trigger may spend of each bucket; the rest is the auto loop's
    lease_ttl: float = 6.0  # the cluster lease's expiry, renewed every 2 s while the scan runs: a killed holder
    # is replaced within seconds
