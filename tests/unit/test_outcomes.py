"""Grading verdicts by what became of the tokens: checkpoints, rugs, and the two figures traders care about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from token_discovery.analysis.outcomes import Observation, observe, start_tracking, summarize, update_verdict
from token_discovery.scan.pipeline import ride_along

T0 = datetime(2026, 6, 1, tzinfo=UTC)
SEEN = Observation(liquidity_usd=50_000.0, price_usd=1.0, honeypot=False)


def tracked(level: str = "safe", seen: Observation = SEEN) -> dict:
    return start_tracking("base", "0x1", level, 0, seen, T0)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_token_is_first_due_an_hour_after_its_verdict() -> None:
    document = tracked()
    assert (document["outcome"], document["next_due"], document["checks"]) == ("unknown", at(1).isoformat(), {})


def test_a_token_that_keeps_its_liquidity_is_alive_and_followed_to_24_hours() -> None:
    document = observe(tracked(), Observation(45_000.0, 0.8, False), at(1))
    assert (document["outcome"], document["next_due"]) == ("alive", at(6).isoformat())
    document = observe(document, Observation(30_000.0, 0.5, False), at(6.2))
    assert document["next_due"] == at(24).isoformat()
    document = observe(document, Observation(20_000.0, 0.4, False), at(24.5))
    assert (document["outcome"], document["next_due"], sorted(document["checks"])) == (
        "alive",
        None,
        ["1h", "24h", "6h"],
    )


@pytest.mark.parametrize(
    ("seen", "why"),
    [
        (Observation(4_000.0, 0.9, False), "liquidity pulled 92%"),
        (Observation(40_000.0, 0.05, False), "price down 95%"),
        (Observation(40_000.0, 0.9, True), "became a honeypot"),
    ],
)
def test_a_rug_is_recorded_with_its_reason_and_is_final(seen: Observation, why: str) -> None:
    document = observe(tracked(), seen, at(1))
    assert (document["outcome"], document["rug_reason"], document["next_due"]) == ("rugged", why, None)
    assert document["checks"]["1h"]["rugged"] is True


def test_a_token_that_was_a_honeypot_from_the_start_did_not_become_one() -> None:
    document = observe(tracked(seen=Observation(50_000.0, 1.0, True)), Observation(45_000.0, 0.9, True), at(1))
    assert document["outcome"] == "alive"


def test_a_late_follow_up_covers_every_checkpoint_it_passed() -> None:
    document = observe(tracked(), Observation(1.0, 0.01, False), at(30))
    assert set(document["checks"]) == {"1h", "6h", "24h"} and document["outcome"] == "rugged"


def test_a_follow_up_that_saw_nothing_does_not_count_and_is_retried_then_given_up() -> None:
    document = observe(tracked(), Observation(None, None, None), at(1))
    assert (document["outcome"], document["checks"]) == ("unknown", {})
    assert document["next_due"] == at(1.5).isoformat()
    assert observe(document, Observation(None, None, None), at(40))["next_due"] is None


def test_without_a_baseline_the_first_follow_up_becomes_one_and_grades_nothing() -> None:
    document = observe(tracked(seen=Observation(None, None, None)), Observation(120.0, 0.001, False), at(1))
    assert document["outcome"] == "unknown" and document["baseline"]["liquidity_usd"] == 120.0  # a rug may be past
    assert observe(document, Observation(5.0, 0.001, False), at(6))["outcome"] == "rugged"
    assert observe(document, Observation(110.0, 0.001, False), at(6))["outcome"] == "alive"


def test_the_first_complete_verdict_is_graded_and_an_unknown_one_gives_way_before_the_first_follow_up() -> None:
    assert update_verdict(tracked("unknown"), "safe", 5, SEEN)["level"] == "safe"
    assert update_verdict(tracked("safe"), "risky", 60, SEEN)["level"] == "safe"  # the first complete call stays
    checked = observe(update_verdict(tracked("unknown"), "unknown", 5, SEEN), SEEN, at(1))
    assert update_verdict(checked, "risky", 80, SEEN)["level"] == "unknown"  # after a follow-up, nothing regrades


def test_a_verdict_given_on_drained_liquidity_does_not_grade_the_rug() -> None:
    drained = Observation(400.0, 0.02, False)
    assert update_verdict(tracked("unknown"), "risky", 90, drained)["level"] == "unknown"


def test_liquidity_is_compared_like_with_like() -> None:
    document = tracked(seen=Observation(50_000.0, None, False, "dexscreener"))
    assert observe(document, Observation(900.0, None, False, "goplus"), at(1))["outcome"] == "unknown"  # not measured
    assert observe(document, Observation(900.0, None, False, "geckoterminal"), at(1))["outcome"] == "rugged"


def test_the_summary_gives_the_safe_rug_rate_and_the_rug_catch_rate() -> None:
    def graded(level: str, outcome: str) -> dict:
        return {"level": level, "outcome": outcome}

    documents = [graded("safe", "alive")] * 9 + [graded("safe", "rugged"), graded("safe", "unknown")]
    documents += [graded("risky", "rugged")] * 3 + [graded("unknown", "rugged"), graded("risky", "alive")]
    report = summarize(documents)
    assert report["levels"]["safe"] == {"tokens": 11, "rugged": 1, "alive": 9, "unknown": 1}
    assert report["safe_rug_rate"] == 0.1  # 1 of the 10 graded safe tokens
    assert report["rug_catch_rate"] == 0.6  # 3 of the 5 rugs had been called risky
    assert summarize([])["safe_rug_rate"] is None and summarize([])["rug_catch_rate"] is None


def test_follow_ups_ride_only_in_the_room_left_in_each_chains_last_batch() -> None:
    keys = [("base", f"0x{i}") for i in range(18)] + [("solana", "Mint1")]
    extra = [("base", "0xa"), ("base", "0xb"), ("base", "0xc"), ("solana", "Mint2"), ("bsc", "0xd")]
    riders = ride_along(keys, extra, batch=20)
    assert riders == [("base", "0xa"), ("base", "0xb"), ("solana", "Mint2")]  # bsc has no batch to ride in
    assert ride_along([("base", f"0x{i}") for i in range(20)], extra, batch=20) == []  # a full batch has no room
