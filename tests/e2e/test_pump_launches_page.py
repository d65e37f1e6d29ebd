"""pump.fun launches on the dashboard, in Debian's chromium: a token created on the stream arrives with no trigger,
its row carries the launch badge (curve, market cap in SOL), its detail the launch facts with Solscan links, the
"pump.fun only" filter keeps it alone and survives a reload, a serial creator is flagged on a phone, and launch
facts a stranger forged never become a link or a number."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROWS = "#tokens tbody tr"
CREATOR = "4xRNycRejhP3wPjNwJAH6CdDQU44mXCbHApx1H8KcxcA"
SERIAL_CREATOR = "8sxf7tQ6nRWe6KYc8qqzVzzD1EJsu4gBvV8zSvwsJmvd"
ARRIVAL_MS = 10_000  # a creation reaches the page in about a second; slack for a loaded machine


@pytest.fixture
def live(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "pump.db"), "STREAM_FLUSH_SECONDS": "0.3",
           "BUDGET_GOPLUS_PER_MINUTE": "600", "BUDGET_DEXSCREENER_MARKET_PER_MINUTE": "600",
           "DISCOVERY_MIN_INTERVAL": "0", "RATE_LIMIT_TRIGGER": "1000 per minute"}  # fmt: skip
    server = LiveApp(env).start()
    try:
        stream_connected(simulator)  # a creation sent before the app listens would never reach it
        yield server
    finally:
        server.stop()


def stream_connected(simulator: SimulatorServer, within: float = 20.0) -> None:
    """Wait until the app holds its connection to the simulator's stream (a figure of another process: polled)."""
    deadline = time.monotonic() + within
    while requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["connections"] < 1:
        assert time.monotonic() < deadline, "the app never connected to the pump.fun stream"
        time.sleep(0.05)


def launch(simulator: SimulatorServer, name: str, symbol: str, **spec: Any) -> str:
    """Create one token on the simulated pump.fun stream; its mint address."""
    body = [{"chain": "solana", "name": name, "symbol": symbol, "source": "pumpfun", **spec}]
    answer = requests.post(f"{simulator.url}/_sim/tokens", json=body, timeout=5)
    answer.raise_for_status()
    return answer.json()[0]["address"]


def scan(live: LiveApp, max_tokens: int) -> None:
    """Store `max_tokens` tokens from the polled feeds (none of them from the stream)."""
    answer = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": max_tokens}, timeout=60)
    assert answer.status_code == 200, answer.text


def stored(live: LiveApp, address: str) -> dict[str, Any]:
    tokens = requests.get(f"{live.url}/api/discovery/recent?limit=200", timeout=5).json()["tokens"]
    return next(r for r in tokens if r["token_address"] == address)


def open_dashboard(page: Page, url: str) -> Page:
    page.goto(url)
    page.wait_for_selector('#connection[data-state="connected"]')
    return page


def row_of(page: Page, address: str) -> Locator:
    return page.locator(f'{ROWS}[data-key="solana:{address}"]')


def launch_section(page: Page) -> Locator:
    return page.locator("#detail .detail-section").filter(has=page.locator("h3", has_text="Launch"))


def fact(section: Locator, label: str) -> Locator:
    """The value (dd) of one fact of a section, by its label (dt)."""
    return section.locator(f'dt:text-is("{label}") + dd')


def test_a_launch_shows_its_badge_its_facts_and_passes_the_pump_filter(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    scan(live, 3)
    page = open_dashboard(context.new_page(), live.url)
    expect(page.locator(ROWS)).to_have_count(3)
    expect(page.locator(f"{ROWS} .launch")).to_have_count(0)  # polled tokens carry no badge

    address = launch(simulator, "Pump Falcon", "PFAL", dev_buy_sol=2, creator=CREATOR)
    row = row_of(page, address)
    expect(row).to_be_visible(timeout=ARRIVAL_MS)  # from the stream alone: nobody triggered a scan
    facts = stored(live, address)["token_data"]["launch"]
    assert facts["progress"] == pytest.approx(0.0846, abs=1e-4)  # 2 SOL bought on a fresh curve
    assert facts["market_cap_sol"] == pytest.approx(31.81, abs=0.01)

    badge = row.locator(".launch")
    expect(badge.locator(".launchpad")).to_have_text("pump.fun")
    expect(badge.locator(".curve-pct")).to_have_text("8.5%")
    expect(badge.locator(".launch-mc")).to_have_text("MC 31.8 SOL")
    assert badge.locator(".curve-fill").evaluate("fill => fill.style.width") == "8.5%"
    expect(badge.locator(".serial")).to_have_count(0)  # the creator's first launch

    row.locator(".c-age").click()
    section = launch_section(page)
    expect(section).to_be_visible()
    expect(fact(section, "Launchpad")).to_have_text("pump.fun bonding curve")
    expect(fact(section, "Curve at launch")).to_have_text("8.5% sold")
    assert section.locator(".curve-fill").evaluate("fill => fill.style.width") == "8.5%"
    expect(fact(section, "Market cap at launch")).to_have_text("31.8 SOL")
    creator = fact(section, "Creator").locator("a")
    expect(creator).to_have_text(f"{CREATOR[:6]}…{CREATOR[-4:]}")
    expect(creator).to_have_attribute("href", f"https://solscan.io/account/{CREATOR}")
    expect(creator).to_have_attribute("target", "_blank")
    assert {"noopener", "noreferrer"} <= set((creator.get_attribute("rel") or "").split())
    expect(fact(section, "Creator")).to_contain_text("1 launch in 24 h")
    expect(section.locator(".serial-launcher")).to_have_count(0)
    expect(fact(section, "Creator bought")).to_have_text(f"{facts['creator_buy_share']:.1%} at launch (2 SOL)")
    expect(fact(section, "Migrated")).to_have_text("no: still on its curve")
    expect(fact(section, "Creation tx").locator("a")).to_have_attribute(
        "href", f"https://solscan.io/tx/{facts['signature']}"
    )
    expect(fact(section, "Metadata").locator("a")).to_have_attribute("href", facts["metadata_uri"])
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()

    page.check("#f-pump")
    expect(page.locator(ROWS)).to_have_count(1)
    expect(row).to_be_visible()
    assert "pump=1" in page.url
    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    expect(page.locator(ROWS)).to_have_count(1)  # kept in the address, like every filter
    expect(page.locator("#f-pump")).to_be_checked()
    page.uncheck("#f-pump")
    expect(page.locator(ROWS)).to_have_count(4)
    assert "pump=" not in page.url

    requests.post(f"{simulator.url}/_sim/migrations", json=[{"address": address}], timeout=5).raise_for_status()
    expect(row.locator(".launchpad")).to_have_text("graduated", timeout=ARRIVAL_MS)  # the live update, re-rendered
    expect(row.locator(".curve, .launch-mc")).to_have_count(0)  # the creation's figures are history now
    row.locator(".c-age").click()
    expect(fact(launch_section(page), "Migrated")).to_have_text("yes: trades in a DEX pool")
    expect(fact(launch_section(page), "Curve")).to_have_text("100% · graduated")


def test_a_serial_launcher_is_flagged_in_its_card_and_its_detail_on_a_phone(
    live: LiveApp, simulator: SimulatorServer, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = open_dashboard(context.new_page(), live.url)
        addresses = [launch(simulator, f"Serial {n}", f"SER{n}", creator=SERIAL_CREATOR) for n in (1, 2, 3)]
        for address in addresses:
            expect(row_of(page, address)).to_be_visible(timeout=ARRIVAL_MS)
        first, third = row_of(page, addresses[0]), row_of(page, addresses[2])
        expect(first.locator(".serial")).to_have_count(0)
        expect(third.locator(".serial")).to_have_text("dev ×3")
        expect(third.locator(".launch-main")).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the badge breaks no card

        third.locator(".c-age").click()
        section = launch_section(page)
        expect(section.locator(".serial-launcher")).to_have_text("3 launches in 24 h: serial launcher")
        expect(page.locator("#detail .reason-list")).to_contain_text(
            "Its creator launched 3 tokens on pump.fun in the last 24 h"
        )
        expect(fact(section, "Creator").locator("a")).to_have_attribute(
            "href", f"https://solscan.io/account/{SERIAL_CREATOR}"
        )
        assert page.evaluate("(d => d.scrollWidth <= d.clientWidth)(document.querySelector('#detail'))")
    finally:
        context.close()


FORGED_LAUNCH = {
    "creator": "0OIl" * 11,  # 44 characters, none of them base58
    "signature": '<img src=x onerror="window.__pwned=1">',
    "pool": "<b>pump</b>",
    "market_cap_sol": "31.8",
    "progress": 7,
    "creator_buy_share": -0.5,
    "creator_buy_sol": -2,
    "metadata_uri": "http://ipfs.example/ipfs/Qm",  # not https
    "migrated": "yes",
    "creator_launches_24h": 2.5,
}


def test_forged_launch_facts_never_become_a_link_a_bar_or_a_number(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    address = launch(simulator, "Forged Falcon", "FORG")
    page = context.new_page()

    def forge(route: Route) -> None:  # as if the server had stored what a stranger said
        body = route.fetch().json()
        for record in body["tokens"]:
            record["token_data"]["launch"] = FORGED_LAUNCH
        route.fulfill(json=body)

    open_dashboard(page, live.url)
    expect(row_of(page, address)).to_be_visible(timeout=ARRIVAL_MS)
    page.route("**/api/discovery/recent*", forge)
    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    row = row_of(page, address)
    expect(row.locator(".launchpad")).to_have_text("pump.fun")  # the stream's token, every figure refused
    expect(row.locator(".curve, .launch-mc, .serial")).to_have_count(0)
    row.locator(".c-age").click()
    section = launch_section(page)
    for label in ("Curve at launch", "Market cap at launch", "Creator", "Creator bought", "Creation tx", "Metadata"):
        expect(fact(section, label)).to_have_text("—")
    expect(fact(section, "Launchpad")).to_have_text("pump.fun")
    expect(fact(section, "Migrated")).to_have_text("no: still on its curve")
    expect(section.locator("a")).to_have_count(0)
    assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__pwned") is None
