"""Test helpers: recorded upstream payloads and a fake HTTP transport for the real clients."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from urllib3.response import HTTPResponse

from token_discovery.sources.http import HttpLimits, new_session

FIXTURES = Path(__file__).parent / "fixtures" / "upstream"
FAST_LIMITS = HttpLimits(connect_timeout=1.0, read_timeout=1.0, deadline=2.0, max_bytes=1_000_000)


def load_fixture(name: str) -> Any:
    """A recorded upstream payload by file stem."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


Reply = tuple[int, Any, dict[str, str]]


class FakeTransport(BaseAdapter):
    """A requests transport answering from a function of the request path; records each call."""

    def __init__(self, reply: Callable[[requests.PreparedRequest], Reply]) -> None:
        super().__init__()
        self._reply = reply
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        status, body, headers = self._reply(request)
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response.raw = HTTPResponse(body=io.BytesIO(raw), headers=headers, status=status, preload_content=False)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""

    def paths(self) -> list[str]:
        """The paths requested so far."""
        return [urlsplit(r.url or "").path for r in self.requests]


def fake_session(
    reply: Callable[[requests.PreparedRequest], Reply],
) -> tuple[requests.Session, FakeTransport]:
    """A client Session whose every request is answered by `reply`."""
    session = new_session()
    transport = FakeTransport(reply)
    session.mount("http://", transport)
    session.mount("https://", transport)
    return session, transport


def always(status: int, body: Any, headers: dict[str, str] | None = None) -> Callable[..., Reply]:
    """A reply function that always answers the same thing."""
    return lambda request: (status, body, headers or {})
