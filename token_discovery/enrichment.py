"""Enrichment: market data and contract security for many tokens in the fewest upstream calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from token_discovery.models import MarketData, SecurityReport
from token_discovery.sources.base import MarketSource, SecuritySource, SourceError

log = logging.getLogger(__name__)

Key = tuple[str, str]
T = TypeVar("T")


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
    """What enrichment found, keyed by (chain, address), and the batches that failed."""

    market: dict[Key, MarketData] = field(default_factory=dict)
    security: dict[Key, SecurityReport] = field(default_factory=dict)
    failures: list[SourceError] = field(default_factory=list)
    skipped: int = 0


def _run_batches(
    batches: Sequence[tuple[str, tuple[str, ...]]],
    fetch: Callable[[str, Sequence[str]], Iterable[T]],
    key_of: Callable[[T], Key],
    into: dict[Key, T],
    failures: list[SourceError],
) -> None:
    """Call `fetch` once per batch; a failed batch is recorded and the others still run."""
    for chain, addresses in batches:
        try:
            for item in fetch(chain, addresses):
                into[key_of(item)] = item
        except SourceError as error:
            log.warning("enrichment batch of %d %s tokens failed: %s", len(addresses), chain, error)
            failures.append(error)


def enrich(keys: Sequence[Key], market: MarketSource, security: SecuritySource) -> Enrichment:
    """Market data at max_batch per call per chain, then security at max_batch per call per chain."""
    result = Enrichment()

    def market_items(chain: str, addresses: Sequence[str]) -> Iterable[MarketData]:
        batch = market.tokens(chain, addresses)
        result.skipped += batch.skipped
        return batch.items

    def security_items(chain: str, addresses: Sequence[str]) -> Iterable[SecurityReport]:
        batch = security.token_security(chain, addresses)
        result.skipped += batch.skipped
        return batch.items

    _run_batches(chain_batches(keys, market.max_batch), market_items, _key, result.market, result.failures)
    _run_batches(chain_batches(keys, security.max_batch), security_items, _key, result.security, result.failures)
    return result


def _key(item: MarketData | SecurityReport) -> Key:
    """The (chain, address) of a market or security value."""
    return (item.chain, item.address)
