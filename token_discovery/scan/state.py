"""A scan in progress as the pipeline sees it (parameters, progress, the cancel signal) and what it counted."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from token_discovery.sources.base import CandleSource, DiscoveryFeed, MarketSource, SecuritySource


class ScanCancelled(Exception):
    """The scan was abandoned (its deadline passed, or the service is stopping)."""


class ScanSources(Protocol):
    """The upstream clients a scan needs."""

    @property
    def market(self) -> MarketSource:
        """Market data by token address."""
        ...

    @property
    def security(self) -> SecuritySource:
        """Contract security by token address."""
        ...

    @property
    def candles(self) -> CandleSource:
        """Price candles by pool."""
        ...

    def feeds(self, chain: str | None) -> Sequence[DiscoveryFeed]:
        """The discovery feeds, narrowed to a chain where the upstream allows it."""
        ...


@dataclass
class ScanState:
    """The running part of a scan: what was asked, how far it got, and the signal that it was abandoned."""

    max_tokens: int
    chain: str | None
    started_at: datetime
    started_monotonic: float
    scan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    stage: str = "discovering"
    done: int = 0
    total: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)
    remote: bool = False  # run by another process of the cluster; this one only waits for its result
    origin: str = "api"  # who asked first: "api", "auto" or "cli"

    @property
    def params(self) -> tuple[int, str | None]:
        """What makes two scans interchangeable."""
        return (self.max_tokens, self.chain)


@dataclass(frozen=True)
class ScanTally:
    """What one run of the pipeline found, stored and called."""

    tokens_found: int = 0
    tokens_analysed: int = 0
    tokens_stored: int = 0
    tokens_new: int = 0
    tokens_skipped_recent: int = 0
    items_malformed: int = 0
    upstream_calls: int = 0
    errors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The counts as JSON fields of a scan report."""
        return {**self.__dict__, "errors": list(self.errors)}
