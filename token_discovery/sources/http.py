"""The one way the sources talk HTTP: timeouts, a wall-clock deadline, a size cap (past it, a trimmed stream),
no hidden retries."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from token_discovery.sources.base import (
    BadPayload,
    RateLimited,
    RequestRejected,
    SourceUnavailable,
)
from token_discovery.sources.streamed_json import STREAM_FACTOR, CappedStream, decode_streamed

log = logging.getLogger(__name__)

USER_AGENT = "token-discovery/1.0 (+self-hosted scanner)"
_CHUNK = 65536


@dataclass(frozen=True)
class HttpLimits:
    """Bounds on one upstream call."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    deadline: float = 20.0
    max_bytes: int = 5_000_000


@dataclass(frozen=True)
class JsonResponse:
    """A decoded upstream answer."""

    status: int
    headers: Mapping[str, str]
    body: Any


T = TypeVar("T")


class Gate(Protocol):
    """What every upstream call passes through (budget, breaker, retries); see token_discovery.guard."""

    def call(self, route: str, send: Callable[[], T]) -> T:
        """Make the call, or refuse it."""
        ...

    def observe(self, route: str, headers: Mapping[str, str]) -> None:
        """Learn from the headers of an answer (the upstream's remaining quota)."""
        ...


class DirectGate:
    """No guard: the call goes straight out (tests of the clients alone)."""

    def call(self, route: str, send: Callable[[], T]) -> T:
        """Make the call."""
        return send()

    def observe(self, route: str, headers: Mapping[str, str]) -> None:
        """Nothing to learn."""


DIRECT = DirectGate()


def new_session() -> requests.Session:
    """A Session that never retries by itself (urllib3 would re-send after a 429 otherwise)."""
    session = requests.Session()
    no_retry = Retry(total=0, connect=0, read=0, redirect=0, status=0, respect_retry_after_header=False)
    adapter = HTTPAdapter(max_retries=no_retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if unusable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _read_capped(
    response: requests.Response, route: str, limits: HttpLimits, started: float
) -> tuple[bytes, CappedStream | None]:
    """Read the body in chunks up to the size cap, within the wall-clock deadline; past the cap, what was read
    and a stream of the rest (to be decoded trimmed)."""
    chunks: list[bytes] = []
    size = 0

    def more() -> bytes:
        return response.raw.read1(_CHUNK, decode_content=True)

    while chunk := more():
        size += len(chunk)
        if time.monotonic() - started > limits.deadline:
            raise SourceUnavailable(route, f"response not complete within {limits.deadline}s")
        chunks.append(chunk)
        if size > limits.max_bytes:
            head = b"".join(chunks)
            wire_cap = limits.max_bytes * STREAM_FACTOR
            return head, CappedStream(head, more, route, wire_cap, started + limits.deadline)
    return b"".join(chunks), None


def _raise_for_status(route: str, status: int, headers: Mapping[str, str]) -> None:
    """Map an HTTP status to the error family."""
    if status == 429:
        raise RateLimited(route, parse_retry_after(headers.get("Retry-After")), "HTTP 429")
    if status >= 500:
        raise SourceUnavailable(route, f"HTTP {status}")
    if status >= 400:
        raise RequestRejected(route, f"HTTP {status}")


def _decode(route: str, raw: bytes) -> Any:
    """Decode a JSON body; anything else is a bad payload."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        snippet = raw[:60].decode("utf-8", "replace")
        raise BadPayload(route, f"body is not JSON ({exc.__class__.__name__}): {snippet!r}") from None


def get_json(
    session: requests.Session,
    url: str,
    route: str,
    limits: HttpLimits,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    observe: Callable[[str, Mapping[str, str]], None] | None = None,
) -> JsonResponse:
    """GET a JSON document once; raise a SourceError subclass for every failure.

    `observe(route, headers)` sees the headers of every answer, so the budget can learn the upstream's own count.
    """
    started = time.monotonic()
    try:
        response = session.get(
            url,
            params=params,
            headers=headers,
            timeout=(limits.connect_timeout, limits.read_timeout),
            stream=True,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise SourceUnavailable(route, f"{exc.__class__.__name__}") from None
    with response:
        if observe is not None:
            observe(route, response.headers)
        _raise_for_status(route, response.status_code, response.headers)
        if 300 <= response.status_code < 400:
            raise RequestRejected(route, f"unexpected redirect (HTTP {response.status_code})")
        try:
            raw, rest = _read_capped(response, route, limits, started)
            body = _decode(route, raw) if rest is None else decode_streamed(rest, route, limits.max_bytes)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise SourceUnavailable(route, f"body read failed: {exc.__class__.__name__}") from None
    return JsonResponse(response.status_code, response.headers, body)
