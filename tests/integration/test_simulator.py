"""The simulator keeps the reference shapes and the published limits, and obeys its controls."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from werkzeug.test import Client

from tests.support import load_fixture
from token_discovery.simulator import SimulatorApp
from token_discovery.simulator.security import security_entry
from token_discovery.simulator.universe import INITIAL_TOKENS


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> SimulatorApp:
    return SimulatorApp(seed=7, clock=clock)


@pytest.fixture
def http(sim: SimulatorApp) -> Client:
    return Client(sim)


def json_kind(value: Any) -> str:
    """The JSON type of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def assert_same_shape(actual: Any, reference: Any, where: str = "$") -> None:
    """Every key of `actual` exists in `reference` with the same JSON type (null allowed both ways)."""
    kinds = {json_kind(actual), json_kind(reference)}
    assert len(kinds - {"null"}) <= 1, f"{where}: {json_kind(actual)} where the reference has {json_kind(reference)}"
    if isinstance(actual, dict) and isinstance(reference, dict):
        for key, value in actual.items():
            assert key in reference, f"{where}.{key} is not in the reference payload"
            assert_same_shape(value, reference[key], f"{where}.{key}")
    elif isinstance(actual, list) and isinstance(reference, list) and actual and reference:
        for item in actual[:5]:
            assert_same_shape(item, reference[0], f"{where}[]")


def get(http: Client, path: str) -> Any:
    response = http.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def a_token(http: Client, chain: str) -> dict[str, Any]:
    """A profile item on a chain."""
    return next(item for item in get(http, "/token-profiles/latest/v1") if item["chainId"] == chain)


def test_profiles_and_boosts_are_arrays_shaped_like_the_captures(http: Client) -> None:
    profiles = get(http, "/token-profiles/latest/v1")
    boosts = get(http, "/token-boosts/latest/v1")
    assert isinstance(profiles, list) and len(profiles) == 30
    reference = {
        **load_fixture("dexscreener_token_profiles_latest")[1],
        "links": [{"type": "", "label": "", "url": ""}],
    }
    for item in profiles:
        assert_same_shape(item, reference)
        assert {"url", "chainId", "tokenAddress"} <= item.keys()
    boost_ref = {**load_fixture("dexscreener_token_boosts_latest")[0], **reference}
    for item in boosts:
        assert_same_shape(item, boost_ref)
        assert isinstance(item["amount"], int | float) and isinstance(item["totalAmount"], int | float)


def test_tokens_v1_pairs_are_shaped_like_the_capture_with_string_prices(http: Client) -> None:
    reference = {**load_fixture("dexscreener_pairs")["pairs"][0], **load_fixture("dexscreener_tokens_v1")[0]}
    reference["info"]["socials"] = [{"type": "", "url": ""}]
    reference.update(fdv=1.0, marketCap=1.0, boosts={"active": 1}, labels=["v2"])
    for chain in ("solana", "ethereum", "bsc", "base"):
        address = a_token(http, chain)["tokenAddress"]
        pairs = get(http, f"/tokens/v1/{chain}/{address}")
        assert isinstance(pairs, list) and pairs
        for pair in pairs:
            assert_same_shape(pair, reference)
            assert isinstance(pair["priceUsd"], str) and isinstance(pair["priceNative"], str)
            assert isinstance(pair["pairCreatedAt"], int)


def test_young_pairs_show_equal_h1_h6_h24(http: Client) -> None:
    (token,) = http.post(
        "/_sim/tokens", json=[{"chain": "base", "name": "Y", "symbol": "Y", "age_minutes": 20}]
    ).get_json()
    (pair,) = get(http, f"/tokens/v1/base/{token['address']}")
    for field in ("volume", "priceChange", "txns"):
        if "h1" in pair.get(field, {}):
            assert pair[field]["h1"] == pair[field]["h6"] == pair[field]["h24"], field


def test_new_pools_and_ohlcv_are_shaped_like_the_captures(http: Client) -> None:
    reference = load_fixture("geckoterminal_new_pools")
    trades = reference["data"][0]["attributes"]["transactions"]
    windows = reference["data"][0]["attributes"]["price_change_percentage"]
    trades.update(dict.fromkeys(windows, trades["m5"]))  # the capture was trimmed to m5 and h24
    volume = reference["data"][0]["attributes"]["volume_usd"]
    volume.update(dict.fromkeys(windows, "0"))
    body = get(http, "/api/v2/networks/new_pools?include=base_token")
    assert len(body["data"]) == 20
    assert_same_shape(body, reference)
    networks = {item["id"].rsplit("_", 1)[0] for item in get(http, "/api/v2/networks/new_pools?page=2")["data"]}
    assert networks <= {"solana", "eth", "bsc", "base"}
    pool = next(p for p in body["data"] if p["id"].startswith("eth_"))["attributes"]["address"]
    candles = get(http, f"/api/v2/networks/eth/pools/{pool}/ohlcv/minute?limit=50")
    assert_same_shape(candles, load_fixture("geckoterminal_ohlcv"))
    stamps = [row[0] for row in candles["data"]["attributes"]["ohlcv_list"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first, as documented


def test_new_pools_refuse_pages_past_ten(http: Client) -> None:
    assert http.get("/api/v2/networks/new_pools?page=11").status_code == 400
    assert http.get("/api/v2/networks/nochain/new_pools").status_code == 404


def test_goplus_answers_are_shaped_like_the_references(sim: SimulatorApp, http: Client) -> None:
    evm_ref = load_fixture("goplus_token_security_evm")["result"]["0x4e7e15a6b83718ba79674cc4ce09f7d4a631ec2c"]
    sol_ref = load_fixture("goplus_token_security_solana_composed")
    sol_ref = next(iter(sol_ref["result"].values()))
    fee = {"fee_rate": "", "maximum_fee": ""}  # the documented non-empty form
    sol_ref["transfer_fee"] = {"current_fee_rate": fee, "scheduled_fee_rate": [{"epoch": "", **fee}]}
    tokens = sim.universe.tokens()
    for token in tokens:
        entry = security_entry(token)
        if entry is not None:
            assert_same_shape(entry, evm_ref if token.evm else sol_ref, f"{token.chain}:{token.kind}")
    envelope = get(http, f"/api/v1/token_security/56?contract_addresses={a_token(http, 'bsc')['tokenAddress']}")
    assert envelope["code"] == 1 and isinstance(envelope["result"], dict)
    assert get(http, "/api/v1/token_security/999?contract_addresses=0x1")["code"] != 1


def test_the_universe_covers_every_risk_profile_on_four_chains(sim: SimulatorApp) -> None:
    tokens = sim.universe.tokens()
    assert len(tokens) == INITIAL_TOKENS
    assert set(Counter(t.chain for t in tokens)) >= {"solana", "ethereum", "bsc", "base"}
    kinds = Counter(t.kind for t in tokens)
    assert set(kinds) == {
        "clean", "honeypot", "high_tax", "mintable", "owner_privileged", "concentrated",
        "unlocked_liquidity", "unindexed", "closed_source", "creator_serial",
    }  # fmt: skip
    taxes = [t.sell_tax for t in tokens if t.kind == "high_tax"]
    assert min(taxes) >= 0.10 and max(taxes) <= 0.99
    assert all(security_entry(t) is None for t in tokens if t.kind == "unindexed")
    assert any(not t.links for t in tokens)  # tokens without socials
    ages = [sim.universe.now() - t.created_at for t in tokens]
    assert min(ages) < 3600 and max(ages) > 24 * 3600


def test_new_tokens_appear_as_time_passes(clock: FakeClock, http: Client) -> None:
    first = get(http, "/token-profiles/latest/v1")[0]["tokenAddress"]
    pools_before = get(http, "/api/v2/networks/new_pools")["data"][0]["id"]
    clock.now += 600
    newest = get(http, "/api/v2/networks/new_pools")["data"][0]["id"]
    assert newest != pools_before
    assert get(http, "/token-profiles/latest/v1")[0]["tokenAddress"] != first


def test_goplus_past_30_a_minute_answers_4029_in_an_http_200(clock: FakeClock, http: Client) -> None:
    path = "/api/v1/token_security/1?contract_addresses=0x" + "1" * 40
    codes = [http.get(path).get_json()["code"] for _ in range(31)]
    assert codes[:30] == [1] * 30 and codes[30] == 4029
    clock.now += 60.01
    assert http.get(path).get_json()["code"] == 1
    stats = http.get("/_sim/stats").get_json()
    assert stats["calls"]["goplus.token_security"] == 32
    assert stats["rate_limited"]["goplus.token_security"] == 1


def test_dexscreener_discovery_past_60_a_minute_is_a_429_with_retry_after(clock: FakeClock, http: Client) -> None:
    for n in range(60):
        path = "/token-profiles/latest/v1" if n % 2 else "/token-boosts/latest/v1"  # one shared limit
        assert http.get(path).status_code == 200
    refused = http.get("/token-profiles/latest/v1")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert http.get("/tokens/v1/solana/x").status_code == 200  # the market class has its own limit


def test_geckoterminal_past_30_a_minute_says_429_in_both_real_forms(http: Client) -> None:
    for _ in range(30):
        assert http.get("/api/v2/networks/new_pools").status_code == 200
    answers = [http.get("/api/v2/networks/new_pools") for _ in range(4)]
    assert {a.status_code for a in answers} == {200, 429}
    assert all(a.get_json()["status"]["error_code"] == 429 for a in answers)


def test_injected_tokens_lead_every_feed_and_reset_forgets_them(http: Client) -> None:
    spec = {
        "chain": "solana",
        "name": "Inject",
        "symbol": "INJ",
        "links": [{"type": "twitter", "url": "https://x.com/i"}],
    }
    (token,) = http.post("/_sim/tokens", json=[spec]).get_json()
    assert get(http, "/token-profiles/latest/v1")[0]["tokenAddress"] == token["address"]
    assert get(http, "/token-boosts/latest/v1")[0]["tokenAddress"] == token["address"]
    first_pool = get(http, "/api/v2/networks/solana/new_pools?include=base_token")["included"][0]
    assert first_pool["attributes"]["address"] == token["address"]
    assert http.post("/_sim/reset").status_code == 200
    assert http.get("/_sim/stats").get_json()["total_calls"] == 0
    assert get(http, "/token-profiles/latest/v1")[0]["tokenAddress"] != token["address"]


@pytest.mark.parametrize(
    "body",
    [{}, [], [{"chain": "dogechain", "name": "a", "symbol": "b"}], [{"chain": "solana", "symbol": "b"}],
     [{"chain": "base", "name": "a", "symbol": "b", "liquidity_usd": -1}], "not json"],
)  # fmt: skip
def test_bad_token_injections_are_400_and_change_nothing(http: Client, body: Any) -> None:
    before = get(http, "/token-profiles/latest/v1")[0]
    response = http.post("/_sim/tokens", data=body) if isinstance(body, str) else http.post("/_sim/tokens", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert get(http, "/token-profiles/latest/v1")[0] == before


def test_stats_list_every_route_with_zeros(http: Client) -> None:
    stats = http.get("/_sim/stats").get_json()
    assert set(stats["calls"]) == {
        "dexscreener.token_profiles", "dexscreener.token_boosts", "dexscreener.tokens",
        "geckoterminal.new_pools", "geckoterminal.ohlcv",
        "goplus.token_security", "goplus.solana_token_security", "telegram.send_message",
    }  # fmt: skip
    assert stats["total_calls"] == 0 and set(stats["rate_limited"].values()) == {0}


def test_unknown_paths_and_methods_get_json_errors(http: Client) -> None:
    assert http.get("/nope").status_code == 404
    assert http.post("/token-profiles/latest/v1").status_code == 405
    assert http.get("/tokens/v1/solana/" + ",".join(["a"] * 31)).status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/_sim/faults", {"route": "dexscreener.tokens", "mode": "drop"}, "drop and silent are for"),
        ("/_sim/faults", {"route": "pumpportal.stream", "mode": "429"}, "pumpportal.stream takes drop, silent"),
        ("/_sim/tokens", [{"chain": "base", "name": "A", "symbol": "A", "source": "pumpfun"}], "solana tokens only"),
        ("/_sim/tokens", [{"chain": "solana", "name": "A", "symbol": "A", "source": "moonshot"}], "source must be"),
        ("/_sim/tokens", [{"chain": "solana", "name": "A", "symbol": "A", "source": "pumpfun", "creator": "0x12"}],
         "creator must be a Solana address"),
        ("/_sim/tokens", [{"chain": "solana", "name": "A", "symbol": "A", "source": "pumpfun", "dev_buy_sol": 90}],
         "dev_buy_sol must be at most 85"),
        ("/_sim/migrations", [{"address": "NotLaunchedHere1111111111111111111111111pump"}], "launched on the stream"),
        ("/_sim/stream/replay", [1, 2], "array of 1 to 1000 strings"),
        ("/_sim/migrations", [{"address": []}], "objects with an address"),
        ("/_sim/tokens", [{"chain": [], "name": "A", "symbol": "A"}], "chain must be one of"),
        ("/_sim/tokens", [{"chain": "solana", "name": "A", "symbol": "A", "liquidity_usd": float("nan")}],
         "liquidity_usd must be a number from 0"),
        ("/_sim/tokens", [{"chain": "solana", "name": "A", "symbol": "A", "source": ["pumpfun"]}], "source must be"),
        ("/_sim/stream/replay", ["x"] * 1001, "array of 1 to 1000 strings"),
    ],
)  # fmt: skip
def test_bad_stream_controls_are_400_and_say_why(http: Client, path: str, body: Any, says: str) -> None:
    response = http.post(path, json=body)
    assert response.status_code == 400 and says in response.get_json()["error"]


def test_a_pump_launch_is_known_by_address_but_not_put_on_the_polled_feeds(http: Client, sim: SimulatorApp) -> None:
    before = get(http, "/token-profiles/latest/v1")
    answer = http.post(
        "/_sim/tokens", json=[{"chain": "solana", "name": "Curve", "symbol": "CRV", "source": "pumpfun"}]
    )
    address = answer.get_json()[0]["address"]
    assert answer.status_code == 201 and get(http, "/token-profiles/latest/v1") == before
    (pair,) = get(http, f"/tokens/v1/solana/{address}")
    assert pair["dexId"] == "pumpfun" and pair["baseToken"]["address"] == address
    assert http.post("/_sim/migrations", json=[{"address": address}]).get_json() == [{"address": address,
                                                                                       "delivered": 0}]  # fmt: skip
    assert get(http, f"/tokens/v1/solana/{address}")[0]["dexId"] == "pumpswap"
    stats = http.get("/_sim/stats").get_json()
    assert stats["connections"] == 0 and stats["stream"] == {"opened": 0, "sent": 0}
