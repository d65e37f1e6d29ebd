"""A watcher's rules: read with errors naming the field, and matched per rule against stored tokens."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from token_discovery.signals.rules import RuleError, Rules

NOW = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
TWO_HOURS_AGO = (NOW - timedelta(hours=2)).isoformat()


def record(**changes: Any) -> dict[str, Any]:
    """A stored token (a TokenRecord as JSON): a safe-looking Solana token 30 minutes old."""
    base: dict[str, Any] = {
        "seq": 7, "token_address": "So1ana", "token_chain": "solana", "risk_score": 12, "risk_level": "safe",
        "token_data": {
            "name": "Happy Whale", "symbol": "HAPPWHAL",
            "pool_created_at": (NOW - timedelta(minutes=30)).isoformat(),
            "market": {"pair_created_at": (NOW - timedelta(minutes=30)).isoformat(),
                       "txns": {"h1": {"buys": 129, "sells": 40}}},
            "security": {"flags": {"is_mintable": False, "is_proxy": None, "is_open_source": True}},
            "analysis": {"evidence": {"liquidity_usd": 45_000.0, "lp_locked_share": 1.0}},
        },
    }  # fmt: skip
    merged = copy.deepcopy(base)
    for path, value in changes.items():
        target = merged
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return merged


# One row per rule: the rules, a token that matches them, one that does not, and the reason given.
TABLE = [
    ({"chains": ["solana", "base"]}, record(), record(token_chain="bsc"), "on solana"),
    ({"levels": ["safe"]}, record(), record(risk_level="unknown"), "verdict safe"),
    ({"max_score": 20}, record(), record(risk_score=21), "risk score 12 <= 20"),
    ({"min_liquidity_usd": 10_000}, record(), record(token_data__analysis__evidence__liquidity_usd=9_999.0),
     "liquidity $45,000 >= $10,000"),
    ({"min_liquidity_usd": 10_000}, record(), record(token_data__analysis__evidence__liquidity_usd=None), None),
    ({"max_age_minutes": 60}, record(), record(token_data__market__pair_created_at=TWO_HOURS_AGO), "30 minutes old"),
    ({"min_buys_h1": 100}, record(), record(token_data__market__txns__h1__buys=99), "129 buys in the last hour"),
    ({"min_buys_h1": 100}, record(), record(token_data__market__txns={}), None),
    ({"pattern": "whale"}, record(), record(token_data__name="Sad Fish", token_data__symbol="FISH"),
     "name 'Happy Whale' matches 'whale'"),
    ({"pattern": "happ*al"}, record(), record(token_data__symbol="XHAPPWHALX", token_data__name="X"),
     "symbol 'HAPPWHAL' matches 'happ*al'"),
    ({"exclude_flags": ["mintable"]}, record(), record(token_data__security__flags__is_mintable=True),
     "none of: mintable"),
    ({"exclude_flags": ["closed_source"]}, record(), record(token_data__security__flags__is_open_source=False),
     "none of: closed_source"),
    ({"exclude_flags": ["unlocked_lp"]}, record(), record(token_data__analysis__evidence__lp_locked_share=0.2),
     "none of: unlocked_lp"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "matching", "failing", "reason"), TABLE)
def test_each_rule_takes_what_it_names_and_only_that(
    raw: dict, matching: dict, failing: dict, reason: str | None
) -> None:
    rules = Rules.from_json(raw)
    why = rules.match(matching, NOW)
    assert why is not None and rules.match(failing, NOW) is None
    if reason is not None:
        assert why == [reason]


def test_every_rule_must_hold_and_each_says_why() -> None:
    rules = Rules.from_json({"chains": ["solana"], "levels": ["safe", "unknown"], "max_score": 30,
                             "min_buys_h1": 10, "exclude_flags": ["honeypot", "proxy"]})  # fmt: skip
    assert rules.match(record(), NOW) == ["on solana", "verdict safe", "risk score 12 <= 30",
                                          "129 buys in the last hour", "none of: honeypot, proxy"]  # fmt: skip
    assert rules.match(record(risk_score=31), NOW) is None


def test_unknown_evidence_never_matches_an_exclusion_as_present_nor_a_threshold_as_met() -> None:
    unknown_flags = record(token_data__security=None)  # no security at all: nothing is known to be set
    assert Rules.from_json({"exclude_flags": ["mintable"]}).match(unknown_flags, NOW) is not None
    no_age = record(token_data__market__pair_created_at=None, token_data__pool_created_at=None)
    assert Rules.from_json({"max_age_minutes": 600}).match(no_age, NOW) is None


def test_risk_changed_watchers_take_only_updates_whose_level_changed() -> None:
    changed = Rules.from_json({"risk_changed": True, "levels": ["risky"]})
    assert changed.match(record(risk_level="risky"), NOW) is None  # a new token is not a change
    assert changed.match(record(risk_level="risky"), NOW, level_changed=True) == ["its risk level changed",
                                                                                    "verdict risky"]  # fmt: skip
    assert Rules.from_json({}).match(record(), NOW, level_changed=True) is None


def test_no_rules_match_every_new_token() -> None:
    assert Rules.from_json({}).match(record(), NOW) == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ([], "rules must be a JSON object"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"chains": "solana"}, "chains must be a list"),
        ({"chains": ["solana", "tron"]}, "chains: unknown tron"),
        ({"levels": ["great"]}, "levels: unknown great"),
        ({"max_score": 101}, "max_score must be an integer between 0 and 100"),
        ({"max_score": 5.5}, "max_score must be an integer"),
        ({"max_score": True}, "max_score must be an integer"),
        ({"min_liquidity_usd": -1}, "min_liquidity_usd must be a number"),
        ({"max_age_minutes": "60"}, "max_age_minutes must be a number"),
        ({"min_buys_h1": -3}, "min_buys_h1 must be an integer"),
        ({"pattern": ""}, "pattern must be a text"),
        ({"pattern": "x" * 65}, "pattern must be a text of 1 to 64"),
        ({"pattern": "*a*b*c*d*"}, "pattern may hold at most 4 wildcards"),
        ({"exclude_flags": ["rugpull"]}, "exclude_flags: unknown rugpull"),
        ({"risk_changed": "yes"}, "risk_changed must be true or false"),
    ],
)
def test_bad_rules_are_refused_with_the_field_named(raw: Any, field: str) -> None:
    with pytest.raises(RuleError, match=field.replace("(", r"\(").replace(")", r"\)")):
        Rules.from_json(raw)


def test_rules_read_back_as_given() -> None:
    raw = {"chains": ["base", "solana"], "max_score": 40, "pattern": "dog*", "exclude_flags": ["mintable"]}
    assert Rules.from_json(raw).to_json() == raw
    assert Rules.from_json(Rules.from_json(raw).to_json()) == Rules.from_json(raw)
