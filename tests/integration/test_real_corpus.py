"""Real recorded upstream answers (tests/fixtures/real, sources in SOURCES.md) through the real clients over HTTP.

Part one reads every payload through its client; part two is the verdict table: for each real token, what the
analysis must say and why. The simulator is not involved: these rules are checked against data we did not write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.recorded_upstream import REAL, RecordedUpstream, recorded, recorded_upstream
from tests.support import FAST_LIMITS
from token_discovery.analysis import assess, gather
from token_discovery.models import Candidate, MarketData, SecurityReport
from token_discovery.sources import DexScreenerSource, GeckoTerminalSource, GoPlusSecurity
from token_discovery.sources.base import BadPayload, RateLimited, RequestRejected, SourceUnavailable
from token_discovery.sources.chains import CHAINS
from token_discovery.sources.http import new_session

NOW = datetime(2026, 11, 1, tzinfo=UTC)  # after the newest recording
ETH, SOL = "ethereum", "solana"


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordedUpstream]:
    with recorded_upstream() as server:
        yield server


@dataclass
class Clients:
    dexscreener: DexScreenerSource
    geckoterminal: GeckoTerminalSource
    goplus: GoPlusSecurity


@pytest.fixture(scope="module")
def clients(upstream: RecordedUpstream) -> Clients:
    return Clients(
        DexScreenerSource(new_session(), upstream.url, FAST_LIMITS),
        GeckoTerminalSource(new_session(), f"{upstream.url}/api/v2", FAST_LIMITS),
        GoPlusSecurity(new_session(), f"{upstream.url}/api/v1", FAST_LIMITS, batch_size=20),
    )


def pairs_of(name: str) -> list[Any]:
    """A DexScreener file's Pair objects: tokens/v1 answers an array; /latest/dex/* wraps it in {"pairs": [...]}."""
    body = recorded(f"dexscreener/{name}")
    return body if isinstance(body, list) else body["pairs"]


def as_array(name: str) -> list[Any]:
    """A feed file; a source that kept one item of the array (jq '.[0]') is served as a one-item array."""
    body = recorded(name)
    return body if isinstance(body, list) else [body]


# ---- part one: every payload through its client ------------------------------------------------------------------

FEEDS = [  # (file, route method, items expected, items skipped)
    ("dexscreener/token_profiles_latest_multichain.json", "latest_profiles", 38, 0),
    ("dexscreener/token_profiles_latest_single_item_bsc.json", "latest_profiles", 1, 0),
    ("dexscreener/token_boosts_latest_single_item_ethereum.json", "latest_boosts", 1, 0),
    ("dexscreener/token_boosts_latest_four_live_rows_solana_bsc.json", "latest_boosts", 4, 0),
]


@pytest.mark.parametrize(("name", "method", "items", "skipped"), FEEDS, ids=[f[0] for f in FEEDS])
def test_every_recorded_feed_parses(upstream, clients, name: str, method: str, items: int, skipped: int) -> None:
    path = "/token-profiles/latest/v1" if method == "latest_profiles" else "/token-boosts/latest/v1"
    upstream.answer(path, as_array(name))
    batch = getattr(clients.dexscreener, method)()
    assert (len(batch.items), batch.skipped) == (items, skipped)
    for candidate in batch.items:
        assert candidate.chain in CHAINS and candidate.address
        assert all(link.url.startswith(("http://", "https://")) for link in candidate.links)


MARKET = [  # (file, chain, token address, liquidity of the best pair or None, pairs kept)
    ("tokens_v1_solana_pumpswap_zero_liquidity.json", SOL, "Dc26VNVhXVSZXGmCR92yTMhQx6ZygLz5NLMv9zSyg6Fp", 0.0, 1),
    ("tokens_v1_solana_pumpswap_zero_liquidity.json", SOL, "Hyn3TNGqTyz936vJDHAEgRP9krcVKSahFtXXE6Jv4vKu", None, 1),
    ("latest_dex_pairs_solana_pumpfun_no_liquidity.json", "solana", "DppWLLeBgn49Poy15Jqq8vewEEtSrMBQNzKKzYgZpump",
     None, 1),
    ("latest_dex_tokens_avalanche_2022_missing_fields.json", "avalanche",
     "0x120ad3e5a7c796349e591f1570d9f7980f4ea9cb", 20579.482562881498, 1),
    ("latest_dex_tokens_avalanche_2022_missing_fields.json", "avalanche",
     "0xc7198437980c041c805a1edcba50c1ce5db95118", 544232.4648226963, 1),
    ("latest_dex_tokens_injective_no_fdv_marketcap.json", "solana", "So11111111111111111111111111111111111111112",
     None, 0),  # Injective is not a chain we follow: its two pairs are skipped, not misread
    ("tokens_v1_solana_sol_usdc_established_raydium.json", SOL, "So11111111111111111111111111111111111111112",
     14247194.46, 1),
    ("tokens_v1_solana_sol_usdc_orca_whirlpool_label_wp.json", SOL, "So11111111111111111111111111111111111111112",
     23663820.07, 1),
    ("tokens_v1_solana_ray_established_clmm.json", SOL, "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R",
     8517032.69, 1),
    ("tokens_v1_solana_ansem_pumpswap_boosts_active.json", SOL, "9cRCn9rGT8V2imeM2BaKs13yhMEais3ruM3rPvTGpump",
     1258484.08, 1),
]  # fmt: skip


@pytest.mark.parametrize(("name", "chain", "address", "liquidity", "kept"), MARKET)
def test_every_recorded_pair_answer_parses(upstream, clients, name, chain, address, liquidity, kept) -> None:
    upstream.answer("/tokens/v1/", pairs_of(name))
    batch = clients.dexscreener.tokens(chain, [address])
    assert len(batch.items) == kept and batch.skipped == (2 if "injective" in name else 0)
    if kept:
        (market,) = batch.items
        assert market.address == address and market.liquidity_usd == liquidity


POOLS = [  # (file, pools read, pools skipped)
    ("new_pools_all_networks_tiny_reserves.json", 20, 0),
    ("new_pools_eth_zero_reserves.json", 20, 0),
    ("new_pools_solana_pumpfun_included.json", 20, 0),
    ("token_pools_eth_weth_established_quote_side.json", 20, 0),
    ("pools_solana_by_volume_reserve_null_and_tiny.json", 20, 0),
]


@pytest.mark.parametrize(("name", "read", "skipped"), POOLS, ids=[p[0] for p in POOLS])
def test_every_recorded_pool_list_parses(upstream, clients, name: str, read: int, skipped: int) -> None:
    upstream.answer("/api/v2/networks/new_pools", recorded(f"geckoterminal/{name}"))
    batch = clients.geckoterminal.new_pools()
    assert (len(batch.items), batch.skipped) == (read, skipped)
    assert all(c.pool_reserve_usd is None or c.pool_reserve_usd >= 0 for c in batch.items)


OHLCV = [("ohlcv_15m_gaps_duplicate_timestamp.json", 100), ("ohlcv_hour_gap_cbrl_sol.json", 235),
         ("ohlcv_15m_cbrl_sol_with_meta.json", 35)]  # fmt: skip


@pytest.mark.parametrize(("name", "count"), OHLCV, ids=[o[0] for o in OHLCV])
def test_every_recorded_candle_list_parses_oldest_first(upstream, clients, name: str, count: int) -> None:
    upstream.answer("/api/v2/networks/solana/pools/", recorded(f"geckoterminal/{name}"))
    candles = clients.geckoterminal.ohlcv("solana", "Pool111111111111111111111111111111", "minute", 100, 15).items
    assert len(candles) == count
    assert [c.ts for c in candles] == sorted(c.ts for c in candles)
    assert "include_empty_intervals=true" in upstream.requests[-1]


def test_the_labels_and_boosts_of_real_pairs_are_kept(upstream, clients) -> None:
    upstream.answer("/tokens/v1/", pairs_of("tokens_v1_solana_ansem_pumpswap_boosts_active.json"))
    (ansem,) = clients.dexscreener.tokens(SOL, ["9cRCn9rGT8V2imeM2BaKs13yhMEais3ruM3rPvTGpump"]).items
    assert ansem.boosts_active == 100 and ansem.fdv == ansem.market_cap
    upstream.answer("/tokens/v1/", pairs_of("tokens_v1_solana_sol_usdc_orca_whirlpool_label_wp.json"))
    (sol,) = clients.dexscreener.tokens(SOL, ["So11111111111111111111111111111111111111112"]).items
    assert sol.labels == ("wp",) and sol.fdv is None and sol.market_cap is None


def test_dexscreeners_no_pair_answer_on_the_old_route_is_not_read_as_a_tokens_v1_answer(upstream, clients) -> None:
    body = recorded("dexscreener/latest_dex_tokens_unknown_token_pairs_null.json")
    assert body == {"schemaVersion": "1.0.0", "pairs": None}
    upstream.answer("/tokens/v1/", body)  # tokens/v1 answers an array: a document is a bad payload, not "no pair"
    with pytest.raises(BadPayload):
        clients.dexscreener.tokens(ETH, ["0xd2aef07b4a807062c1c9f01713def52172548eca"])


@pytest.mark.parametrize(
    ("name", "error"),
    [("error_4012_signature_verification_failure.json", RequestRejected),
     ("error_5000_system_error_result_null.json", SourceUnavailable)],
)  # fmt: skip
def test_goplus_error_codes_in_a_200_are_errors_not_empty_results(upstream, clients, name: str, error: type) -> None:
    upstream.answer("/api/v1/solana/token_security", recorded(f"goplus/{name}"))
    with pytest.raises(error):
        clients.goplus.token_security(SOL, ["EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"])


def security(upstream: RecordedUpstream, clients: Clients, name: str, chain: str, address: str) -> SecurityReport:
    """The report of one token read from a recorded GoPlus body."""
    path = "/api/v1/solana/token_security" if chain == "solana" else "/api/v1/token_security/"
    upstream.answer(path, recorded(f"goplus/{name}"))
    (report,) = clients.goplus.token_security(chain, [address]).items
    return report


def test_goplus_rate_limit_in_a_200_is_a_rate_limit_not_no_data(upstream, clients) -> None:
    with pytest.raises(RateLimited):
        security(upstream, clients, "evm_rate_limited_4029.json", "bsc", "0x" + "1" * 40)


def test_goplus_empty_result_is_an_unindexed_token(upstream, clients) -> None:
    wbnb = "0xbb4cdb9cbd36b01bd1cbaef60af814a3f6f0ee75"
    report = security(upstream, clients, "evm_unindexed_empty_result_bsc.json", "bsc", wbnb)
    assert not report.indexed and all(value is None for value in report.flags.values())


def test_goplus_shares_over_one_are_clamped_or_dropped_never_believed(upstream, clients) -> None:
    koko = security(
        upstream, clients, "evm_honeypot_koko.json", "ethereum", "0x4e7e15a6b83718ba79674cc4ce09f7d4a631ec2c"
    )
    assert all(h.percent is None or h.percent <= 1 for h in (*koko.holders, *koko.lp_holders))
    assert koko.holders[0].percent is None  # "1769801.0178...": no share at all
    nflxx = security(upstream, clients, "solana_percent_over_one_nflxx.json", "solana",
                     "XsEH7wWfJJu2ZT3UCFeVfALnVA6CP5ur7Ee11KmzVpL")  # fmt: skip
    assert max(h.percent or 0 for h in nflxx.holders) < 1  # "9.6193" is dropped


# ---- part two: the verdict table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One real token: the recorded answers about it, and what the verdict must say."""

    name: str
    chain: str
    address: str
    level: str
    reasons: frozenset[str] = frozenset()  # each must be among the reasons, at full weight
    tempered: frozenset[str] = frozenset()  # each must be among the reasons, tempered to info
    absent: frozenset[str] = frozenset()  # none of these may fire
    missing: frozenset[str] = frozenset()  # each must be listed as missing evidence
    goplus: str | None = None
    dexscreener: str | None = None
    pools: str | None = None  # a GeckoTerminal pool list the token was discovered in
    established: bool = False
    scam: bool = False  # a trap by what it did: honeypot, drained or dust pool, one wallet holding the supply
    checks: dict[str, Any] = field(default_factory=dict)  # evidence fields and their expected values


def case(name: str, chain: str, address: str, level: str, **kw: Any) -> Case:
    sets = {k: frozenset(v) for k, v in kw.items() if k in {"reasons", "tempered", "absent", "missing"}}
    return Case(name, chain, address, level, **{**kw, **sets})


CASES = [
    # honeypots, taxes, rugs and dead pools
    case("koko_honeypot", ETH, "0x4e7e15a6b83718ba79674cc4ce09f7d4a631ec2c", "risky", goplus="evm_honeypot_koko.json",
         reasons={"honeypot", "serial_creator", "liquidity_below_floor"},
         checks={"liquidity_source": "goplus", "lp_locked_share": 1.0}, scam=True),
    case("hawk_one_wallet_44pct", SOL, "4GFe6MBDorSy5bLbiUMrgETr6pZcjyfxMDm5ehSgpump", "risky",
         goplus="solana_rug_hawk.json", reasons={"holder_concentrated"},
         checks={"top_holder_percent": 0.4398, "top_holder_address": "HsXpiFuxoDKgNjcoQaQf4c8GwX7DMsqGSWYcuN3DwG31"},
         scam=True),
    case("bear_two_holders", SOL, "4mYUGV7AaMw5HFefpCrsjotnu99KZKn4VKxYYZwdpump", "risky",
         goplus="solana_tiny_two_holders_bear.json", reasons={"holder_concentrated"}, missing={"liquidity"},
         scam=True),
    case("trump_80pct_wallet", SOL, "6p6xgHyF7AeE6TZkSmFsko444wqoP15icUSqi2jfGiPN", "risky",
         goplus="solana_memecoin_trump.json", reasons={"holder_concentrated", "liquidity_unlocked"}),
    case("usdg_issuer_powers_age_unknown", SOL, "2u1tszSeqZ3qBWF3uNGPFc8TzMk2tdiwknnRMWGWjGWH", "risky",
         goplus="solana_issuer_authorities_usdg.json", reasons={"owner_change_balance", "mintable", "freezable"},
         checks={"liquidity_source": "goplus"}),
    case("tslax_issuer_powers", SOL, "XsDoVfqeBukxuZHWhdvWHBhgEHjGNst4MLodqsJHzoB", "risky",
         goplus="solana_tokenized_stock_tslax.json", reasons={"owner_change_balance", "holder_concentrated"}),
    case("nflxx_issuer_powers", SOL, "XsEH7wWfJJu2ZT3UCFeVfALnVA6CP5ur7Ee11KmzVpL", "risky",
         goplus="solana_percent_over_one_nflxx.json", reasons={"owner_change_balance"}),
    case("pumpswap_drained_pool", SOL, "Dc26VNVhXVSZXGmCR92yTMhQx6ZygLz5NLMv9zSyg6Fp", "risky",
         dexscreener="tokens_v1_solana_pumpswap_zero_liquidity.json",
         pools="pools_solana_by_volume_reserve_null_and_tiny.json",
         reasons={"liquidity_below_floor"}, missing={"security"}, checks={"liquidity_source": "dexscreener"},
         scam=True),
    case("capybara_drained_pool", SOL, "7jZLo8XKfLzPxny3gK2bVjnr4eDRV8xE8RHuGu2ay6h", "risky",
         dexscreener="tokens_v1_solana_pumpswap_zero_liquidity.json", reasons={"liquidity_below_floor"}, scam=True),
    case("sedona_new_pool_dust_reserve", ETH, "0x4e7d5a50b27e049145a8ee0baadb8c8f1be61eec", "risky",
         pools="new_pools_eth_zero_reserves.json", reasons={"liquidity_below_floor"},
         checks={"liquidity_source": "geckoterminal", "liquidity_usd": 0.0015}, scam=True),
    case("greg_new_pool_zero_reserve", SOL, "huGbvMBsED85Z2P2S5bkiJkRbL7RSaqzd1iZ39qpump", "risky",
         pools="new_pools_solana_pumpfun_included.json", reasons={"liquidity_below_floor"}, scam=True),
    case("dme_on_a_meme_quote", SOL, "DkkUHS31mNkbyeT6nxsSgAL84fPCmqhvePs8QRb8KSg1", "risky",
         pools="new_pools_all_networks_tiny_reserves.json", reasons={"liquidity_below_floor"}, scam=True),
    case("luna_avalanche_12_dollars", "avalanche", "0x120ad3e5a7c796349e591f1570d9f7980f4ea9cb", "unknown",
         dexscreener="latest_dex_tokens_avalanche_2022_missing_fields.json", missing={"security"},
         absent={"liquidity_below_floor"}, checks={"liquidity_usd": 20579.482562881498}),
    # not enough evidence: never safe
    case("kys_bonding_curve_no_liquidity", SOL, "DppWLLeBgn49Poy15Jqq8vewEEtSrMBQNzKKzYgZpump", "unknown",
         dexscreener="latest_dex_pairs_solana_pumpfun_no_liquidity.json", missing={"security", "liquidity"}),
    case("whuf_liquidity_from_geckoterminal", SOL, "Hyn3TNGqTyz936vJDHAEgRP9krcVKSahFtXXE6Jv4vKu", "unknown",
         dexscreener="tokens_v1_solana_pumpswap_zero_liquidity.json",
         pools="pools_solana_by_volume_reserve_null_and_tiny.json", missing={"security"},
         checks={"liquidity_source": "geckoterminal", "liquidity_usd": 397100.1128}),
    case("stonk_no_security_yet", SOL, "3Y1SCEJABneLzJ1KL7f6jp5NyP7wxjtqmAy5qKAVpump", "unknown",
         dexscreener="latest_dex_pairs_solana_pumpfun_no_liquidity.json", missing={"security"}),
    case("jetpack_no_holders_no_pools", SOL, "37vV3bR2ewPZL9CWPn3atGWao3qLD3uUkYAxpLqJpump", "unknown",
         goplus="solana_fields_missing_jetpack.json", missing={"liquidity"}),
    case("rugsurvive_launchpad_renounced", "bsc", "0xe8852d270294cc9a84fe73d5a434ae85a1c34444", "unknown",
         goplus="evm_launchpad_fourmeme_rugsurvive_bsc.json", missing={"liquidity"},
         absent={"owner_share_high", "holder_concentrated"}),
    case("wbnb_unindexed", "bsc", "0xbb4cdb9cbd36b01bd1cbaef60af814a3f6f0ee75", "unknown",
         goplus="evm_unindexed_empty_result_bsc.json", missing={"security"}),
    case("goplus_rate_limited", "bsc", "0x55d398326f99059ff775485246999027b3197955", "unknown",
         goplus="evm_rate_limited_4029.json", missing={"security"}),
    case("pepe_discovered_not_weth", ETH, "0x6982508145454ce325ddbe47a25d4ec3d2311933", "unknown",
         pools="token_pools_eth_weth_established_quote_side.json", missing={"security"},
         checks={"liquidity_usd": 40702968.2463}),
    # established tokens: trusted, years old or deep; owner powers tempered, never called risky for them
    case("usdt_bsc_trusted", "bsc", "0x55d398326f99059ff775485246999027b3197955", "unknown",
         goplus="evm_established_usdt_bsc.json", tempered={"mintable"}, missing={"liquidity"}, established=True),
    case("usdc_eth_trusted", ETH, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "safe",
         goplus="evm_established_usdc_trimmed.json", pools="token_pools_eth_weth_established_quote_side.json",
         tempered={"proxy"}, established=True, checks={"liquidity_usd": 76477882.936}),
    case("link_trusted", ETH, "0x514910771af9ca656af840dff83e8264ecf986ca", "unknown",
         goplus="evm_established_link_trimmed.json", pools="token_pools_eth_weth_established_quote_side.json",
         tempered={"liquidity_unlocked"}, missing={"sell_tax"}, established=True),
    case("uni_trusted_burned_supply", ETH, "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984", "unknown",
         goplus="evm_established_uni_burn_holder_trimmed.json", tempered={"owner_share_high"},
         absent={"holder_concentrated"}, established=True, checks={"burned_percent": 0.106878}),
    case("usdc_solana_trusted", SOL, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "safe",
         goplus="solana_established_usdc_trusted.json", tempered={"mintable", "freezable"}, established=True),
    case("ray_one_owner_two_accounts", SOL, "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R", "safe",
         goplus="solana_established_ray_shared_owner.json", pools="pools_solana_by_volume_reserve_null_and_tiny.json",
         tempered={"holder_concentrated"}, established=True,
         checks={"top_holder_percent": 0.4719, "liquidity_source": "geckoterminal"}),
    case("ray_with_its_dexscreener_pair", SOL, "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R", "safe",
         goplus="solana_established_ray_shared_owner.json", dexscreener="tokens_v1_solana_ray_established_clmm.json",
         tempered={"holder_concentrated", "liquidity_unlocked"}, established=True,
         checks={"liquidity_source": "dexscreener", "liquidity_usd": 8517032.69}),
    case("wsol_deep_old_pair_no_security", SOL, "So11111111111111111111111111111111111111112", "unknown",
         dexscreener="tokens_v1_solana_sol_usdc_orca_whirlpool_label_wp.json", missing={"security"},
         established=True),
    case("ansem_boosted_meme_no_security", SOL, "9cRCn9rGT8V2imeM2BaKs13yhMEais3ruM3rPvTGpump", "unknown",
         dexscreener="tokens_v1_solana_ansem_pumpswap_boosts_active.json", missing={"security"}),
    case("orca_trusted_live_mint", SOL, "orcaEKTdK7LKz57vaAYr9QeNsVEPfiu6QeMU1kektZE", "safe",
         goplus="solana_trusted_orca.json", pools="pools_solana_by_volume_reserve_null_and_tiny.json",
         tempered={"mintable"}, established=True),
    case("usdg_old_deep_pool_issuer_can_claw_back", SOL, "2u1tszSeqZ3qBWF3uNGPFc8TzMk2tdiwknnRMWGWjGWH", "risky",
         goplus="solana_issuer_authorities_usdg.json", pools="pools_solana_by_volume_reserve_null_and_tiny.json",
         reasons={"owner_change_balance", "mintable", "freezable"}, tempered={"metadata_mutable"},
         established=True),  # old and deep, but Solana's key authorities are tempered only by the trust list
    case("bonk_not_on_the_trust_list", SOL, "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263", "safe",
         goplus="solana_established_bonk.json", established=True),
]  # fmt: skip


Inputs = tuple[Candidate, MarketData | None, SecurityReport | None]


def read_case(upstream: RecordedUpstream, clients: Clients, c: Case) -> Inputs:
    """What each upstream recorded about the token, read through the clients over HTTP."""
    candidate = Candidate(c.chain, c.address, "recorded")
    if c.pools:
        upstream.answer("/api/v2/networks/new_pools", recorded(f"geckoterminal/{c.pools}"))
        found = [x for x in clients.geckoterminal.new_pools().items if x.key == (c.chain, c.address)]
        assert found, f"{c.name}: the pool list does not name {c.address}"
        candidate = max(found, key=lambda x: x.pool_reserve_usd or 0.0)
    market: MarketData | None = None
    if c.dexscreener:
        upstream.answer("/tokens/v1/", pairs_of(c.dexscreener))
        market = next(iter(clients.dexscreener.tokens(c.chain, [c.address]).items), None)
        assert market is not None, f"{c.name}: DexScreener's answer has no pair for {c.address}"
    report: SecurityReport | None = None
    if c.goplus:
        try:
            report = security(upstream, clients, c.goplus, c.chain, c.address)
        except RateLimited:
            report = None
    return candidate, market, report


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_real_tokens_get_the_verdict_they_deserve_for_the_right_reasons(upstream, clients, c: Case) -> None:
    candidate, market, report = read_case(upstream, clients, c)
    verdict = assess(candidate, market, report, NOW)
    full = {r.code for r in verdict.reasons if r.severity != "info"}
    tempered = {r.code for r in verdict.reasons if r.evidence.get("tempered_by")}
    summary = (verdict.level, sorted(full), sorted(tempered), verdict.missing)
    assert verdict.level == c.level, summary
    assert c.reasons <= full and c.tempered <= tempered and not (c.absent & (full | tempered)), summary
    assert c.missing <= set(verdict.missing), summary
    evidence = gather(candidate, market, report, (), NOW).to_json()
    for key, value in c.checks.items():
        assert evidence[key] == (pytest.approx(value) if isinstance(value, float) else value), key


def test_the_corpus_meets_the_targets_on_real_tokens(upstream, clients) -> None:
    verdicts = {c.name: assess(*read_case(upstream, clients, c), NOW) for c in CASES}
    established = [c for c in CASES if c.established]
    risky_established = [c.name for c in established if verdicts[c.name].level == "risky"]
    assert len(established) >= 6 and len(risky_established) * 6 <= len(established), risky_established
    traps = [c for c in CASES if c.scam]
    assert len(traps) >= 6 and all(verdicts[c.name].level != "safe" for c in traps)
    unverified = [c for c in CASES if {"security", "liquidity"} & c.missing]
    assert unverified and all(verdicts[c.name].level != "safe" for c in unverified)


def test_every_recorded_file_is_read_here_and_has_its_source() -> None:
    files = {p.relative_to(REAL).as_posix() for p in REAL.glob("*/*") if p.suffix in {".json", ".jsonl", ".txt"}}
    readers = (
        Path(__file__),
        Path(__file__).with_name("test_telegram_real_answers.py"),  # telegram/ is read there
        Path(__file__).parents[1] / "unit" / "test_pumpportal_real_messages.py",
    )  # and pumpportal/ there
    text = "".join(reader.read_text(encoding="utf-8") for reader in readers)
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    unused = sorted(f for f in files if Path(f).name not in text)
    unsourced = sorted(f for f in files if f"{Path(f).name}`" not in sources)
    assert len(files) >= 25 and unused == [] and unsourced == []
