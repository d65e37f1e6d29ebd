"""The admin console: disabled without ADMIN_TOKEN, a login that opens a session, and it works in a browser."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.live_server import LiveApp, free_port
from tests.service_support import make_app, sim_config
from token_discovery.api.app import create_app, services_of
from token_discovery.simulator import SimulatorServer
from token_discovery.store.sqlite import SQLiteStore

pytestmark = pytest.mark.integration
TOKEN = "s3cret-admin-token"


def test_the_console_is_403_when_admin_access_is_disabled(simulator: SimulatorServer) -> None:
    app = create_app(sim_config(simulator), store=SQLiteStore(":memory:"), async_mode="threading")
    try:
        client = app.test_client()
        assert client.get("/admin").status_code == 403
        assert client.post("/admin/login", data={"token": ""}).status_code == 403
    finally:
        services_of(app).close()


def test_login_opens_an_admin_session_and_logout_ends_it(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        client = app.test_client()
        assert 'name="token"' in client.get("/admin").get_data(as_text=True)
        wrong = client.post("/admin/login", data={"token": "guess"})
        assert wrong.status_code == 401 and "Wrong admin token" in wrong.get_data(as_text=True)
        assert client.get("/api/admin/stats").status_code == 401
        assert client.post("/admin/login", data={"token": TOKEN}).status_code == 303
        assert client.get("/api/admin/stats").status_code == 200  # the session cookie is the credential
        page = client.get("/admin").get_data(as_text=True)
        assert 'id="auto-state"' in page
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
        assert client.get("/api/admin/stats").status_code == 401
    finally:
        services_of(app).close()


def test_login_attempts_are_rate_limited(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        client = app.test_client()
        codes = [client.post("/admin/login", data={"token": f"guess{i}"}).status_code for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
    finally:
        services_of(app).close()


def test_the_console_shows_the_feed_live_and_drives_the_service_in_a_browser(
    browser: Browser, simulator: SimulatorServer, tmp_path: Path
) -> None:
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "admin.db"), "ADMIN_TOKEN": TOKEN,
           "AUTO_START_DISCOVERY": "true", "DISCOVERY_INTERVAL": "3600", "DISCOVERY_MAX_TOKENS": "7",
           "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "SIGNAL_RETRY_DELAYS": ""}  # fmt: skip
    live = LiveApp(env).start()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{live.url}/admin")
        page.fill('input[name="token"]', TOKEN)
        page.click('#login button[type="submit"]')
        page.wait_for_selector('#connection[data-state="connected"]')
        page.wait_for_selector("#auto-state:has-text('running every 3600 s, 7 tokens a scan')")
        assert (page.input_value("#interval"), page.input_value("#max-tokens")) == ("3600", "7")  # not the defaults
        page.fill("#interval", "120")
        page.fill("#max-tokens", "5")
        page.click("#auto-start")
        page.wait_for_selector("#auto-state:has-text('running every 120 s, 5 tokens a scan')")
        page.click("#auto-stop")
        page.wait_for_selector("#auto-state:has-text('stopped')")
        status = requests.get(f"{live.url}/api/discovery/status", timeout=5).json()["status"]
        assert not status["auto_discovery_active"]

        expect(page.locator(".budget-card")).to_have_count(4)
        assert page.locator('.budget-card[data-route="goplus"] svg .limit').count() == 1
        assert page.locator("#v-clients").inner_text() == "1"
        goplus = page.locator('.budget-card[data-route="goplus"] figcaption')
        before = goplus.inner_text()
        watcher = {"name": "all", "rules": {}, "webhook_url": f"http://127.0.0.1:{free_port()}/nobody-listens"}
        assert requests.post(f"{live.url}/api/watchers", json=watcher, timeout=5).status_code == 201
        fresh = [{"chain": "base", "name": f"Console {n}", "symbol": f"CON{n}"} for n in range(2)]
        requests.post(f"{simulator.url}/_sim/tokens", json=fresh, timeout=5).raise_for_status()
        scan = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 3}, timeout=30).json()
        expect(goplus).not_to_have_text(before, timeout=5000)  # pushed over the socket, no reload
        made = str(scan["tokens_stored"])
        assert scan["tokens_stored"] >= 2  # the two injected tokens at least, each a signal
        expect(page.locator("#s-watchers")).to_have_text("1")
        expect(page.locator("#s-made")).to_have_text(made)
        channels = page.locator("#signal-channels tbody tr")
        expect(channels.nth(0)).to_contain_text(f"Page (Socket.IO){made}")
        expect(channels.nth(1).locator("td").nth(3)).to_have_text(made)  # every webhook failed, at once
        expect(page.locator("#dead-letters tbody tr").first).to_contain_text("ConnectionError")
        assert page.locator('.budget-card[data-route="goplus"] svg .bar').count() == 30

        outcomes = requests.get(f"{live.url}/api/discovery/outcomes", timeout=5).json()
        tracked = sum(row["tokens"] for row in outcomes["levels"].values())
        assert tracked >= 3 and outcomes["safe_rug_rate"] is None  # nothing followed up yet: no figure invented
        expect(page.locator("#outcomes tbody tr")).to_have_count(3)
        expect(page.locator("#o-safe-rug-detail")).to_have_text("none graded yet")
        shown = page.locator("#outcomes tbody tr td:nth-child(2)")
        expect(shown).to_have_text([str(outcomes["levels"][level]["tokens"]) for level in ("safe", "risky", "unknown")])

        expect(page.locator("#stream-panel")).to_be_visible()
        expect(page.locator("#st-state")).to_have_text("Holds the stream")
        launched = [{"chain": "solana", "name": "Console Pump", "symbol": "CPMP", "source": "pumpfun"}]
        requests.post(f"{simulator.url}/_sim/tokens", json=launched, timeout=5).raise_for_status()
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "pumpportal.stream", "mode": "garbage"},
                      timeout=5).raise_for_status()  # fmt: skip
        expect(page.locator("#st-created")).to_have_text("1")
        expect(page.locator("#st-stored")).to_have_text("1", timeout=10_000)
        expect(page.locator("#st-malformed")).to_have_text("7")  # the simulator's seven frames nobody should trust

        page.click("#rescore")
        page.wait_for_selector("#message:has-text('Rescore: done')")
        assert page.locator("#health-status").inner_text() == "ok"

        page.click(".topbar-actions form button[type='submit']")  # Log out: the form carries the CSRF token
        page.wait_for_selector('#login input[name="token"]')
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert requests.get(f"{live.url}/api/admin/stats", cookies=cookies, timeout=5).status_code == 401
    finally:
        page.close()
        live.stop()
