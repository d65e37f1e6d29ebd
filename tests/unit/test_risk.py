"""Risk rules: one table row per rule, properties of the score, and the simulator's tokens judged right."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from token_discovery.analysis import DEFAULT_POLICY as POLICY
from token_discovery.analysis import RULES, Evidence, Policy, assess, evaluate
from token_discovery.analysis.risk import REQUIRED_FLAGS
from token_discovery.models import SECURITY_FLAGS, Candidate, Candle, Holder, Link, MarketData, SecurityReport

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CLEAN_FLAGS = {**dict.fromkeys(SECURITY_FLAGS, False), "is_open_source": True, "is_in_dex": True}
CLEAN = Evidence(chain="base", age_hours=5.0, has_security=True, flags=CLEAN_FLAGS, buy_tax=0.0, sell_tax=0.0,
                 has_market=True, liquidity_usd=50_000.0, links=2, lp_locked_share=1.0)  # fmt: skip


def with_flag(name: str, value: bool | None) -> Evidence:
    return replace(CLEAN, flags={**CLEAN_FLAGS, name: value})


# (code, evidence that fires it, evidence read)
RULE_TABLE = [
    ("honeypot", with_flag("is_honeypot", True), {"is_honeypot": True}),
    ("cannot_sell_all", with_flag("cannot_sell_all", True), {"cannot_sell_all": True}),
    ("non_transferable", with_flag("non_transferable", True), {"non_transferable": True}),
    ("owner_change_balance", with_flag("owner_change_balance", True), {"owner_change_balance": True}),
    ("cannot_buy", with_flag("cannot_buy", True), {"cannot_buy": True}),
    ("closed_source", with_flag("is_open_source", False), {"is_open_source": False}),
    ("hidden_owner", with_flag("hidden_owner", True), {"hidden_owner": True}),
    ("ownership_reclaimable", with_flag("can_take_back_ownership", True), {"can_take_back_ownership": True}),
    ("selfdestruct", with_flag("selfdestruct", True), {"selfdestruct": True}),
    ("mintable", with_flag("is_mintable", True), {"is_mintable": True}),
    ("freezable", with_flag("freezable", True), {"freezable": True}),
    ("transfer_pausable", with_flag("transfer_pausable", True), {"transfer_pausable": True}),
    ("tax_modifiable", with_flag("slippage_modifiable", True), {"slippage_modifiable": True}),
    ("blacklist", with_flag("is_blacklisted", True), {"is_blacklisted": True}),
    ("transfer_hook", with_flag("transfer_hook", True), {"transfer_hook": True}),
    ("proxy", with_flag("is_proxy", True), {"is_proxy": True}),
    ("trading_cooldown", with_flag("trading_cooldown", True), {"trading_cooldown": True}),
    ("external_call", with_flag("external_call", True), {"external_call": True}),
    ("metadata_mutable", with_flag("metadata_mutable", True), {"metadata_mutable": True}),
    ("sell_tax_prohibitive", replace(CLEAN, sell_tax=0.5), {"sell_tax": 0.5}),
    ("sell_tax_high", replace(CLEAN, sell_tax=0.35), {"sell_tax": 0.35}),
    ("buy_tax_high", replace(CLEAN, buy_tax=0.12), {"buy_tax": 0.12}),
    ("serial_creator", replace(CLEAN, creator_honeypots=2), {"creator_honeypots": 2}),
    ("serial_launcher", replace(CLEAN, creator_launches_24h=3), {"creator_launches_24h": 3}),
    ("creator_launch_buy_high", replace(CLEAN, creator_launch_buy=0.79), {"creator_launch_buy": 0.79}),
    ("holder_concentrated", replace(CLEAN, top_holder_percent=0.4, top_holder_address="0xw"),
     {"top_holder_percent": 0.4, "address": "0xw"}),
    ("owner_share_high", replace(CLEAN, owner_percent=0.3), {"owner_percent": 0.3}),
    ("creator_share_high", replace(CLEAN, creator_percent=0.15), {"creator_percent": 0.15}),
    ("liquidity_unlocked", replace(CLEAN, lp_locked_share=0.1), {"lp_locked_share": 0.1}),
    ("liquidity_below_floor", replace(CLEAN, liquidity_usd=12.0, liquidity_source="dexscreener"),
     {"liquidity_usd": 12.0, "source": "dexscreener", "floor_usd": 1000.0}),
    ("liquidity_thin", replace(CLEAN, liquidity_usd=3000.0, liquidity_source="goplus"),
     {"liquidity_usd": 3000.0, "source": "goplus", "floor_usd": 1000.0}),
    ("no_trades_24h", replace(CLEAN, trades_h24=0), {"trades_h24": 0}),
    ("no_socials", replace(CLEAN, links=0), {"links": 0}),
    ("price_crash", replace(CLEAN, price_change_h24=-80.0), {"price_change_h24": -80.0}),
    ("rsi_overbought", replace(CLEAN, rsi=91.0), {"rsi": 91.0}),
    ("rsi_oversold", replace(CLEAN, rsi=9.0), {"rsi": 9.0}),
    ("macd_bearish", replace(CLEAN, macd_histogram=-0.2), {"macd_histogram": -0.2}),
    ("volume_collapsing", replace(CLEAN, volume_trend=0.1), {"volume_trend": 0.1}),
]  # fmt: skip


def reason(verdict, code):
    return next((r for r in verdict.reasons if r.code == code), None)


def test_every_rule_has_a_row() -> None:
    assert {rule.code for rule in RULES} == {code for code, _, _ in RULE_TABLE}


@pytest.mark.parametrize(("code", "evidence", "read"), RULE_TABLE, ids=[row[0] for row in RULE_TABLE])
def test_each_rule_fires_with_its_evidence_and_label(code: str, evidence: Evidence, read: dict) -> None:
    verdict = evaluate(evidence)
    found = reason(verdict, code)
    assert found is not None, verdict.reasons
    assert found.evidence == read and found.label and found.points >= 0
    rule = next(r for r in RULES if r.code == code)
    assert verdict.score >= min(100, rule.points)
    if rule.severity in ("critical", "high"):
        assert verdict.level == "risky"
    assert reason(evaluate(CLEAN), code) is None


def test_the_clean_token_is_safe_with_no_reason() -> None:
    verdict = evaluate(CLEAN)
    assert (verdict.level, verdict.score, verdict.reasons, verdict.mode) == ("safe", 0, (), "market")


def test_sell_tax_label_reads_like_a_person_wrote_it() -> None:
    assert reason(evaluate(replace(CLEAN, sell_tax=0.35)), "sell_tax_high").label == "Sell tax 35%"


@pytest.mark.parametrize("rule_code", ["rsi_oversold", "price_crash", "volume_collapsing", "macd_bearish"])
def test_market_rules_wait_until_the_token_is_two_hours_old(rule_code: str) -> None:
    _, evidence, _ = next(row for row in RULE_TABLE if row[0] == rule_code)
    young = replace(evidence, age_hours=1.0)
    assert evaluate(young).mode == "fraud" and reason(evaluate(young), rule_code) is None


@pytest.mark.parametrize(
    "evidence",
    [with_flag("is_honeypot", True), with_flag("cannot_sell_all", True), replace(CLEAN, sell_tax=0.5)],
)
def test_hard_failures_are_risky_whatever_else_holds(evidence: Evidence) -> None:
    assert evaluate(replace(evidence, links=5, liquidity_usd=1e9)).level == "risky"


def test_missing_security_is_unknown_never_safe() -> None:
    verdict = evaluate(Evidence(chain="base", age_hours=3.0, has_market=True, links=2, liquidity_usd=1e6))
    assert verdict.level == "unknown" and verdict.missing == ("security",)
    assert reason(verdict, "unverified").evidence == {"missing": ["security"]}


def test_a_pair_without_liquidity_next_to_clean_security_is_unknown() -> None:
    verdict = evaluate(replace(CLEAN, liquidity_usd=None))
    assert verdict.level == "unknown" and verdict.missing == ("liquidity",)


def test_twelve_dollars_of_liquidity_is_risky_on_its_own() -> None:
    verdict = evaluate(replace(CLEAN, liquidity_usd=12.0, liquidity_source="geckoterminal"))
    assert verdict.level == "risky"
    assert reason(verdict, "liquidity_below_floor").label == "Only $12 of liquidity per GeckoTerminal (floor $1,000)"
    dexscreener = evaluate(replace(CLEAN, liquidity_usd=707.1, liquidity_source="dexscreener"))
    assert reason(dexscreener, "liquidity_below_floor").label == "Only $707 of liquidity (floor $1,000)"


def test_the_liquidity_floor_is_the_operators_to_set() -> None:
    evidence = replace(CLEAN, liquidity_usd=8_000.0)
    assert evaluate(evidence).level == "safe"
    verdict = evaluate(evidence, Policy(liquidity_floor_usd=10_000.0))
    assert verdict.level == "risky" and reason(verdict, "liquidity_below_floor").evidence["floor_usd"] == 10_000.0


def test_a_pool_nobody_traded_is_risky_once_an_hour_old_and_unknown_before() -> None:
    assert evaluate(replace(CLEAN, trades_h24=0)).level == "risky"
    young = evaluate(replace(CLEAN, trades_h24=0, age_hours=0.2))
    assert young.level == "unknown" and young.missing == ("trades",) and reason(young, "no_trades_24h") is None


ESTABLISHED_POWERS = replace(
    CLEAN, flags={**CLEAN_FLAGS, "is_mintable": True, "is_blacklisted": True, "is_proxy": True}, lp_locked_share=0.0
)


@pytest.mark.parametrize(
    ("established", "why"),
    [
        (replace(ESTABLISHED_POWERS, trusted=True), "trust_list"),
        (replace(ESTABLISHED_POWERS, age_hours=24 * 400, liquidity_usd=5e6), "age_and_depth"),
    ],
)
def test_owner_powers_of_an_established_token_are_tempered_not_hidden(established: Evidence, why: str) -> None:
    assert evaluate(ESTABLISHED_POWERS).level == "risky"
    verdict = evaluate(established)
    assert verdict.level == "safe" and verdict.score == 0
    minted = reason(verdict, "mintable")
    assert minted.severity == "info" and minted.evidence["tempered_by"] == why
    assert "usual for an established token" in minted.label
    assert reason(verdict, "liquidity_unlocked").points == 0


@pytest.mark.parametrize(
    "trap", [with_flag("is_honeypot", True), replace(CLEAN, sell_tax=0.9), replace(CLEAN, buy_tax=0.2)]
)
def test_honeypots_and_taxes_are_never_tempered(trap: Evidence) -> None:
    verdict = evaluate(replace(trap, trusted=True, age_hours=24 * 400, liquidity_usd=5e6))
    assert verdict.level == "risky" and all(r.severity != "info" for r in verdict.reasons)


def test_solanas_key_authorities_are_tempered_only_by_the_trust_list() -> None:
    flags = {**dict.fromkeys(SECURITY_FLAGS), "is_mintable": True, "freezable": True, "owner_change_balance": False}
    old_deep = replace(CLEAN, chain="solana", flags=flags, age_hours=24 * 400, liquidity_usd=5e6)
    verdict = evaluate(old_deep)
    assert verdict.level == "risky" and reason(verdict, "mintable").severity == "high"
    assert evaluate(replace(old_deep, trusted=True)).level == "safe"


def test_an_owners_holding_is_tempered_only_by_the_trust_list() -> None:
    whale_owner = replace(CLEAN, owner_percent=0.6, age_hours=24 * 400, liquidity_usd=5e6)
    assert reason(evaluate(whale_owner), "owner_share_high").severity == "medium"
    assert reason(evaluate(replace(whale_owner, trusted=True)), "owner_share_high").severity == "info"


def test_a_young_deep_pool_is_not_established() -> None:
    verdict = evaluate(replace(ESTABLISHED_POWERS, age_hours=24 * 3, liquidity_usd=5e6))
    assert verdict.level == "risky"


def test_solana_is_judged_on_its_authorities() -> None:
    flags = {**dict.fromkeys(SECURITY_FLAGS), "is_mintable": False, "freezable": False, "owner_change_balance": False}
    solana = replace(CLEAN, chain="solana", flags=flags)
    assert evaluate(solana).level == "safe"
    assert evaluate(replace(solana, flags={**flags, "freezable": None})).level == "unknown"


def test_evidence_round_trips_through_json_and_rescores_identically() -> None:
    evidence = replace(CLEAN, sell_tax=0.2, rsi=15.0, top_holder_percent=0.3, top_holder_address="0xw")
    assert evaluate(Evidence.from_json(evidence.to_json())) == evaluate(evidence)


flag_values = st.one_of(st.none(), st.booleans())
evidences = st.builds(
    Evidence,
    chain=st.sampled_from(["base", "solana"]),
    age_hours=st.one_of(st.none(), st.floats(0, 1000)),
    has_security=st.booleans(),
    flags=st.dictionaries(st.sampled_from(SECURITY_FLAGS), flag_values),
    buy_tax=st.one_of(st.none(), st.floats(0, 1)),
    sell_tax=st.one_of(st.none(), st.floats(0, 1)),
    top_holder_percent=st.one_of(st.none(), st.floats(0, 1)),
    lp_locked_share=st.one_of(st.none(), st.floats(0, 1)),
    creator_honeypots=st.one_of(st.none(), st.integers(0, 5)),
    has_market=st.booleans(),
    liquidity_usd=st.one_of(st.none(), st.floats(0, 1e7)),
    links=st.integers(0, 5),
    rsi=st.one_of(st.none(), st.floats(0, 100)),
)


@given(evidences)
def test_the_score_stays_within_0_and_100(evidence: Evidence) -> None:
    assert 0 <= evaluate(evidence).score <= 100


@given(evidences, st.sampled_from(SECURITY_FLAGS))
def test_adding_a_risk_flag_never_lowers_the_score(evidence: Evidence, flag: str) -> None:
    bad = next(
        (r for r in RULES if r.check(with_flag(flag, True), POLICY) or r.check(with_flag(flag, False), POLICY)), None
    )
    if bad is None:
        return
    bad_value = bool(bad.check(with_flag(flag, True), POLICY))
    worse = replace(evidence, flags={**evidence.flags, flag: bad_value})
    assert evaluate(worse).score >= evaluate(evidence).score


@given(evidences)
def test_missing_evidence_never_yields_safe(evidence: Evidence) -> None:
    verdict = evaluate(evidence)
    if verdict.level == "safe":
        assert evidence.has_security and evidence.liquidity_usd is not None and evidence.sell_tax is not None
        family = "solana" if evidence.chain == "solana" else "evm"
        assert all(evidence.flags.get(flag) is not None for flag in REQUIRED_FLAGS[family])


def test_assess_gathers_holders_lp_and_candles_from_the_sources() -> None:
    candidate = Candidate("base", "0xabc", "dexscreener.token_profiles", links=(Link("twitter", "https://x.com/a"),))
    market = MarketData("base", "0xabc", "0xpair", "uniswap", "A", "A", "WETH", 1.0, 0.001, 50_000.0,
                        None, None, NOW - timedelta(hours=10))  # fmt: skip
    security = SecurityReport(
        "base", "0xabc", True, CLEAN_FLAGS, buy_tax=0.0, sell_tax=0.0,
        holders=(Holder("0xpool", 0.6, False, True), Holder("0xwhale", 0.3, False, False)),
        lp_holders=(Holder("0xdead", 0.2, True, False), Holder("0xdev", 0.8, False, False)),
    )  # fmt: skip
    candles = [Candle(i * 300, 1.0, 1.0, 1.0, 1.0 - i * 0.01, 100.0) for i in range(40)]
    verdict = assess(candidate, market, security, NOW, candles)
    codes = {r.code for r in verdict.reasons}
    assert {"holder_concentrated", "liquidity_unlocked", "rsi_oversold"} <= codes  # the pool contract is not a whale
    assert reason(verdict, "holder_concentrated").evidence["address"] == "0xwhale"
