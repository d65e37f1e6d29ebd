"""Every way an upstream call can fail maps to one error of the SourceError family."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from tests.support import FAST_LIMITS, always, fake_session
from token_discovery.sources import (
    BadPayload,
    DexScreenerSource,
    GeckoTerminalSource,
    GoPlusSecurity,
    RateLimited,
    RequestRejected,
    SourceUnavailable,
)
from token_discovery.sources.http import get_json, new_session, parse_retry_after

URL = "https://api.example.test/x"


def call(reply, limits=FAST_LIMITS):
    session, _ = fake_session(reply)
    return get_json(session, URL, "test.route", limits)


def test_http_429_is_rate_limited_with_retry_after_seconds() -> None:
    with pytest.raises(RateLimited) as caught:
        call(always(429, {"error": "slow down"}, {"Retry-After": "17"}))
    assert caught.value.retry_after == 17
    assert caught.value.route == "test.route"


def test_retry_after_as_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable(status: int) -> None:
    with pytest.raises(SourceUnavailable):
        call(always(status, b"<html>oops</html>"))


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_rejections(status: int) -> None:
    with pytest.raises(RequestRejected):
        call(always(status, {"error": "no"}))


def test_a_redirect_is_not_followed() -> None:
    with pytest.raises(RequestRejected, match="redirect"):
        call(always(302, b"", {"Location": "https://elsewhere.test/"}))


def test_html_instead_of_json_is_a_bad_payload() -> None:
    with pytest.raises(BadPayload, match="not JSON"):
        call(always(200, b"<!DOCTYPE html><title>Just a moment...</title>"))


def test_a_body_over_the_cap_even_streamed_is_refused() -> None:
    with pytest.raises(BadPayload, match="larger than 100000 bytes, even streamed"):
        call(always(200, b"[" + b"1," * 60000 + b"1]"), replace(FAST_LIMITS, max_bytes=10_000))


def test_a_body_over_the_cap_that_keeps_too_much_even_trimmed_is_refused() -> None:
    with pytest.raises(BadPayload, match="keeps more than 2048 bytes"):
        call(
            always(200, b'{"a": "' + b"x" * 4000 + b'", "b": "' + b"y" * 4000 + b'"}'),
            replace(FAST_LIMITS, max_bytes=2048),
        )


def test_a_body_over_the_cap_that_is_not_json_is_a_bad_payload() -> None:
    with pytest.raises(BadPayload, match="not JSON"):
        call(always(200, b"[" + b"1," * 6000 + b"}"), replace(FAST_LIMITS, max_bytes=10_000))


def test_a_feed_over_the_cap_is_streamed_and_every_token_on_it_kept_with_its_lists_trimmed() -> None:
    from token_discovery.sources.streamed_json import MAX_ARRAY_ITEMS, MAX_STRING_CHARS, TRIMMED

    wall = [{"type": "twitter", "url": f"https://x.com/spam{n}"} for n in range(3000)]
    feed = [{"tokenAddress": f"token-{n}", "links": wall if n % 2 else [], "description": "d" * 9000}
            for n in range(6)]  # fmt: skip
    before = TRIMMED.by_route.get("test.route", 0)
    body = call(always(200, json.dumps(feed).encode()), replace(FAST_LIMITS, max_bytes=200_000)).body
    assert len(json.dumps(feed)) > 200_000 and [item["tokenAddress"] for item in body] == [
        f"token-{n}" for n in range(6)
    ]
    assert [len(item["links"]) for item in body] == [0, MAX_ARRAY_ITEMS] * 3
    assert body[1]["links"][:2] == wall[:2] and {len(item["description"]) for item in body} == {MAX_STRING_CHARS}
    assert TRIMMED.by_route["test.route"] - before == 3 * (3000 - MAX_ARRAY_ITEMS) + 6


def test_a_connection_failure_is_unavailable() -> None:
    def refuse(request):
        raise requests.ConnectionError("refused")

    with pytest.raises(SourceUnavailable):
        call(refuse)


def test_the_session_never_retries_by_itself() -> None:
    adapter = new_session().get_adapter("https://x.test")
    assert adapter.max_retries.total == 0
    assert adapter.max_retries.respect_retry_after_header is False


def test_dexscreener_object_where_an_array_is_documented_is_a_bad_payload() -> None:
    session, _ = fake_session(always(200, {"pairs": []}))
    with pytest.raises(BadPayload, match="array"):
        DexScreenerSource(session, "https://x.test", FAST_LIMITS).latest_profiles()


def test_goplus_4029_in_an_http_200_is_rate_limited_not_empty() -> None:
    session, _ = fake_session(always(200, {"code": 4029, "message": "too many requests", "result": {}}))
    with pytest.raises(RateLimited):
        GoPlusSecurity(session, "https://x.test", FAST_LIMITS).token_security("bsc", ["0x" + "1" * 40])


@pytest.mark.parametrize(("code", "error"), [(5000, SourceUnavailable), (2018, RequestRejected)])
def test_goplus_error_codes(code: int, error: type[Exception]) -> None:
    session, _ = fake_session(always(200, {"code": code, "message": "x", "result": None}))
    with pytest.raises(error):
        GoPlusSecurity(session, "https://x.test", FAST_LIMITS).token_security("bsc", ["0x" + "1" * 40])


def test_geckoterminal_error_code_429_in_an_http_200_is_rate_limited() -> None:
    body = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit"}}
    session, _ = fake_session(always(200, body))
    with pytest.raises(RateLimited):
        GeckoTerminalSource(session, "https://x.test", FAST_LIMITS).new_pools()


REAL = sorted((Path(__file__).parent.parent / "fixtures" / "real").rglob("*.json"))


@pytest.mark.parametrize("path", REAL, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_recorded_upstream_answer_reads_the_same_streamed_as_whole(path: Path) -> None:
    import time

    from token_discovery.sources.streamed_json import CappedStream, decode_streamed

    raw = path.read_bytes()
    pieces = iter([raw[start : start + 7] for start in range(0, len(raw), 7)])  # boundaries everywhere
    stream = CappedStream(b"", lambda: next(pieces, b""), "real", 10**9, time.monotonic() + 60)
    assert decode_streamed(stream, "real", max_cost=10**9) == json.loads(raw)
