"""The README's embedding example, served from a second origin, receives the live feed; a stranger's origin does not."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from playwright.sync_api import BrowserContext, expect

from tests.live_server import LiveApp, free_port
from token_discovery.simulator import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORIGIN = "https://tokens.example.org"


def readme_example() -> str:
    """The HTML snippet of the README's "Embedding the live feed" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Embedding the live feed") :]
    return re.search(r"```html\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        """Say nothing."""


@pytest.fixture
def second_origin(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static server on another port: another origin for the browser."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", tmp_path
    server.shutdown()
    server.server_close()


def serve_example(live: LiveApp, folder: Path) -> None:
    html = readme_example().replace(EXAMPLE_ORIGIN, live.url)
    (folder / "index.html").write_text(f"<!doctype html><meta charset='utf-8'><title>Embed</title>{html}")


def test_the_readme_example_on_an_allowed_second_origin_gets_the_stored_and_the_live_tokens(
    simulator: SimulatorServer, tmp_path: Path, second_origin: tuple[str, Path], context: BrowserContext
) -> None:
    origin, folder = second_origin
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "e.db"), "ALLOWED_ORIGINS": origin,
           "DISCOVERY_MIN_INTERVAL": "0"}  # fmt: skip
    live = LiveApp(env).start()
    try:
        requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 3}, timeout=60)
        serve_example(live, folder)
        page = context.new_page()
        page.goto(f"{origin}/index.html")
        expect(page.locator("#feed li")).to_have_count(3)
        eagle = {"chain": "bsc", "name": "Embedded Eagle", "symbol": "EAGL"}
        requests.post(f"{simulator.url}/_sim/tokens", json=[eagle], timeout=5).raise_for_status()
        requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 1}, timeout=60)
        expect(page.locator("#feed li").first).to_contain_text("Embedded Eagle (")
        expect(page.locator("#feed li")).to_have_count(4)  # nothing twice
    finally:
        live.stop()


def test_an_origin_not_allowed_is_refused_by_the_socket_and_the_api(
    simulator: SimulatorServer, tmp_path: Path, second_origin: tuple[str, Path], context: BrowserContext
) -> None:
    origin, folder = second_origin
    live = LiveApp({**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "e.db")}).start()
    try:
        requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 3}, timeout=60)
        serve_example(live, folder)
        page = context.new_page()
        with page.expect_console_message(lambda message: "CORS policy" in message.text):
            page.goto(f"{origin}/index.html")
        expect(page.locator("#feed li")).to_have_count(0)
        socket_answer = requests.get(f"{live.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin},
                                     timeout=5)  # fmt: skip
        assert socket_answer.status_code == 400
    finally:
        live.stop()
