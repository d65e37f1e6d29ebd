"""Enrichment: market data and contract security for many tokens in the fewest upstream calls."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from token_discovery.models import Candle, MarketData, SecurityReport
from token_discovery.sources.base import MarketSource, SecuritySource, SourceError

log = logging.getLogger(__name__)

Key = tuple[str, str]


def chain_batches(keys: Iterable[Key], size: int) -> list[tuple[str, tuple[str, ...]]]:
    """Group token keys by chain, then cut each chain into batches of at most `size` addresses."""
    by_chain: dict[str, list[str]] = {}
    for chain, address in dict.fromkeys(keys):
        by_chain.setdefault(chain, []).append(address)
    return [
        (chain, tuple(addresses[start : start + size]))
        for chain, addresses in by_chain.items()
        for start in range(0, len(addresses), size)
    ]


@dataclass
class Enrichment:
    """What enrichment found, keyed by (chain, address), the failed batches and the calls made."""

    market: dict[Key, MarketData] = field(default_factory=dict)
    security: dict[Key, SecurityReport] = field(default_factory=dict)
    candles: dict[Key, tuple[Candle, ...]] = field(default_factory=dict)
    failures: list[SourceError] = field(default_factory=list)
    skipped: int = 0
    calls: int = 0


def fetch_market(keys: Sequence[Key], market: MarketSource, into: Enrichment) -> None:
    """Market data, max_batch addresses per call per chain; a failed batch leaves its tokens without data."""
    for chain, addresses in chain_batches(keys, market.max_batch):
        into.calls += 1
        try:
            batch = market.tokens(chain, addresses)
        except SourceError as error:
            log.warning("market batch of %d %s tokens failed: %s", len(addresses), chain, error)
            into.failures.append(error)
            continue
        into.skipped += batch.skipped
        into.market.update({item.key: item for item in batch.items})


@dataclass(frozen=True)
class SecurityBatch:
    """The outcome of one security call: the keys asked, the reports got, or the error."""

    keys: tuple[Key, ...]
    reports: dict[Key, SecurityReport]
    error: SourceError | None = None


def security_batches(keys: Sequence[Key], security: SecuritySource, into: Enrichment) -> Iterator[SecurityBatch]:
    """Security reports batch by batch, so each batch can be stored and announced before the next call."""
    for chain, addresses in chain_batches(keys, security.max_batch):
        batch_keys = tuple((chain, address) for address in addresses)
        into.calls += 1
        try:
            batch = security.token_security(chain, addresses)
        except SourceError as error:
            log.warning("security batch of %d %s tokens failed: %s", len(addresses), chain, error)
            into.failures.append(error)
            yield SecurityBatch(batch_keys, {}, error)
            continue
        into.skipped += batch.skipped
        reports = {(r.chain, r.address): r for r in batch.items}
        into.security.update(reports)
        yield SecurityBatch(batch_keys, reports)


def enrich(keys: Sequence[Key], market: MarketSource, security: SecuritySource) -> Enrichment:
    """Market data then security for every key, in the fewest calls the upstream limits allow."""
    result = Enrichment()
    fetch_market(keys, market, result)
    list(security_batches(keys, security, result))  # every batch lands in `result` as it is read
    return result
