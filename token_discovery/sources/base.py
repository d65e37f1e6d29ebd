"""The error family every upstream client raises, and the ports the service depends on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from token_discovery.models import Batch, Candidate, Candle, MarketData, SecurityReport


class SourceError(Exception):
    """An upstream call did not produce usable data."""

    def __init__(self, route: str, message: str) -> None:
        super().__init__(f"{route}: {message}")
        self.route = route


class SourceUnavailable(SourceError):
    """The upstream could not be reached, timed out, or failed on its side (5xx)."""


class RateLimited(SourceError):
    """The upstream said we are over its rate limit; never to be read as "no data"."""

    def __init__(self, route: str, retry_after: float | None, message: str = "rate limited") -> None:
        super().__init__(route, message)
        self.retry_after = retry_after


class BudgetRefused(RateLimited):
    """Our own budget could not pay for the call, so it was never sent."""


class CallCancelled(SourceError):
    """The scan this call belongs to was abandoned, so the call was not sent."""


class BadPayload(SourceError):
    """The upstream answered, but not with the JSON shape it documents, or too much of it."""


class RequestRejected(SourceError):
    """The upstream refused the request itself (a 4xx other than 429)."""


class DiscoveryFeed(Protocol):
    """A feed of newly listed tokens."""

    @property
    def name(self) -> str:
        """The route name of the feed."""
        ...

    def fetch(self) -> Batch[Candidate]:
        """Return the candidates currently on the feed."""
        ...


class MarketSource(Protocol):
    """Market data for tokens of one chain, in batches."""

    max_batch: int

    def tokens(self, chain: str, addresses: Sequence[str]) -> Batch[MarketData]:
        """Return market data for up to `max_batch` addresses in one call."""
        ...


class SecuritySource(Protocol):
    """Contract security for tokens of one chain, in batches."""

    max_batch: int

    def token_security(self, chain: str, addresses: Sequence[str]) -> Batch[SecurityReport]:
        """Return one report per address (unindexed ones included) in one call."""
        ...


class CandleSource(Protocol):
    """Price candles of a pool."""

    def ohlcv(
        self,
        chain: str,
        pool_address: str,
        timeframe: str = "hour",
        limit: int = 100,
        aggregate: int = 1,
        token: str | None = None,
    ) -> Batch[Candle]:
        """Return the pool's candles of one of its tokens (the base side by default), oldest first."""
        ...
