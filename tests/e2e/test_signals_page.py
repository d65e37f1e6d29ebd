"""Signals on the dashboard in Debian's chromium: the filters become a server-side watcher in one click, and what
it catches arrives live, stays after a reload, follows the owner key to another device, and goes when it is deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]
KEY = "tokenDiscovery.watcherKey"
SIGNALS = "#signal-list > li"
WATCHERS = "#watcher-list > li"
FILTERS = {"chains": ["base"], "levels": ["safe", "unknown"], "min_liquidity_usd": 10000, "max_age_minutes": 60,
           "pattern": "falcon"}  # fmt: skip


@pytest.fixture
def live(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "signals.db"), "DISCOVERY_MIN_INTERVAL": "0",
           "RATE_LIMIT_TRIGGER": "1000 per minute", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    server = LiveApp(env).start()
    yield server
    server.stop()


def inject(simulator: SimulatorServer, **spec: Any) -> None:
    """Put one token at the head of the simulated feeds (base, $60K of liquidity, 3 minutes old, unless said)."""
    token = {"chain": "base", "liquidity_usd": 60_000, "age_minutes": 3, **spec}
    requests.post(f"{simulator.url}/_sim/tokens", json=[token], timeout=5).raise_for_status()


def scan(live: LiveApp, max_tokens: int = 1) -> None:
    """A scan, finished: its tokens are stored and announced (and handed to the watchers) when it answers."""
    answer = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": max_tokens}, timeout=60)
    assert answer.status_code == 200, answer.text


def stored_names(live: LiveApp) -> set[str]:
    tokens = requests.get(f"{live.url}/api/discovery/recent?limit=200", timeout=5).json()["tokens"]
    return {token["token_data"]["name"] for token in tokens}


def watchers_of(live: LiveApp, key: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{live.url}/api/watchers", headers={"X-Watcher-Key": key}, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()["watchers"]


def open_dashboard(page: Page, url: str) -> Page:
    page.goto(url)
    page.wait_for_selector('#connection[data-state="connected"]')
    return page


def key_of(page: Page) -> str | None:
    return page.evaluate(f"localStorage.getItem('{KEY}')")


def set_filters(page: Page, q: str = "Falcon ", watch: bool = False) -> None:
    """Chain base, safe or unknown, liquidity at least $10K, at most an hour old, and a search."""
    page.fill("#f-q", q)
    page.select_option("#f-chain", "base")
    page.select_option("#f-verdict", "notrisky")
    page.select_option("#f-liq", "10000")
    page.select_option("#f-age", "60")
    if watch:
        page.check("#f-watch")


def watch_filters(page: Page) -> str:
    """One click on "Watch these filters"; the owner key the page then keeps."""
    page.click("#watch-filters")
    page.wait_for_selector('#watch-result[data-state="done"]')
    key = key_of(page)
    assert key
    return key


def open_panel(page: Page) -> None:
    page.click("#signals-toggle")
    expect(page.locator("#signals-panel")).to_be_visible()
    expect(page.locator("#signals-status")).to_have_attribute("data-state", "live")


def test_one_click_watches_the_filters_and_only_matching_tokens_signal_live(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    page = open_dashboard(context.new_page(), live.url)
    set_filters(page, watch=True)
    assert key_of(page) is None
    key = watch_filters(page)
    result = page.locator("#watch-result").inner_text()
    assert "Watchlist is kept in this browser only" in result  # said, not silently dropped
    (watcher,) = watchers_of(live, key)
    assert watcher["rules"] == FILTERS
    assert watcher["name"] == "“falcon” · base · safe or unknown · liq ≥ $10K · ≤ 1 h old"
    page.click("#watch-filters")  # twice: the same filters are not watched twice
    expect(page.locator("#watch-result")).to_contain_text("Already watching these filters as")
    assert len(watchers_of(live, key)) == 1

    open_panel(page)
    expect(page.locator(WATCHERS)).to_have_count(1)
    expect(page.locator("#signals-empty")).to_have_text("No signal yet: they appear here as new tokens match.")
    page.evaluate(
        "() => { window.__signals = 0; window.tokenDiscovery.client.on('signal', () => window.__signals++); }"
    )
    inject(simulator, chain="solana", name="Falcon Sol", symbol="FSOL")  # another chain
    inject(simulator, name="Hawk Token", symbol="HAWK")  # another name
    inject(simulator, name="Falcon Dry", symbol="FDRY", liquidity_usd=2_000)  # too little liquidity
    scan(live, 3)
    inject(simulator, name="Signal Falcon", symbol="SFAL")
    scan(live)  # dispatched after the three above, on the same worker: when it arrives, they were passed over
    assert {"Falcon Sol", "Hawk Token", "Falcon Dry", "Signal Falcon"} <= stored_names(live)

    item = page.locator(SIGNALS)
    expect(item).to_have_count(1)
    expect(item.locator(".signal-token")).to_have_text("Signal Falcon SFAL")
    expect(item.locator(".chip")).to_have_text("base")
    assert item.locator(".verdict").inner_text().split()[0] in {"safe", "unknown"}
    reasons = item.locator(".signal-why li").all_inner_texts()
    assert "on base" in reasons and "name 'Signal Falcon' matches 'falcon'" in reasons
    assert item.locator("time").get_attribute("datetime")
    assert page.evaluate("window.__signals") == 1  # over the socket, as it was made
    expect(page.locator(f"{WATCHERS} .watcher-count")).to_have_text("1 signal")
    expect(page.locator("#signals-unseen")).to_be_hidden()  # seen as it arrived: the panel is open


def test_unseen_signals_are_counted_and_a_reload_keeps_the_key_and_the_signals(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    page = open_dashboard(context.new_page(), live.url)
    set_filters(page, q="owl")
    key = watch_filters(page)
    for name in ("Night Owl", "Snow Owl"):
        inject(simulator, name=name, symbol=name.split()[0].upper())
    scan(live, 2)
    expect(page.locator("#signals-unseen")).to_have_text("2")
    expect(page.locator("#signals-toggle")).to_have_attribute("aria-label", "Signals, 2 unseen")
    expect(page.locator(".toast.signal-toast")).to_have_count(1)  # a burst is one toast that counts
    expect(page.locator(".toast.signal-toast strong")).to_have_text("2 new signals")

    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    assert key_of(page) == key
    expect(page.locator("#signals-unseen")).to_have_text("2")  # loaded from the server, still unseen
    open_panel(page)
    expect(page.locator(SIGNALS)).to_have_count(2)
    names = page.locator(f"{SIGNALS} .signal-token .name").all_inner_texts()
    stamps = page.locator(f"{SIGNALS} time").evaluate_all("times => times.map((t) => t.getAttribute('datetime'))")
    assert sorted(names) == ["Night Owl", "Snow Owl"] and stamps == sorted(stamps, reverse=True)  # newest first
    expect(page.locator("#signals-unseen")).to_be_hidden()
    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    expect(page.locator("#signals-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#signals-unseen")).to_be_hidden()  # what was seen stays seen

    open_panel(page)
    opener = page.locator(f"{SIGNALS} button.signal-open").first
    opener.click()
    expect(page.locator("#detail")).to_be_visible()
    expect(page.locator("#detail-title")).to_contain_text(names[0])
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    expect(opener).to_be_focused()  # back where the reader was
    page.keyboard.press("Escape")
    expect(page.locator("#signals-panel")).to_be_hidden()
    expect(page.locator("#signals-toggle")).to_be_focused()


def test_deleting_a_watcher_removes_it_and_a_key_left_without_watchers_is_replaced(
    live: LiveApp, context: BrowserContext
) -> None:
    page = open_dashboard(context.new_page(), live.url)
    set_filters(page)
    key = watch_filters(page)
    open_panel(page)
    delete = page.locator(f"{WATCHERS} .watcher-delete")
    delete.click()
    expect(delete).to_have_text("Confirm delete")  # one click more: its signals go with it
    delete.click()
    expect(page.locator(WATCHERS)).to_have_count(0)
    assert watchers_of(live, key) == []
    expect(page.locator("#signals-empty")).to_contain_text("No watcher yet")

    page.click("#signals-watch")  # from the panel this time; the server refuses the old key now (401)
    expect(page.locator(WATCHERS)).to_have_count(1)
    new_key = key_of(page)
    assert new_key and new_key != key  # so the page took a new one
    assert [w["rules"] for w in watchers_of(live, new_key)] == [FILTERS] and watchers_of(live, key) == []


def test_the_servers_refusals_are_shown_in_its_words_and_more_rules_can_be_added(
    live: LiveApp, context: BrowserContext
) -> None:
    page = open_dashboard(context.new_page(), live.url)
    page.fill("#f-q", "a*b*c*d*e*f")
    page.click("#watch-filters")
    page.wait_for_selector('#watch-result[data-state="error"]')
    expect(page.locator("#watch-result")).to_contain_text("pattern may hold at most 4 wildcards")
    assert key_of(page) is None

    set_filters(page)
    page.click("#watch-options")
    expect(page.locator("#w-name")).to_be_focused()
    expect(page.locator("#watch-rules")).to_have_text("“falcon” · base · safe or unknown · liq ≥ $10K · ≤ 1 h old")
    page.fill("#w-webhook", "http://hooks.example.com/hook")
    page.click("#watch-submit")
    expect(page.locator("#watch-error")).to_contain_text("webhook_url must be an https URL")
    page.fill("#w-webhook", "")
    page.fill("#w-telegram", "me")
    page.click("#watch-submit")
    expect(page.locator("#watch-error")).to_contain_text("telegram_chat_id")
    assert key_of(page) is None

    page.fill("#w-telegram", "")
    page.fill("#w-webhook", "http://127.0.0.1:9/hook")
    page.fill("#w-name", "Clean falcons")
    page.fill("#w-score", "30")
    page.check("input[name=exclude][value=honeypot]")
    page.check("input[name=exclude][value=mintable]")
    page.click("#watch-submit")
    page.wait_for_selector('#watch-result[data-state="done"]')
    expect(page.locator("#watch-form")).to_be_hidden()
    expect(page.locator("#watch-result .secret-value")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    (watcher,) = watchers_of(live, key_of(page) or "")
    assert watcher["name"] == "Clean falcons" and watcher["webhook_url"] == "http://127.0.0.1:9/hook"
    assert watcher["rules"] == {**FILTERS, "max_score": 30, "exclude_flags": ["honeypot", "mintable"]}
    open_panel(page)
    expect(page.locator(f"{WATCHERS} .watcher-rules")).to_have_text(
        "“falcon” · base · safe or unknown · score ≤ 30 · liq ≥ $10K · ≤ 1 h old · no honeypot, mintable"
    )
    expect(page.locator(f"{WATCHERS} .watcher-delivery")).to_have_text("Also to webhook 127.0.0.1:9")


def test_the_owner_key_takes_the_watchers_and_their_signals_to_another_device(
    live: LiveApp, simulator: SimulatorServer, browser: Browser
) -> None:
    desk = browser.new_context(viewport={"width": 1400, "height": 900})
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = open_dashboard(desk.new_page(), live.url)
        set_filters(page)
        key = watch_filters(page)
        inject(simulator, name="Roaming Falcon", symbol="RFAL")
        scan(live)
        expect(page.locator("#signals-unseen")).to_have_text("1")
        open_panel(page)
        page.click(".key-box summary")
        page.click("#key-show")
        expect(page.locator("#key-value")).to_have_text(key)

        other = open_dashboard(phone.new_page(), live.url)
        other.click("#signals-toggle")
        other.click(".key-box summary")
        other.fill("#key-input", "x" * 40)  # well formed, but nothing is kept under it
        other.click("#key-form button[type=submit]")
        expect(other.locator("#key-note")).to_contain_text("No watcher is kept under this key")
        assert key_of(other) is None
        other.fill("#key-input", key)
        other.click("#key-form button[type=submit]")
        expect(other.locator("#key-note")).to_have_text("Using the pasted key: 1 watcher.")
        assert key_of(other) == key
        expect(other.locator(WATCHERS)).to_have_count(1)
        expect(other.locator(f"{SIGNALS} .signal-token")).to_have_text("Roaming Falcon RFAL")
        expect(other.locator("#signals-status")).to_have_attribute("data-state", "live")
        inject(simulator, name="Second Falcon", symbol="SFAL2")
        scan(live)
        expect(other.locator(SIGNALS)).to_have_count(2)  # joined under the pasted key: live here too
        expect(page.locator(SIGNALS)).to_have_count(2)
    finally:
        desk.close()
        phone.close()


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_on_a_phone_the_panel_fits_and_hostile_names_stay_inert_text(
    live: LiveApp, simulator: SimulatorServer, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = open_dashboard(context.new_page(), live.url)
        page.fill("#f-q", "evil")
        watch_filters(page)
        inject(simulator, name=f"{HOSTILE}Evil{'W' * 80}", symbol="<b>EV</b>" * 5)
        scan(live)
        expect(page.locator("#signals-unseen")).to_have_text("1")
        open_panel(page)
        item = page.locator(SIGNALS)
        expect(item).to_have_count(1)
        assert HOSTILE in item.inner_text() and "<b>EV</b>" in item.inner_text()
        assert page.locator("#signals-panel img, #signals-panel b, .toast img").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        fits = "(p) => p.scrollWidth <= p.clientWidth && p.getBoundingClientRect().right <= 390"
        assert page.locator("#signals-panel").evaluate(fits)
        page.locator("#signals-close").click()
        expect(page.locator("#signals-panel")).to_be_hidden()
    finally:
        context.close()


def test_every_verdict_choice_becomes_its_levels_rule_and_a_long_default_name_is_cut_to_fit(
    live: LiveApp, context: BrowserContext
) -> None:
    page = open_dashboard(context.new_page(), live.url)
    checked = page.evaluate("""async () => {
        const m = await import('/static/js/dashboard/watchers.js');
        const base = { q: '', chain: '', verdict: '', minLiq: null, maxAge: null, watch: false };
        const levels = Object.fromEntries(['', 'safe', 'notrisky', 'unknown', 'risky'].map(
            (verdict) => [verdict, m.rulesFromFilters({ ...base, verdict }).levels || null]));
        const long = m.defaultName(m.rulesFromFilters({ ...base, q: 'x'.repeat(60), chain: 'solana' }));
        const chat = [m.telegramChat(' -1001 '), m.telegramChat('@desk_alerts'), m.telegramChat(' ')];
        return { levels, long, empty: m.rulesFromFilters(base), chat };
    }""")
    assert checked["levels"] == {"": None, "safe": ["safe"], "notrisky": ["safe", "unknown"], "unknown": ["unknown"],
                                 "risky": ["risky"]}  # fmt: skip
    assert len(checked["long"]) == 64 and checked["long"].endswith("…")
    assert checked["empty"] == {} and checked["chat"] == [-1001, "@desk_alerts", None]
