"""Shared fixtures: a running simulator per test, and clients pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.support import FAST_LIMITS
from token_discovery.simulator import SimulatorApp, SimulatorServer
from token_discovery.sources import DexScreenerSource, GeckoTerminalSource, GoPlusSecurity
from token_discovery.sources.http import new_session


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    """A freshly seeded simulator on a free loopback port."""
    server = SimulatorServer(SimulatorApp(seed=7)).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Clients:
    """The three real clients, aimed at one simulator."""

    dexscreener: DexScreenerSource
    geckoterminal: GeckoTerminalSource
    goplus: GoPlusSecurity
    control: requests.Session
    url: str

    def stats(self) -> dict:
        """The simulator's call counters."""
        return self.control.get(f"{self.url}/_sim/stats", timeout=5).json()

    def fault(self, **spec: object) -> None:
        """Inject a fault."""
        self.control.post(f"{self.url}/_sim/faults", json=spec, timeout=5).raise_for_status()


@pytest.fixture
def clients(simulator: SimulatorServer) -> Iterator[Clients]:
    """Real clients over real Sessions, talking to the simulator."""
    sessions = [new_session() for _ in range(4)]
    yield Clients(
        DexScreenerSource(sessions[0], simulator.dexscreener_url, FAST_LIMITS),
        GeckoTerminalSource(sessions[1], simulator.geckoterminal_url, FAST_LIMITS),
        GoPlusSecurity(sessions[2], simulator.goplus_url, FAST_LIMITS, batch_size=20),
        sessions[3],
        simulator.url,
    )
    for session in sessions:
        session.close()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, driven by Playwright (Playwright's own browser download is not used)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run `make system-deps`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no storage, no cookies) at a desk's width."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    yield ctx
    ctx.close()
