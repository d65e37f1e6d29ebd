"""Real answers of the Telegram Bot API's sendMessage (tests/fixtures/real/telegram, sources in SOURCES.md).

Part one serves each recorded body, with the HTTP status it came with, from a real HTTP server on loopback to a
real TelegramChannel, and checks the outcome its kind must give: delivered; retried after the wait a 429 names;
refused for good with Telegram's description in the error and never the bot token. Part two sets the simulator's
answer for the same situation beside each recording: same status, same keys, same error_code, and the same
description (or its prefix where the detail depends on the text sent), the text parsed out of its HTML with its
entities, and a private chat's keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.recorded_upstream import REAL, RecordedUpstream, recorded_upstream
from token_discovery.signals.outbox import DELIVERED, Delivery, Outcome
from token_discovery.signals.telegram import TelegramChannel, message_text
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration

TELEGRAM = REAL / "telegram"
TOKEN = "123456789:AAHrealLookingTokenForTestsOnly_x9"
SEND = f"/bot{TOKEN}/sendMessage"
CHAT = "424242"
SIGNAL = {"id": "s", "watcher_name": "w", "matched": ["verdict risky"], "token": {"risk_level": "risky"}}
OK_2016 = "send_message_ok_private_chat_code_entity_2016.json"


@dataclass(frozen=True)
class Recording:
    """One recorded answer and what the channel must make of it."""

    name: str
    status: int  # the HTTP status it came with: stated by its source, or its error_code (SOURCES.md says which)
    expect: str  # "delivered", "retry" or "refused"
    wait: float = 0.0  # for "retry": the seconds to wait before the next attempt


RECORDINGS = [
    Recording(OK_2016, 200, "delivered"),
    Recording("error_400_chat_not_found.json", 400, "refused"),
    Recording("error_400_cant_parse_entities_end_of_name_token.json", 400, "refused"),
    Recording("error_400_cant_parse_entities_unsupported_start_tag.json", 400, "refused"),
    Recording("error_400_message_is_too_long.json", 400, "refused"),
    Recording("error_401_unauthorized.json", 401, "refused"),
    Recording("error_403_bot_blocked_by_user.json", 403, "refused"),
    Recording("error_429_retry_after_34.json", 429, "retry", 34.0),
    Recording("error_429_retry_after_2.json", 429, "retry", 2.0),
    Recording("error_429_retry_after_10072_over_an_hour.json", 429, "retry", 10072.0),
    # A 2016 answer, from before Telegram added `parameters`: the wait is only in the description ("retry after
    # 3"), which the channel does not read, so it waits its default 30 s: longer than asked, never sooner.
    Recording("error_429_no_parameters_2016.json", 429, "retry", 30.0),
]
STATUS = {r.name: r.status for r in RECORDINGS}


def raw(name: str) -> str:
    """A recording's exact text as Telegram sent it (compact JSON; the file adds a final newline)."""
    return (TELEGRAM / name).read_text(encoding="utf-8").rstrip("\n")


def body_of(name: str) -> dict[str, Any]:
    """A recording, parsed."""
    return json.loads(raw(name))


# ---- part one: each recording through a real TelegramChannel over HTTP ----------------------------------------------


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordedUpstream]:
    with recorded_upstream() as server:
        yield server


def send_through(upstream: RecordedUpstream, name: str) -> Outcome:
    """One Delivery sent by a real TelegramChannel to a server answering sendMessage with the recording."""
    upstream.answer(SEND, raw(name), STATUS[name])
    outcome = TelegramChannel(upstream.url, TOKEN, 5.0).send([Delivery("telegram", CHAT, SIGNAL)])
    assert upstream.requests[-1].startswith(SEND)
    return outcome


CASES = [pytest.param(r, id=r.name) for r in RECORDINGS]


@pytest.mark.parametrize("rec", CASES)
def test_each_real_answer_gives_the_outcome_its_kind_must(upstream, rec: Recording) -> None:
    outcome = send_through(upstream, rec.name)
    body = body_of(rec.name)
    if rec.expect == "delivered":
        assert outcome == DELIVERED
        return
    assert not outcome.delivered
    assert body["description"] in outcome.error
    assert TOKEN not in outcome.error and TOKEN.split(":")[1] not in outcome.error
    if rec.expect == "retry":
        assert outcome.retryable and outcome.retry_after == rec.wait, outcome
    else:
        assert not outcome.retryable, outcome


def test_every_real_429_is_retried_never_refused_for_good(upstream) -> None:
    for rec in (r for r in RECORDINGS if r.status == 429):
        outcome = send_through(upstream, rec.name)
        assert outcome.retryable and outcome.retry_after >= 1, (rec.name, outcome)


def test_every_telegram_recording_is_in_the_table_and_agrees_with_its_status() -> None:
    assert {p.name for p in TELEGRAM.glob("*.json")} == set(STATUS)
    for rec in RECORDINGS:
        body = body_of(rec.name)
        assert raw(rec.name) == json.dumps(body, separators=(",", ":"), ensure_ascii=False)  # as Telegram writes it
        if rec.expect == "delivered":
            assert rec.status == 200 and body["ok"] is True and set(body) == {"ok", "result"}
        else:
            assert body["ok"] is False and body["error_code"] == rec.status
            assert set(body) <= {"ok", "error_code", "description", "parameters"}


def test_the_byte_counts_recorded_with_the_answers_match_the_files() -> None:
    """Three sources kept the answer's Content-Length: each file is exactly that long, so it is the whole body."""
    recorded_lengths = {OK_2016: 447, "error_401_unauthorized.json": 58, "error_429_no_parameters_2016.json": 78}
    assert {name: len(raw(name).encode()) for name in recorded_lengths} == recorded_lengths


# ---- part two: the simulator's answers beside the real ones ---------------------------------------------------------


def sim_send(simulator: SimulatorServer, chat: int | str, text: str, token: str = TOKEN) -> tuple[int, dict[str, Any]]:
    """What the simulator answers the sendMessage TelegramChannel sends."""
    answer = requests.post(f"{simulator.url}/bot{token}/sendMessage", timeout=5,
                           json={"chat_id": chat, "text": text, "parse_mode": "HTML",
                                 "link_preview_options": {"is_disabled": True}})  # fmt: skip
    return answer.status_code, answer.json()


def assert_same_error_shape(name: str, status: int, sim: dict[str, Any]) -> None:
    """The simulator's error answer has the recording's HTTP status, keys and error_code."""
    real = body_of(name)
    assert status == STATUS[name], (status, sim)
    assert set(sim) == set(real), sim
    assert sim["ok"] is False and sim["error_code"] == real["error_code"]
    assert isinstance(sim["description"], str)


def test_the_simulators_sent_message_has_the_real_envelope_and_fields(simulator) -> None:
    real = body_of(OK_2016)
    status, sim = sim_send(simulator, int(CHAT), message_text([SIGNAL]))
    assert status == STATUS[OK_2016]
    assert set(sim) == set(real) == {"ok", "result"} and sim["ok"] is real["ok"] is True
    core = {"message_id", "from", "chat", "date", "text"}
    assert core <= set(real["result"]) and core <= set(sim["result"])
    for key in ("message_id", "date", "text"):
        assert type(sim["result"][key]) is type(real["result"][key]), key
    assert type(sim["result"]["chat"]["id"]) is type(real["result"]["chat"]["id"])
    assert sim["result"]["chat"]["type"] == real["result"]["chat"]["type"] == "private"
    # the simulator's bot also has is_bot, which the API added to User after this 2016 recording
    assert set(real["result"]["from"]) <= set(sim["result"]["from"])


def test_the_simulator_answers_the_sent_text_parsed_like_telegram(simulator) -> None:
    real = body_of(OK_2016)["result"]
    assert "`" not in real["text"] and real["entities"] == [{"type": "code", "offset": 145, "length": 10}]
    _, sim = sim_send(simulator, int(CHAT), "<b>bold</b> and plain")
    assert sim["result"]["text"] == "bold and plain" and sim["result"]["entities"][0]["type"] == "bold"


def test_the_simulators_private_chat_has_the_real_keys(simulator) -> None:
    _, sim = sim_send(simulator, int(CHAT), "plain")
    assert set(body_of(OK_2016)["result"]["chat"]) <= set(sim["result"]["chat"])


@pytest.mark.parametrize("chat", ["@nosuchchat", -1000000000404])
def test_the_simulators_chat_not_found_is_the_real_one(simulator, chat: int | str) -> None:
    status, sim = sim_send(simulator, chat, message_text([SIGNAL]))
    assert_same_error_shape("error_400_chat_not_found.json", status, sim)
    assert sim == body_of("error_400_chat_not_found.json")


def test_the_simulators_blocked_by_the_user_is_the_real_one(simulator) -> None:
    status, sim = sim_send(simulator, 403, message_text([SIGNAL]))
    assert_same_error_shape("error_403_bot_blocked_by_user.json", status, sim)
    assert sim == body_of("error_403_bot_blocked_by_user.json")


def test_the_simulators_unauthorized_is_the_real_one(simulator) -> None:
    status, sim = sim_send(simulator, int(CHAT), message_text([SIGNAL]), token="not-a-bot-token")
    assert_same_error_shape("error_401_unauthorized.json", status, sim)
    assert sim == body_of("error_401_unauthorized.json")


def test_the_simulators_message_is_too_long_is_the_real_one(simulator) -> None:
    status, sim = sim_send(simulator, int(CHAT), "x" * 4097)
    assert_same_error_shape("error_400_message_is_too_long.json", status, sim)
    assert sim == body_of("error_400_message_is_too_long.json")


PARSE_PREFIX = "Bad Request: can't parse entities: "


@pytest.mark.parametrize(
    ("name", "text"),
    [("error_400_cant_parse_entities_unsupported_start_tag.json", "a <name> here"),
     ("error_400_cant_parse_entities_end_of_name_token.json", "<b>never closed")],
)  # fmt: skip
def test_the_simulators_cant_parse_entities_has_the_real_shape_and_prefix(simulator, name: str, text: str) -> None:
    status, sim = sim_send(simulator, int(CHAT), text)
    assert_same_error_shape(name, status, sim)
    assert body_of(name)["description"].startswith(PARSE_PREFIX) and sim["description"].startswith(PARSE_PREFIX)


def test_the_simulators_unsupported_tag_detail_is_worded_like_telegrams(simulator) -> None:
    real = body_of("error_400_cant_parse_entities_unsupported_start_tag.json")["description"]
    _, sim = sim_send(simulator, int(CHAT), "a <name> here")
    pattern = re.escape(PARSE_PREFIX + 'Unsupported start tag "name" at byte offset ') + r"\d+"
    assert re.fullmatch(pattern, real) and re.fullmatch(pattern, sim["description"]), sim["description"]


def test_the_simulators_flood_answer_has_the_shape_of_every_real_429_with_parameters(simulator) -> None:
    answers = [sim_send(simulator, 777, "plain") for _ in range(21)]  # 20 a minute to one chat, then a 429
    assert [status for status, _ in answers[:20]] == [200] * 20
    status, sim = answers[20]
    for name in (r.name for r in RECORDINGS if r.status == 429):
        real = body_of(name)
        if "parameters" not in real:
            continue  # the 2016 answer, from before the API had parameters
        assert_same_error_shape(name, status, sim)
        assert set(sim["parameters"]) == set(real["parameters"]) == {"retry_after"}
        for body in (real, sim):
            seconds = re.fullmatch(r"Too Many Requests: retry after (\d+)", body["description"])
            assert seconds and int(seconds.group(1)) == body["parameters"]["retry_after"], body
            assert type(body["parameters"]["retry_after"]) is int
