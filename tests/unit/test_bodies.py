"""Request bodies are read whole, within a size, before the app: what each kind of body becomes."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from token_discovery.api.bodies import read_bodies_within

SEEN: list[bytes] = []


def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """An app that records the body it was given."""
    body = environ["wsgi.input"].read()
    SEEN.append(body)
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


class BrokenChunks(io.BytesIO):
    """A server's input whose chunked encoding is malformed."""

    def read(self, size: int | None = -1) -> bytes:
        raise ValueError("Non-hex data")


def call(body: Any, **environ: str) -> tuple[str, dict[str, str], bytes]:
    """Run one request through the wrapper; its status, headers and body."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(headers))

    stream = body if not isinstance(body, bytes) else io.BytesIO(body)
    wrapped = read_bodies_within(echo, max_bytes=100, seconds=5)
    output = b"".join(wrapped({"wsgi.input": stream, "REQUEST_METHOD": "POST", **environ}, start_response))
    return answer["status"], answer["headers"], output


def setup_function() -> None:
    SEEN.clear()


def test_a_body_within_the_size_reaches_the_app_whole_with_its_length() -> None:
    status, _, output = call(b'{"max_tokens": 5}', CONTENT_LENGTH="17")
    assert status == "200 OK" and output == SEEN[0] == b'{"max_tokens": 5}'


def test_a_chunked_body_reaches_the_app_as_a_plain_one() -> None:
    status, _, output = call(b"x" * 60, HTTP_TRANSFER_ENCODING="chunked")
    assert status == "200 OK" and output == b"x" * 60


@pytest.mark.parametrize("environ", [{"CONTENT_LENGTH": "101"}, {"HTTP_TRANSFER_ENCODING": "chunked"}])
def test_a_body_over_the_size_is_a_413_and_never_reaches_the_app(environ: dict[str, str]) -> None:
    status, headers, output = call(b"x" * 500, **environ)
    assert status.startswith("413") and SEEN == []
    assert headers["Connection"] == "close" and json.loads(output)["success"] is False


@pytest.mark.parametrize(
    ("body", "environ", "reason"),
    [
        (b"abc", {"CONTENT_LENGTH": "50"}, "ValueError"),
        (b"abc", {"CONTENT_LENGTH": "12x"}, "ValueError"),
        (BrokenChunks(), {"HTTP_TRANSFER_ENCODING": "chunked"}, "ValueError"),
    ],
)
def test_a_cut_or_malformed_body_is_a_400(body: Any, environ: dict[str, str], reason: str) -> None:
    status, _, output = call(body, **environ)
    assert status.startswith("400") and SEEN == []
    assert json.loads(output)["error"] == f"the request body could not be read: {reason}"


def test_a_request_without_a_body_passes_untouched() -> None:
    status, _, output = call(b"", CONTENT_LENGTH="0")
    assert status == "200 OK" and output == b""
    status, _, _ = call(b"")
    assert status == "200 OK"


def test_an_error_of_the_app_itself_is_not_taken_for_a_bad_body() -> None:
    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("a bug")

    wrapped = read_bodies_within(failing, max_bytes=100, seconds=5)
    with pytest.raises(RuntimeError):
        wrapped({"wsgi.input": io.BytesIO(b"{}"), "CONTENT_LENGTH": "2"}, lambda *args: None)
