"""Risk rules v1: explainable scores, and nothing unverified is ever called safe."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from token_discovery.analysis import assess
from token_discovery.models import SECURITY_FLAGS, Candidate, Holder, Link, MarketData, SecurityReport

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CANDIDATE = Candidate(
    "base", "0xabc", "dexscreener.token_profiles", name="A", links=(Link("twitter", "https://x.com/a"),)
)
CLEAN_FLAGS = {**dict.fromkeys(SECURITY_FLAGS, False), "is_open_source": True, "is_in_dex": True}


def market(age: timedelta = timedelta(hours=5), liquidity: float = 50_000.0) -> MarketData:
    return MarketData("base", "0xabc", "0xpair", "uniswap", "A", "A", "WETH", 1.0, 0.001, liquidity,
                      None, None, NOW - age)  # fmt: skip


def security(**changes: object) -> SecurityReport:
    base = SecurityReport("base", "0xabc", True, dict(CLEAN_FLAGS), buy_tax=0.0, sell_tax=0.0)
    flags = changes.pop("flags", {})
    return replace(base, flags={**CLEAN_FLAGS, **flags}, **changes)  # type: ignore[arg-type]


def codes(verdict) -> set[str]:
    return {reason.code for reason in verdict.reasons}


def test_a_clean_verified_token_is_safe() -> None:
    verdict = assess(CANDIDATE, market(), security(), NOW)
    assert (verdict.level, verdict.score, verdict.mode) == ("safe", 0, "market")
    assert verdict.is_safe


def test_a_honeypot_is_risky_with_a_critical_reason() -> None:
    verdict = assess(CANDIDATE, market(), security(flags={"is_honeypot": True}), NOW)
    assert verdict.level == "risky" and verdict.score == 100
    assert verdict.reasons[0].code == "honeypot" and verdict.reasons[0].severity == "critical"
    assert verdict.reasons[0].evidence == {"is_honeypot": True}


def test_sell_taxes_from_ten_percent_are_risky() -> None:
    assert assess(CANDIDATE, market(), security(sell_tax=0.05), NOW).level == "safe"
    high = assess(CANDIDATE, market(), security(sell_tax=0.35), NOW)
    assert high.level == "risky" and "high_sell_tax" in codes(high)
    assert "35%" in next(r.message for r in high.reasons if r.code == "high_sell_tax")


def test_an_unindexed_token_is_unknown_never_safe() -> None:
    verdict = assess(CANDIDATE, market(), SecurityReport.unindexed("base", "0xabc"), NOW)
    assert verdict.level == "unknown" and verdict.missing == ("security",)
    assert "unverified" in codes(verdict)


def test_missing_security_or_market_is_unknown() -> None:
    assert assess(CANDIDATE, market(), None, NOW).level == "unknown"
    assert assess(CANDIDATE, None, security(), NOW).missing == ("market",)


def test_an_unanswered_key_check_blocks_safe() -> None:
    verdict = assess(CANDIDATE, market(), security(flags={"is_honeypot": None}), NOW)
    assert verdict.level == "unknown" and "is_honeypot" in verdict.missing


def test_solana_is_judged_on_its_authorities() -> None:
    solana = Candidate("solana", "Mint", "geckoterminal.new_pools", links=CANDIDATE.links)
    sol_flags = {
        **dict.fromkeys(SECURITY_FLAGS),
        "is_mintable": False,
        "freezable": False,
        "owner_change_balance": False,
    }
    report = SecurityReport("solana", "Mint", True, sol_flags, sell_tax=0.0)
    assert assess(solana, replace(market(), chain="solana", address="Mint"), report, NOW).level == "safe"
    frozen = replace(report, flags={**sol_flags, "freezable": True})
    assert assess(solana, replace(market(), chain="solana", address="Mint"), frozen, NOW).level == "risky"


def test_concentration_unlocked_liquidity_and_serial_creators_are_reasons() -> None:
    report = security(
        holders=(Holder("0xwhale", 0.45, False, False),),
        lp_holders=(Holder("0xdev", 0.9, False, False),),
        creator_honeypots=2,
    )
    verdict = assess(CANDIDATE, market(), report, NOW)
    assert {"concentrated_holder", "unlocked_liquidity", "serial_creator"} <= codes(verdict)
    assert verdict.level == "risky"


def test_young_tokens_are_judged_in_fraud_mode() -> None:
    assert assess(CANDIDATE, market(age=timedelta(minutes=30)), security(), NOW).mode == "fraud"


@given(
    flags=st.dictionaries(st.sampled_from(SECURITY_FLAGS), st.one_of(st.none(), st.booleans())),
    indexed=st.booleans(),
    sell_tax=st.one_of(st.none(), st.floats(0, 1)),
)
def test_safe_only_when_every_required_check_is_known(flags: dict, indexed: bool, sell_tax: float | None) -> None:
    report = SecurityReport("base", "0xabc", indexed, {**dict.fromkeys(SECURITY_FLAGS), **flags}, sell_tax=sell_tax)
    verdict = assess(CANDIDATE, market(), report, NOW)
    assert 0 <= verdict.score <= 100
    if verdict.level == "safe":
        assert indexed and sell_tax is not None and sell_tax < 0.10
        assert flags.get("is_honeypot") is False and flags.get("is_open_source") is True
