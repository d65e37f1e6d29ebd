"""Socket.IO and CORS accept the app's own origin wherever it is served, the configured extras, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websocket

from tests.live_server import LiveApp, free_port
from token_discovery.api.origins import OriginPolicy
from token_discovery.simulator import SimulatorServer


def environ(host: str) -> dict[str, str]:
    return {"HTTP_HOST": host, "wsgi.url_scheme": "http"}


def test_the_configured_host_and_port_are_always_allowed() -> None:
    policy = OriginPolicy("127.0.0.1", 5150)
    assert policy.allows("http://127.0.0.1:5150")
    assert policy.allows("http://localhost:5150")
    assert not policy.allows("http://127.0.0.1:5000")
    assert not policy.allows("http://evil.test:5150")


def test_a_wildcard_bind_allows_loopback_names_and_the_host_the_page_came_from() -> None:
    policy = OriginPolicy("0.0.0.0", 8080)  # noqa: S104
    assert policy.allows("http://localhost:8080")
    assert policy.allows("http://192.168.1.20:8080", environ("192.168.1.20:8080"))
    assert policy.allows("https://tokens.example.org", environ("tokens.example.org"))  # behind a TLS proxy
    assert not policy.allows("http://192.168.1.20:8080", environ("192.168.1.21:8080"))
    assert not policy.allows("http://evil.test", environ("tokens.example.org"))


def test_extra_origins_are_added_and_nothing_is_open() -> None:
    policy = OriginPolicy("127.0.0.1", 5000, ("https://desk.example.org",))
    assert policy.allows("https://desk.example.org")
    assert not policy.allows(None) and not policy.allows("") and not policy.allows("*")
    assert not policy.allows("null", environ("null"))
    assert not policy.allows("http://a.test", environ("a.test/evil"))


@pytest.fixture
def live(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    server = LiveApp({**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "o.db")}, port=free_port()).start()
    yield server
    server.stop()


def handshake(url: str, origin: str, host: str | None = None) -> str:
    """Open a Socket.IO websocket with this Origin; the first frame (the Engine.IO open packet) or the refusal."""
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    extra = {"host": host} if host else {}
    try:
        ws = websocket.create_connection(ws_url, origin=origin, timeout=5, **extra)
    except websocket.WebSocketBadStatusException as refused:
        return f"refused {refused.status_code}"
    try:
        return str(ws.recv())[:1]
    finally:
        ws.close()


@pytest.mark.integration
def test_a_random_port_with_allowed_origins_unset_accepts_its_own_page_and_refuses_others(live: LiveApp) -> None:
    assert handshake(live.url, live.url) == "0"  # Engine.IO "open"
    assert handshake(live.url, live.url.replace("127.0.0.1", "localhost")) == "0"
    lan = f"http://10.1.2.3:{live.port}"  # the page as served on a LAN address: same host header
    assert handshake(live.url, lan, host=f"10.1.2.3:{live.port}") == "0"
    assert handshake(live.url, "http://evil.test") == "refused 400"
    assert handshake(live.url, lan) == "refused 400"  # a LAN origin whose request went to another host
    assert live.process is not None and live.process.poll() is None


@pytest.mark.integration
def test_rest_cors_names_the_own_origin_and_never_a_stranger(live: LiveApp) -> None:
    mine = requests.get(f"{live.url}/api/discovery/status", headers={"Origin": live.url}, timeout=5)
    assert mine.headers.get("Access-Control-Allow-Origin") == live.url
    other = requests.get(f"{live.url}/api/discovery/status", headers={"Origin": "http://evil.test"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in other.headers
