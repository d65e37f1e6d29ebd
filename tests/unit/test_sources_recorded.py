"""Each client against recorded upstream payloads, through a fake transport."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import FAST_LIMITS, always, fake_session, load_fixture
from token_discovery.sources import DexScreenerSource, GeckoTerminalSource, GoPlusSecurity

BASE = "https://api.example.test"
WRAPPED_SOL = "So11111111111111111111111111111111111111112"
KOKO = "0x4e7e15a6b83718ba79674cc4ce09f7d4a631ec2c"
BONK = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"


def dex(body: object) -> tuple[DexScreenerSource, object]:
    session, transport = fake_session(always(200, body))
    return DexScreenerSource(session, BASE, FAST_LIMITS), transport


def test_profiles_parse_into_candidates_with_link_kinds() -> None:
    source, transport = dex(load_fixture("dexscreener_token_profiles_latest"))
    batch = source.latest_profiles()
    assert transport.paths() == ["/token-profiles/latest/v1"]
    assert [c.chain for c in batch.items] == ["bsc", "solana"]
    bsc, sol = batch.items
    assert bsc.address == "0x795d2710e383f33fbebe980a155b29757b6703f3"
    assert sol.address == "FeFKV9XUpUHFJTR1gXsQHWxo6eTghREGQpJtanr4pump"  # Solana case is kept
    assert [(link.kind, link.url) for link in sol.links] == [
        ("website", "https://pump.fun/coin/FeFKV9XUpUHFJTR1gXsQHWxo6eTghREGQpJtanr4pump"),
        ("twitter", "https://x.com/bull_bnb/status/1904866040313782403"),
        ("telegram", "https://t.me/DogshitCTOO"),
    ]
    assert batch.skipped == 0


def test_boosts_keep_the_amount_and_an_opaque_icon() -> None:
    source, _ = dex(load_fixture("dexscreener_token_boosts_latest"))
    (candidate,) = source.latest_boosts().items
    assert candidate.boost_amount == 10
    assert candidate.links[0].kind == "website"  # a link with neither type nor label is a website


def test_a_malformed_feed_item_is_skipped_and_counted() -> None:
    items = load_fixture("dexscreener_token_profiles_latest")
    items.insert(1, {"chainId": "bsc"})
    items.append("not an object")
    items.append({"chainId": "nochain", "tokenAddress": "0xabc"})
    source, _ = dex(items)
    batch = source.latest_profiles()
    assert len(batch.items) == 2
    assert batch.skipped == 3


def test_tokens_v1_parses_prices_from_strings_and_ms_timestamps() -> None:
    source, transport = dex(load_fixture("dexscreener_tokens_v1"))
    (market,) = source.tokens("solana", [WRAPPED_SOL]).items
    assert transport.paths() == [f"/tokens/v1/solana/{WRAPPED_SOL}"]
    assert market.price_usd == pytest.approx(100.17)
    assert market.liquidity_usd == pytest.approx(14247194.46)
    assert market.pair_created_at == datetime.fromtimestamp(1669602450, UTC)
    assert market.txns["h24"].buys == 139017
    assert market.fdv is None and market.market_cap is None  # missing in that capture: unknown
    assert {link.kind for link in market.links} == {"website", "twitter"}


def test_tokens_v1_refuses_more_than_thirty_addresses_before_calling() -> None:
    source, transport = dex([])
    with pytest.raises(ValueError, match="1 to 30"):
        source.tokens("solana", [WRAPPED_SOL] * 31)
    assert transport.requests == []


def test_tokens_v1_keeps_the_most_liquid_pair_per_token() -> None:
    pair = load_fixture("dexscreener_tokens_v1")[0]
    poorer = copy.deepcopy(pair)
    poorer["pairAddress"] = "Other1111111111111111111111111111111111111"
    poorer["liquidity"]["usd"] = 10.0
    source, _ = dex([poorer, pair])
    (market,) = source.tokens("solana", [WRAPPED_SOL]).items
    assert market.pair_address == pair["pairAddress"]


def test_new_pools_skip_a_pool_whose_token_address_is_elided() -> None:
    session, _ = fake_session(always(200, load_fixture("geckoterminal_new_pools")))
    batch = GeckoTerminalSource(session, BASE, FAST_LIMITS).new_pools("ethereum")
    assert batch.items == () and batch.skipped == 1  # the capture shows the address as "0x…"


def test_new_pools_read_the_base_token_from_included() -> None:
    body = load_fixture("geckoterminal_new_pools")
    token_id = "eth_0x" + "ab" * 20
    body["data"][0]["relationships"]["base_token"]["data"]["id"] = token_id
    body["included"][0].update(id=token_id)
    body["included"][0]["attributes"].update(address="0x" + "ab" * 20, name="Goslings")
    session, transport = fake_session(always(200, body))
    batch = GeckoTerminalSource(session, BASE, FAST_LIMITS).new_pools("ethereum")
    assert transport.paths() == ["/networks/eth/new_pools"]
    assert parse_qs(urlsplit(transport.requests[0].url).query)["include"] == ["base_token,quote_token"]
    (candidate,) = batch.items
    assert (candidate.chain, candidate.address) == ("ethereum", "0x" + "ab" * 20)
    assert (candidate.name, candidate.symbol) == ("Goslings", "GOSLINGS")
    assert candidate.source == "geckoterminal.new_pools"
    assert candidate.pool_created_at == datetime(2026, 5, 27, 15, 5, 59, tzinfo=UTC)
    assert candidate.pool_address == "0x4b025567ef3e47e7c6f091ba2e224d250eaeedadfddcee292c5281f632fbea07"


MEME = "0x" + "ab" * 20
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"


def pool_with_sides(base: str, quote: str | None) -> dict:
    body = load_fixture("geckoterminal_new_pools")
    pool = body["data"][0]
    pool["attributes"]["name"] = "WETH / MEME 1%"
    pool["relationships"]["base_token"]["data"]["id"] = f"eth_{base}"
    if quote is None:
        del pool["relationships"]["quote_token"]
    else:
        pool["relationships"]["quote_token"]["data"]["id"] = f"eth_{quote}"
    body["included"] = []
    return body


@pytest.mark.parametrize(
    ("base", "quote", "picked", "symbol"),
    [
        (WETH, MEME, MEME, "MEME"),  # the meme is on the quote side: it is the token
        (MEME, WETH, MEME, "WETH"),  # the usual way round (the name is made up to show which side is read)
        (WETH, USDC, WETH, "WETH"),  # both are quote assets: the base side
        (MEME, "0x" + "cd" * 20, MEME, "WETH"),  # neither is: the base side
        (WETH, None, WETH, "WETH"),  # no quote side given
    ],
)
def test_new_pools_pick_the_side_that_is_not_a_quote_asset(base: str, quote: str | None, picked: str, symbol: str):
    session, _ = fake_session(always(200, pool_with_sides(base, quote)))
    (candidate,) = GeckoTerminalSource(session, BASE, FAST_LIMITS).new_pools("ethereum").items
    assert (candidate.address, candidate.symbol) == (picked, symbol)


def test_new_pools_keep_the_reserve_and_the_trades_of_the_pool() -> None:
    body = pool_with_sides(MEME, WETH)
    attributes = body["data"][0]["attributes"]
    attributes.update(reserve_in_usd="12.34", transactions={"h24": {"buys": 3, "sells": "2"}})
    session, _ = fake_session(always(200, body))
    (candidate,) = GeckoTerminalSource(session, BASE, FAST_LIMITS).new_pools("ethereum").items
    assert (candidate.pool_reserve_usd, candidate.pool_trades_h24) == (12.34, 5)
    attributes.update(reserve_in_usd="-9.1", transactions=None)
    session, _ = fake_session(always(200, body))
    (candidate,) = GeckoTerminalSource(session, BASE, FAST_LIMITS).new_pools("ethereum").items
    assert (candidate.pool_reserve_usd, candidate.pool_trades_h24) == (None, None)


def test_ohlcv_asks_for_empty_intervals() -> None:
    session, transport = fake_session(always(200, load_fixture("geckoterminal_ohlcv")))
    GeckoTerminalSource(session, BASE, FAST_LIMITS).ohlcv("ethereum", "0xabc", "minute", 100, 5)
    query = parse_qs(urlsplit(transport.requests[0].url).query)
    assert query["include_empty_intervals"] == ["true"] and query["aggregate"] == ["5"]


def test_ohlcv_comes_back_oldest_first() -> None:
    session, _ = fake_session(always(200, load_fixture("geckoterminal_ohlcv")))
    candles = GeckoTerminalSource(session, BASE, FAST_LIMITS).ohlcv("ethereum", "0xabc", "day").items
    assert [c.ts for c in candles] == [1712448000, 1712534400]
    assert candles[1].close == pytest.approx(3660.85954963415)


def goplus(body: object, batch_size: int = 20) -> tuple[GoPlusSecurity, object]:
    session, transport = fake_session(always(200, body))
    return GoPlusSecurity(session, BASE, FAST_LIMITS, batch_size=batch_size), transport


def test_goplus_evm_flags_become_booleans_and_missing_keys_unknown() -> None:
    source, transport = goplus(load_fixture("goplus_token_security_evm"))
    (report,) = source.token_security("ethereum", [KOKO.upper().replace("0X", "0x")]).items
    assert transport.paths() == ["/token_security/1"]
    assert report.indexed
    assert report.flag("is_honeypot") is True
    assert report.flag("hidden_owner") is True
    assert report.flag("is_proxy") is False
    assert report.flag("is_airdrop_scam") is None  # not in the answer: unknown, never "no"
    assert report.sell_tax == 0.0
    assert report.holder_count == 40
    assert report.creator_honeypots == 1
    assert report.lp_holders[0].is_locked is True


def test_goplus_taxes_are_fractions() -> None:
    body = load_fixture("goplus_token_security_evm")
    body["result"][KOKO]["sell_tax"] = "0.35"
    body["result"][KOKO]["buy_tax"] = ""
    source, _ = goplus(body)
    (report,) = source.token_security("ethereum", [KOKO]).items
    assert report.sell_tax == pytest.approx(0.35)
    assert report.buy_tax is None  # an empty tax means GoPlus could not measure it


def test_goplus_address_absent_from_result_is_unindexed() -> None:
    other = "0x" + "1" * 40
    source, _ = goplus(load_fixture("goplus_token_security_evm"))
    reports = {r.address: r for r in source.token_security("ethereum", [KOKO, other]).items}
    assert reports[KOKO].indexed
    assert not reports[other].indexed
    assert all(value is None for value in reports[other].flags.values())


def test_goplus_batches_every_address_of_a_chain_in_one_call() -> None:
    addresses = [f"0x{i:040x}" for i in range(1, 21)]
    source, transport = goplus({"code": 1, "message": "OK", "result": {}})
    assert len(source.token_security("bsc", addresses).items) == 20
    (request,) = transport.requests
    assert parse_qs(urlsplit(request.url).query)["contract_addresses"] == [",".join(addresses)]
    with pytest.raises(ValueError, match="1 to 20"):
        source.token_security("bsc", [*addresses, "0x" + "f" * 40])


def test_goplus_solana_status_objects_map_onto_flags() -> None:
    source, transport = goplus(load_fixture("goplus_token_security_solana_composed"))
    (report,) = source.token_security("solana", [BONK]).items
    assert transport.paths() == ["/solana/token_security"]
    assert report.indexed
    assert report.flag("is_mintable") is False
    assert report.flag("freezable") is False
    assert report.flag("metadata_mutable") is True


def test_goplus_malformed_entry_counts_as_skipped_and_unindexed() -> None:
    source, _ = goplus({"code": 1, "message": "OK", "result": {KOKO: "garbage"}})
    batch = source.token_security("ethereum", [KOKO])
    assert batch.skipped == 1
    assert not batch.items[0].indexed


def test_goplus_trust_list_and_dex_pools_are_read_on_evm() -> None:
    body = load_fixture("goplus_token_security_evm")
    body["result"][KOKO]["trust_list"] = "1"
    source, _ = goplus(body)
    (report,) = source.token_security("ethereum", [KOKO]).items
    assert report.flag("trusted_token") is True
    (pool,) = report.dex_pools
    assert (pool.name, pool.pair, pool.liquidity_usd) == (
        "UniswapV2",
        "0x020bbfdedb16d290dfbc1b6f1cbe08e27a152a6e",
        pytest.approx(0.00152942),
    )


def test_goplus_solana_holders_are_read_per_owner_and_the_pool_tvl_is_kept() -> None:
    body = load_fixture("goplus_token_security_solana_composed")
    entry = body["result"][BONK]
    entry["holders"] = [
        {"account": "OwnerA", "token_account": "AccountA1", "percent": "0.25", "is_locked": 0, "tag": ""},
        {"account": "OwnerA", "token_account": "AccountA2", "percent": "0.22", "is_locked": 0, "tag": ""},
        {"token_account": "AccountB", "percent": "0.30", "is_locked": 0, "tag": ""},
    ]
    source, _ = goplus(body)
    (report,) = source.token_security("solana", [BONK]).items
    assert [h.address for h in report.holders] == ["OwnerA", "OwnerA", "AccountB"]
    assert report.flag("trusted_token") is True
    assert report.dex_pools[0].liquidity_usd == pytest.approx(10654640.907774487)
