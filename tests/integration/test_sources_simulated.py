"""The real clients against the running simulator, and enrichment in the fewest calls the APIs allow."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from tests.conftest import Clients
from token_discovery.scan.discovery import discover
from token_discovery.scan.enrichment import chain_batches, enrich
from token_discovery.simulator.token import QUOTES
from token_discovery.sources.chains import is_quote_asset

pytestmark = pytest.mark.integration


def test_every_client_reads_the_simulator(clients: Clients) -> None:
    profiles = clients.dexscreener.latest_profiles()
    boosts = clients.dexscreener.latest_boosts()
    pools = clients.geckoterminal.new_pools()
    assert len(profiles.items) == 30 and profiles.skipped == 0
    assert len(boosts.items) == 30 and all(c.boost_amount for c in boosts.items)
    assert len(pools.items) == 20 and all(c.pool_created_at for c in pools.items)
    candidate = next(c for c in pools.items if c.chain == "ethereum")
    (market,) = clients.dexscreener.tokens("ethereum", [candidate.address]).items
    assert market.address == candidate.address and market.price_usd and market.price_usd > 0
    candles = clients.geckoterminal.ohlcv("ethereum", market.pair_address, "minute", 30).items
    assert candles and [c.ts for c in candles] == sorted(c.ts for c in candles)
    solana = next(c for c in profiles.items if c.chain == "solana")
    (report,) = clients.goplus.token_security("solana", [solana.address]).items
    assert report.address == solana.address


def test_pools_listed_the_other_way_round_still_give_the_new_token(clients: Clients, simulator) -> None:
    candidates = [c for page in (1, 2, 3) for c in clients.geckoterminal.new_pools(page=page).items]
    assert not [c for c in candidates if is_quote_asset(c.chain, c.address)]  # never wSOL, WETH or a stablecoin
    flipped = [c for c in candidates if simulator.app.universe.find(c.chain, c.address).quote_side]
    assert flipped  # some pools name the token on the quote side, and the token is what was discovered
    assert all(c.symbol == simulator.app.universe.find(c.chain, c.address).symbol for c in flipped)
    meme = flipped[0]
    base_side = clients.geckoterminal.ohlcv(meme.chain, meme.pool_address, "minute", 30).items
    token_side = clients.geckoterminal.ohlcv(meme.chain, meme.pool_address, "minute", 30, token=meme.address).items
    assert {c.close for c in base_side} == {QUOTES[meme.chain][3]}  # unasked, GeckoTerminal prices the base side
    assert all(c.close != QUOTES[meme.chain][3] for c in token_side)  # asked for the token, its own price


def test_empty_intervals_are_flat_candles_at_the_last_close(clients: Clients) -> None:
    pool = next(c for c in clients.geckoterminal.new_pools(chain="bsc").items if c.pool_address)
    candles = clients.geckoterminal.ohlcv("bsc", pool.pool_address, "minute", 300).items
    steps = {b.ts - a.ts for a, b in zip(candles, candles[1:], strict=False)}
    assert steps == {60}  # one candle a minute, none missing
    flat = [(a, b) for a, b in zip(candles, candles[1:], strict=False) if b.volume == 0]
    assert flat and all(b.open == b.close == a.close for a, b in flat)


def test_security_reports_tell_unindexed_from_clean(clients: Clients) -> None:
    candidates = list(clients.geckoterminal.new_pools(chain="bsc").items)[:20]
    reports = clients.goplus.token_security("bsc", [c.address for c in candidates]).items
    assert len(reports) == len(candidates)
    states = Counter(r.indexed for r in reports)
    assert states[True] > 0
    for report in reports:
        if not report.indexed:
            assert set(report.flags.values()) == {None}


def test_discovery_and_enrichment_of_50_tokens_cost_the_minimum_calls(clients: Clients) -> None:
    feeds = [*clients.dexscreener.feeds(), clients.geckoterminal.feed()]
    discovered, outcomes = discover(feeds)
    assert all(outcome.error is None for outcome in outcomes)
    sources = {source for token in discovered for source in token.sources}
    assert sources == {"dexscreener.token_profiles", "dexscreener.token_boosts", "geckoterminal.new_pools"}
    assert len({token.key for token in discovered}) == len(discovered)  # deduplicated

    keys = [token.key for token in discovered][:50]
    assert len(keys) == 50
    result = enrich(keys, clients.dexscreener, clients.goplus)
    assert not result.failures
    assert set(result.security) == set(keys)  # every token gets a report, unindexed ones included
    assert len(result.market) >= 45  # tokens whose pool is not yet live have no pair

    per_chain = Counter(chain for chain, _ in keys)
    market_calls = sum(math.ceil(n / 30) for n in per_chain.values())
    goplus_calls = {chain: math.ceil(n / 20) for chain, n in per_chain.items()}
    calls = clients.stats()["calls"]
    assert calls["dexscreener.token_profiles"] == 1
    assert calls["dexscreener.token_boosts"] == 1
    assert calls["geckoterminal.new_pools"] == 1
    assert calls["dexscreener.tokens"] == market_calls
    assert calls["goplus.solana_token_security"] == goplus_calls.get("solana", 0)
    assert calls["goplus.token_security"] == sum(n for chain, n in goplus_calls.items() if chain != "solana")
    assert clients.stats()["total_calls"] == 3 + market_calls + sum(goplus_calls.values())


def test_chain_batches_cut_each_chain_at_the_batch_size() -> None:
    keys = [("solana", f"s{i}") for i in range(31)] + [("bsc", "b1"), ("solana", "s0")]
    batches = chain_batches(keys, 30)
    assert [(chain, len(addresses)) for chain, addresses in batches] == [
        ("solana", 30),
        ("solana", 1),
        ("bsc", 1),
    ]
