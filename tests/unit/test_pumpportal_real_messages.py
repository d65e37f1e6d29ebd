"""Recorded PumpPortal stream messages (tests/fixtures/real/pumpportal, sources in SOURCES.md) read as they were
meant: creations with their curves, migrations, acknowledgements and errors; the rest is malformed, never fatal."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from token_discovery.sources.parsing import Malformed
from token_discovery.sources.pumpportal import Creation, Migration, Notice, read_message

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "pumpportal"
SESSION = REAL / "session_2026-07-03.jsonl"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def session_frames() -> list[str]:
    return [json.loads(line)["raw"] for line in SESSION.read_text(encoding="utf-8").splitlines()]


def read(name: str) -> Creation | Migration | Notice:
    return read_message((REAL / name).read_text(encoding="utf-8"))


def kind_of(frame: str) -> str:
    try:
        return type(read_message(frame)).__name__
    except Malformed:
        return "Malformed"


def test_a_whole_recorded_session_reads_into_creations_migrations_and_notices() -> None:
    frames = session_frames()
    kinds = Counter(kind_of(frame) for frame in frames)
    assert len(frames) == 208
    # 197 pump and 1 bonk creates, less the 10 that name the USDC mint; 2 acks and 1 error
    assert kinds == {"Creation": 188, "Malformed": 10, "Migration": 7, "Notice": 3}
    refused = [json.loads(frame) for frame in frames if kind_of(frame) == "Malformed"]
    assert {item["mint"] for item in refused} == {USDC} and len({item["signature"] for item in refused}) == 10


def test_a_creation_named_blank_is_still_a_token_and_every_creator_is_read() -> None:
    creations = [read_message(f) for f in session_frames() if kind_of(f) == "Creation"]
    (nameless,) = [c for c in creations if c.candidate.name is None]  # recorded with the name " "
    assert nameless.candidate.symbol is None and nameless.candidate.curve is not None
    assert all(c.candidate.chain == "solana" and c.candidate.source == "pumpportal.stream" for c in creations)
    assert all(c.candidate.curve is not None and c.candidate.curve.creator for c in creations)
    assert len({c.signature for c in creations}) == len(creations)


def test_a_fresh_curve_with_no_creator_buy_is_at_zero() -> None:
    message = read("create_65R6MSmd_2gr4Vt.json")
    assert isinstance(message, Creation) and message.candidate.name == "Cheese"
    curve = message.candidate.curve
    assert curve is not None and curve.pool == "pump" and curve.creator_buy_sol == 2.0
    assert curve.progress == pytest.approx(0.0846, abs=1e-4) and curve.creator_buy_share == pytest.approx(0.0671)
    assert curve.market_cap_sol == pytest.approx(31.81, abs=0.01)


def test_a_creator_who_buys_the_whole_curve_is_seen_and_its_migration_follows() -> None:
    created, migrated = read("create_zZeDJHdJ_5QXEhk.json"), read("migration_zZeDJHdJ_3q4VUP.json")
    assert isinstance(created, Creation) and isinstance(migrated, Migration)
    curve = created.candidate.curve
    assert curve is not None and curve.progress == 1.0 and curve.creator_buy_share == pytest.approx(0.7931)
    assert migrated.address == created.candidate.address and migrated.pool == "pump-amm"


def test_a_bonk_creation_has_no_pump_curve_but_keeps_its_market_cap_and_creator_buy() -> None:
    message = read("create_bonk_AvERHjDJ_4zbpdm.json")
    assert isinstance(message, Creation)
    curve = message.candidate.curve
    assert curve is not None and curve.pool == "bonk" and curve.progress is None
    assert curve.market_cap_sol == pytest.approx(30.44, abs=0.01) and curve.creator_buy_share == pytest.approx(0.0447)
    assert isinstance(read("create_bonk_BH7Z4zgB_5GUVDR.json"), Creation)


@pytest.mark.parametrize(
    "name",
    ["create_4a2xtYF2_522i1d.json", "create_6mWFH8QA_5h3eHr.json", "create_97QUsKyZ_4LhzBq.json",
     "create_9YjJJXrw_3JFR3n.json", "create_GWtb1VBP_5xUVxT.json"],
)  # fmt: skip
def test_creations_recorded_by_other_projects_read_too(name: str) -> None:
    message = read(name)
    assert isinstance(message, Creation) and message.candidate.curve is not None
    assert 0.0 <= (message.candidate.curve.progress or 0.0) <= 1.0


@pytest.mark.parametrize("name", ["migration_3GWsydsj_2jsBAY.json", "migration_8yo564u5_eim7s8.json"])
def test_migrations_recorded_by_other_projects_read_too(name: str) -> None:
    message = read(name)
    assert isinstance(message, Migration) and message.pool == "pump-amm"


def test_acknowledgements_are_notices_and_errors_are_errors() -> None:
    frames = session_frames()
    acks = [read_message(frames[0]), read_message(frames[1]), read("subscribe_ack_keys.json")]
    assert all(isinstance(a, Notice) and not a.error for a in acks)
    refused = read("error_invalid_api_key_pumpswap.json")
    assert isinstance(refused, Notice) and refused.error and "Invalid API key" in refused.text
    trades_refused = read_message(frames[7])  # after a trade subscription; under "message", not "errors"
    assert isinstance(trades_refused, Notice) and trades_refused.error


def test_a_trade_message_is_not_a_creation() -> None:
    with pytest.raises(Malformed, match="unknown message kind 'buy'"):
        read("trade_buy_5ygJ27k1_5EMqqR.json")


@pytest.mark.parametrize(
    "frame",
    ["", "not json", "[1,2]", "null", '{"txType": "create"}', '{"txType": "create", "mint": "0xabc"}',
     '{"txType": "migrate", "mint": "zZeDJHdJqKRob2vPYDpgDVAwJPZSppQ6VE3cmVqpump"}', "[" * 100_000,
     '{"message": 5}', '{"txType": "create", "mint": "' + "1" * 5000 + '"}', "x" * 20_000],
)  # fmt: skip
def test_hostile_or_broken_frames_are_malformed(frame: str) -> None:
    with pytest.raises(Malformed):
        read_message(frame)


def test_a_number_too_big_for_a_float_is_not_a_figure_and_never_an_error() -> None:
    item = json.loads((REAL / "create_65R6MSmd_2gr4Vt.json").read_text(encoding="utf-8"))
    message = read_message(json.dumps({**item, "initialBuy": int("9" * 400), "marketCapSol": int("1" * 400)}))
    assert isinstance(message, Creation) and message.candidate.curve is not None
    assert message.candidate.curve.creator_buy_share is None and message.candidate.curve.market_cap_sol is None
