"""The dashboard in Debian's chromium: live on any port, find and decide fast, never miss a token, phones and desks."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROWS = "#tokens tbody tr"


@pytest.fixture
def app_env(simulator: SimulatorServer, tmp_path: Path) -> dict[str, str]:
    return {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "dash.db"), "DISCOVERY_MIN_INTERVAL": "0",
            "RATE_LIMIT_TRIGGER": "1000 per minute"}  # fmt: skip


@pytest.fixture
def live(app_env: dict[str, str]) -> Iterator[LiveApp]:
    server = LiveApp(app_env).start()  # ALLOWED_ORIGINS unset, a random port
    yield server
    server.stop()


def inject(simulator: SimulatorServer, **spec: Any) -> dict[str, str]:
    """Put one token at the head of the simulated feeds."""
    answer = requests.post(f"{simulator.url}/_sim/tokens", json=[{"chain": "base", **spec}], timeout=5)
    answer.raise_for_status()
    return answer.json()[0]


def scan(live: LiveApp, max_tokens: int = 1) -> dict[str, Any]:
    """Trigger a scan and wait for its result (tokens are stored before it answers)."""
    answer = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": max_tokens}, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def stored(live: LiveApp) -> list[dict[str, Any]]:
    return requests.get(f"{live.url}/api/discovery/recent?limit=200", timeout=5).json()["tokens"]


def open_dashboard(page: Page, url: str) -> Page:
    page.goto(url)
    page.wait_for_selector('#connection[data-state="connected"]')
    return page


def dashboard_with(live: LiveApp, context: BrowserContext, tokens: int) -> Page:
    """Store `tokens` tokens, open the dashboard and wait until it shows them all."""
    scan(live, tokens)
    page = open_dashboard(context.new_page(), live.url)
    expect(page.locator(ROWS)).to_have_count(tokens)
    return page


def shown_seqs(page: Page) -> list[int]:
    return page.locator(ROWS).evaluate_all("rows => rows.map(r => Number(r.dataset.seq))")


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"])
def test_a_token_arrives_live_within_two_seconds_on_a_random_port(
    server: str, app_env: dict[str, str], simulator: SimulatorServer, context: BrowserContext
) -> None:
    live = LiveApp(app_env, server=server).start()
    try:
        page = open_dashboard(context.new_page(), live.url)
        assert page.locator("#connection").inner_text() == "live · websocket"
        page.evaluate(
            "() => { window.__arrived = {}; "
            "window.tokenDiscovery.client.on('new_token', (r) => { window.__arrived[r.seq] = Date.now(); }); }"
        )
        inject(simulator, name="Fresh Falcon", symbol="FALC")
        scan(live)
        record = next(r for r in stored(live) if r["token_data"]["name"] == "Fresh Falcon")
        page.wait_for_selector(f'{ROWS}[data-seq="{record["seq"]}"]:has-text("Fresh Falcon")', timeout=2000)
        arrived_ms = page.evaluate(f"window.__arrived[{record['seq']}]")
        stored_ms = datetime.fromisoformat(record["scanned_at"]).timestamp() * 1000
        assert 0 <= arrived_ms - stored_ms < 2000
    finally:
        live.stop()


def test_the_grid_shows_what_a_trader_reads(live: LiveApp, simulator: SimulatorServer, context: BrowserContext) -> None:
    links = [{"type": "website", "url": "https://falcon.example"}, {"type": "twitter", "url": "https://x.com/falcon"}]
    inject(simulator, name="Grid Falcon", symbol="GFAL", links=links, liquidity_usd=123_456, age_minutes=4)
    scan(live, 5)
    record = next(r for r in stored(live) if r["token_data"]["name"] == "Grid Falcon")
    page = open_dashboard(context.new_page(), live.url)
    row = page.locator(f'{ROWS}[data-seq="{record["seq"]}"]')
    text = row.inner_text()
    assert "Grid Falcon" in text and "GFAL" in text and "base" in text
    assert row.locator(".c-liquidity").inner_text() == "$123K"
    assert re.fullmatch(r"[45] m", row.locator(".c-age").inner_text())
    assert row.locator(".c-price").inner_text().startswith("$")
    assert row.locator(".verdict").inner_text().split()[0] in {"safe", "risky", "unknown"}
    address = record["token_address"]
    assert row.locator(".addr code").inner_text() == f"{address[:6]}…{address[-4:]}"
    hrefs = row.locator("a").evaluate_all("links => links.map(a => [a.href, a.rel, a.target])")
    assert [h[0] for h in hrefs] == [f"https://dexscreener.com/base/{address}", f"https://basescan.org/token/{address}",
                                     "https://falcon.example/", "https://x.com/falcon"]  # fmt: skip
    assert all(rel == "noopener noreferrer nofollow" and target == "_blank" for _, rel, target in hrefs)
    assert shown_seqs(page) == sorted(shown_seqs(page), reverse=True)  # newest first


def test_filters_and_sort_live_in_the_url_and_survive_a_reload(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    inject(simulator, chain="solana", name="Needle Token", symbol="NEEDLE", liquidity_usd=5_000)
    scan(live, 15)
    records = {r["seq"]: r for r in stored(live)}
    page = open_dashboard(context.new_page(), live.url)
    page.wait_for_selector(f'{ROWS}[data-seq="{max(records)}"]')
    page.select_option("#f-chain", "solana")
    page.locator("th.c-liquidity button").click()
    assert "chain=solana" in page.url and "sort=liquidity" in page.url
    seqs = shown_seqs(page)
    assert seqs and all(records[s]["token_chain"] == "solana" for s in seqs)
    liquidity = [(records[s]["token_data"]["market"] or {}).get("liquidity_usd") for s in seqs]
    known = [v for v in liquidity if v is not None]
    assert known == sorted(known, reverse=True) and liquidity[: len(known)] == known  # unknown last
    assert page.locator("th.c-liquidity").get_attribute("aria-sort") == "descending"
    page.reload()
    page.wait_for_selector(ROWS)
    assert page.locator("#f-chain").input_value() == "solana" and shown_seqs(page) == seqs
    page.fill("#f-q", "needle")
    expect(page.locator(ROWS)).to_have_count(1)
    assert "q=needle" in page.url and "NEEDLE" in page.locator(ROWS).inner_text()
    page.select_option("#f-verdict", "risky")
    page.select_option("#f-liq", "1000000")
    assert page.locator(ROWS).count() == 0 and page.locator("#empty").inner_text() == "No token passes these filters."
    page.goto(f"{live.url}/?chain=tron&verdict=bad&sort=__proto__&q=needle")
    page.wait_for_selector(ROWS)
    assert page.url == f"{live.url}/?q=needle"  # what it does not understand leaves the address bar
    page.click("#f-reset")
    expect(page.locator(ROWS)).to_have_count(len(records))
    assert page.url == f"{live.url}/"


def test_the_detail_panel_shows_every_reason_with_its_evidence_and_the_history(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    inject(simulator, name="Trap Token", symbol="TRAP", security={"is_honeypot": "1", "sell_tax": "0.99"})
    scan(live)
    record = next(r for r in stored(live) if r["token_data"]["name"] == "Trap Token")
    page = open_dashboard(context.new_page(), live.url)
    page.locator(f'{ROWS}[data-seq="{record["seq"]}"] .c-price').click()
    detail = page.locator("#detail")
    detail.wait_for()
    text = detail.inner_text()
    reasons = record["token_data"]["analysis"]["reasons"]
    assert reasons and all(reason["label"] in text for reason in reasons)
    assert "is honeypot = true" in text
    headings = [h.lower().split(",")[0] for h in detail.locator("h3").all_text_contents()]
    assert {"verdict", "market", "security", "history"} <= set(headings) and "✗ Honeypot" in text
    assert "risky: " in text and "serious finding" in text  # the rule behind the level, in words
    assert page.url.endswith("#" + f"base:{record['token_address']}".replace(":", "%3A"))
    page.keyboard.press("Escape")
    assert detail.is_hidden() and "#" not in page.url
    page.locator(f'{ROWS}[data-seq="{record["seq"]}"] .c-price').click()
    detail.wait_for()
    page.go_back()  # a phone's Back closes the panel and stays on the page
    expect(detail).to_be_hidden()
    assert page.url == f"{live.url}/"
    page.goto(f"{live.url}/#base%3A{record['token_address']}")  # a shared link opens the panel
    page.wait_for_selector("#detail:not([hidden]) >> text=Trap Token")
    page.goto(f"{live.url}/#%E0%A4%A")  # a malformed link is ignored, never fatal
    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    assert page.locator(ROWS).count() == 1 and page.locator("#detail").is_hidden()


def test_watchlist_export_and_copy(live: LiveApp, simulator: SimulatorServer, browser: Browser) -> None:
    inject(simulator, name='=HYPERLINK("http://evil.test")', symbol="CSV")
    scan(live, 6)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    try:
        page = open_dashboard(context.new_page(), live.url)
        first = page.locator(ROWS).first
        seq = int(first.get_attribute("data-seq") or 0)
        first.locator(".star").click()
        page.wait_for_selector(f'{ROWS}[data-seq="{seq}"] .star[aria-pressed="true"]')
        page.check("#f-watch")
        assert shown_seqs(page) == [seq] and "watch=1" in page.url
        page.reload()
        page.wait_for_selector(ROWS)
        assert shown_seqs(page) == [seq]  # kept in the browser
        page.uncheck("#f-watch")
        expect(page.locator(ROWS)).to_have_count(6)

        with page.expect_download() as csv_download:
            page.click("#export-csv")
        lines = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text())))
        assert lines[0][:6] == ["seq", "chain", "address", "name", "symbol", "verdict"]
        assert [int(line[0]) for line in lines[1:]] == shown_seqs(page)
        assert '\'=HYPERLINK("http://evil.test")' in [line[3] for line in lines]  # never a live formula
        with page.expect_download() as json_download:
            page.click("#export-json")
        exported = json.loads(Path(json_download.value.path()).read_text())
        assert [r["seq"] for r in exported] == shown_seqs(page)

        record = next(r for r in stored(live) if r["seq"] == seq)
        first.locator(".copy").click()
        page.wait_for_selector(f'{ROWS}[data-seq="{seq}"] .copy.copied')
        assert page.evaluate("navigator.clipboard.readText()") == record["token_address"]
    finally:
        context.close()


HIDDEN_TAB = """
window.__hidden = false;
Object.defineProperty(document, 'hidden', { get: () => window.__hidden });
Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
  static get permission() { return 'granted'; }
  static requestPermission() { return Promise.resolve('granted'); }
  close() {}
};
window.__chimes = 0;
window.addEventListener('tokendiscovery:chime', () => { window.__chimes += 1; });
"""


def test_alerts_toast_chime_count_and_notify_only_for_tokens_that_pass_the_filters(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    scan(live, 3)
    context.add_init_script(HIDDEN_TAB)
    page = open_dashboard(context.new_page(), f"{live.url}/?chain=base")
    page.click("#alerts-toggle")  # one click: on
    assert page.locator("#alerts-toggle").get_attribute("aria-pressed") == "true"
    page.click("#alerts-settings")
    page.check("#alert-sound")
    page.check("#alert-desktop")
    assert page.locator("#alerts-toggle").inner_text() == "Alerts: on"
    page.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")

    inject(simulator, chain="solana", name="Filtered Out", symbol="NOPE")
    scan(live)
    page.wait_for_function(
        "() => [...window.tokenDiscovery.records.values()].some((r) => r.token_data.name === 'Filtered Out')"
    )  # received, but filtered out of view
    inject(simulator, chain="base", name="Alert Falcon", symbol="ALRT")
    scan(live)
    page.wait_for_selector(".toast:has-text('Alert Falcon')")
    assert page.locator(".toast").count() == 1  # the solana token did not pass chain=base
    assert page.title() == "(1) Token Discovery"
    notes = page.evaluate("window.__notes")
    assert len(notes) == 1 and "Alert Falcon" in notes[0]["title"]
    assert page.evaluate("window.__chimes") == 1
    page.evaluate("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))")
    assert page.title() == "Token Discovery"
    page.reload()
    page.wait_for_selector('#connection[data-state="connected"]')
    assert page.locator("#alerts-toggle").inner_text() == "Alerts: on"  # the choice is kept


def test_scan_now_shows_the_result_then_a_cached_answer_as_such(
    app_env: dict[str, str], context: BrowserContext
) -> None:
    live = LiveApp({**app_env, "DISCOVERY_MIN_INTERVAL": "30"}).start()
    try:
        page = open_dashboard(context.new_page(), live.url)
        page.click("#scan")
        page.wait_for_selector("#scan-state:has-text('Scan done')")
        assert page.locator("#scan").is_enabled() and page.locator("#scan").inner_text() == "Scan now"
        page.click("#scan")
        page.wait_for_selector("#scan-state:has-text('Cached result of the scan')")
        assert "no new upstream call" in page.locator("#scan-state").inner_text()
    finally:
        live.stop()


def test_scan_now_shows_a_budget_refusal_with_its_retry_time(app_env: dict[str, str], context: BrowserContext) -> None:
    live = LiveApp(
        {**app_env, "BUDGET_GECKOTERMINAL_PER_MINUTE": "1", "BUDGET_DEXSCREENER_DISCOVERY_PER_MINUTE": "2"}
    ).start()
    try:
        page = open_dashboard(context.new_page(), live.url)
        page.click("#scan")
        page.wait_for_selector("#scan-state:has-text('Scan done')")
        page.click("#scan")  # every discovery feed's budget is spent: no scan can be paid
        page.wait_for_selector("#scan-state[data-state='refused']")
        assert re.search(r"Retry in \d+ s", page.locator("#scan-state").inner_text())
        assert page.locator("#scan").is_disabled() and page.locator("#scan").inner_text().startswith("Retry in")
    finally:
        live.stop()


def test_a_reconnect_resumes_from_last_seq_without_gap_or_duplicate(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    page = dashboard_with(live, context, 4)
    page.evaluate("""() => {
        const client = window.tokenDiscovery.client;
        window.__joins = []; window.__polls = 0;
        const emit = client.socket.emit.bind(client.socket);
        client.socket.emit = (event, payload) => {
            if (event === 'join_discovery') window.__joins.push(payload);
            return emit(event, payload);
        };
        const fetch0 = window.fetch;
        window.fetch = (url, init) => {
            if (String(url).includes('after_seq')) window.__polls += 1;
            return fetch0(url, init);
        };
        client.socket.io.engine.close();  // the network drops
    }""")
    for i in range(3):
        inject(simulator, name=f"Missed {i}", symbol=f"MIS{i}")
    scan(live, 3)
    expect(page.locator(ROWS)).to_have_count(7, timeout=15000)
    seqs = shown_seqs(page)
    assert sorted(seqs) == sorted(r["seq"] for r in stored(live)) and len(set(seqs)) == 7
    assert page.evaluate("window.__joins") == [{"last_seq": 4}]
    assert page.evaluate("window.__polls") == 0  # the replay healed it, not REST
    assert page.locator("#connection").get_attribute("data-state") == "connected"


REFUSING_WEBSOCKET = """
window.WebSocket = class {
  constructor() { this.readyState = 3; setTimeout(() => { this.onerror && this.onerror(new Event("error"));
    this.onclose && this.onclose({ code: 1006, reason: "refused" }); }, 0); }
  send() {} close() {}
};
"""


def test_polling_takes_over_and_says_why_when_the_websocket_is_refused(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    scan(live, 2)
    page = context.new_page()
    page.add_init_script(REFUSING_WEBSOCKET)  # as behind a proxy that refuses the upgrade
    page.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())  # and drops long-polling
    page.goto(live.url)
    page.wait_for_selector('#connection[data-state="offline"]')
    notice = page.locator("#notice")
    assert notice.is_visible() and "Live updates unavailable" in notice.inner_text()
    assert "every 10 s" in notice.inner_text()
    inject(simulator, name="Polled Falcon", symbol="POLL")
    scan(live)
    page.wait_for_selector(f"{ROWS}:has-text('Polled Falcon')", timeout=15000)
    assert len(set(shown_seqs(page))) == 3


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_hostile_names_descriptions_and_links_stay_inert_text(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    links = [{"type": "website", "url": "javascript:window.__pwned=2"}, {"type": "telegram", "url": "data:text/html,x"},
             {"type": "twitter", "url": "https://x.com/ok"}]  # fmt: skip
    description = f"{HOSTILE}<script>window.__pwned=3</script>"
    inject(simulator, name=HOSTILE + "Evil", symbol="<b>EV</b>", description=description, links=links)
    scan(live)
    page = open_dashboard(context.new_page(), live.url)
    row = page.locator(ROWS).first
    assert HOSTILE in row.inner_text() and "<b>EV</b>" in row.inner_text()
    row.locator(".c-price").click()
    page.wait_for_selector("#detail:not([hidden])")
    assert "<script>window.__pwned=3</script>" in page.locator("#detail").inner_text()
    assert page.locator("img[src='x'], #detail script, #tokens script").count() == 0
    hrefs = page.locator("#tokens a, #detail a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("https://") for h in hrefs) and "https://x.com/ok" in hrefs
    assert page.evaluate("window.__pwned") is None


@pytest.mark.parametrize("width", [390, 1400])
def test_no_horizontal_scroll_on_a_phone_or_a_desk(
    width: int, live: LiveApp, simulator: SimulatorServer, browser: Browser
) -> None:
    inject(simulator, name="W" * 120, symbol="LONGSYMBOLWITHOUTSPACES" * 2,
           links=[{"type": "website", "url": "https://" + "a" * 60 + ".example/" + "b" * 200}])  # fmt: skip
    scan(live, 20)
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = open_dashboard(context.new_page(), live.url)
        expect(page.locator(ROWS)).to_have_count(20)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator(ROWS).first.locator(".c-price").click()
        page.wait_for_selector("#detail:not([hidden])")
        assert page.evaluate(
            "document.querySelector('#detail').scrollWidth <= document.querySelector('#detail').clientWidth"
        )
    finally:
        context.close()


def test_keyboard_alone_finds_opens_watches_and_closes(live: LiveApp, context: BrowserContext) -> None:
    scan(live, 5)
    page = open_dashboard(context.new_page(), live.url)
    page.wait_for_selector(ROWS)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"
    page.locator(ROWS).first.focus()
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.dataset.seq")
    assert second == str(shown_seqs(page)[1])
    page.keyboard.press("w")
    page.wait_for_selector(f'{ROWS}[data-seq="{second}"] .star[aria-pressed="true"]')
    page.locator(f'{ROWS}[data-seq="{second}"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden])")
    page.keyboard.press("Escape")
    assert page.locator("#detail").is_hidden()
    assert page.evaluate("document.activeElement.dataset.seq") == second


def test_five_tabs_kept_open_and_reloaded_never_trip_the_inbound_limits(live: LiveApp, context: BrowserContext) -> None:
    scan(live, 5)
    failures: list[str] = []
    context.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
    pages = [open_dashboard(context.new_page(), live.url) for _ in range(5)]
    for _ in range(3):
        for page in pages:
            page.reload()
            page.wait_for_selector('#connection[data-state="connected"]')
    assert failures == []  # no 429, and no 404 (the favicon is served)


def test_rows_in_view_stay_put_when_new_tokens_arrive_above(
    live: LiveApp, simulator: SimulatorServer, context: BrowserContext
) -> None:
    page = dashboard_with(live, context, 30)
    page.mouse.wheel(0, 700)
    page.wait_for_function("() => window.scrollY > 600")
    first_in_view = """() => { const head = document.querySelector('#grid-head th').getBoundingClientRect().bottom;
        const rows = [...document.querySelectorAll('#tokens tbody tr')];
        const row = rows.find(r => r.getBoundingClientRect().bottom > head);
        return [Number(row.dataset.seq), Math.round(row.getBoundingClientRect().top)]; }"""
    before = page.evaluate(first_in_view)
    for i in range(2):
        inject(simulator, name=f"Above {i}", symbol=f"ABV{i}")
    scan(live, 2)
    expect(page.locator("#new-above")).to_have_text("2 new ↑")
    after = page.evaluate(first_in_view)
    assert after[0] == before[0] and abs(after[1] - before[1]) <= 1  # what the trader was reading did not move
    page.click("#new-above")
    page.wait_for_function("() => window.scrollY === 0")
    assert all("Above" in page.locator(ROWS).nth(i).inner_text() for i in range(2))
