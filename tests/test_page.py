"""The live page in a real browser (Debian's chromium via Playwright): verdicts, reasons, live rows, hostile text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, sync_playwright

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Evil'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run `make system-deps`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


@pytest.fixture
def live(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    server = LiveApp({**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "page.db"),
                      "DISCOVERY_MIN_INTERVAL": "0"}).start()  # fmt: skip
    yield server
    server.stop()


def test_the_page_lists_verdicts_with_reasons_and_adds_new_tokens_live(
    browser: Browser, live: LiveApp, simulator: SimulatorServer
) -> None:
    requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=60)
    page = browser.new_page()
    try:
        page.goto(live.url)
        page.wait_for_selector('#tokens tbody tr[data-seq="5"]')
        page.wait_for_selector('#connection[data-state="connected"]')
        levels = page.locator("#tokens tbody td:nth-child(4)").all_inner_texts()
        assert len(levels) == 5 and set(levels) <= {"safe", "risky", "unknown"}
        risky_or_unknown = [i for i, level in enumerate(levels) if level != "safe"]
        reasons = page.locator("#tokens tbody td:nth-child(6)").all_inner_texts()
        assert all(reasons[i] for i in risky_or_unknown)  # every non-safe verdict says why

        links = [{"type": "website", "url": "javascript:alert(1)"}, {"type": "twitter", "url": "https://x.com/ok"}]
        spec = {"chain": "base", "name": HOSTILE_NAME, "symbol": "EVIL", "links": links}
        requests.post(f"{simulator.url}/_sim/tokens", json=[spec], timeout=5)
        requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 1}, timeout=60)
        row = page.wait_for_selector('#tokens tbody tr[data-seq="6"]')
        assert HOSTILE_NAME in row.inner_text()  # shown as text
        assert page.locator("#tokens img").count() == 0
        assert page.evaluate("window.__pwned") is None
        hrefs = page.locator('#tokens tbody tr[data-seq="6"] a').evaluate_all("links => links.map(a => a.href)")
        assert hrefs == ["https://x.com/ok"]
    finally:
        page.close()
