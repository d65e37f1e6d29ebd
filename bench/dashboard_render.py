"""How fast the dashboard shows a full store and a burst of new tokens, against a bare table in the same browser.

.venv/bin/python bench/dashboard_render.py [--runs 5]

The app runs as a real process on a free port with the simulator; 200 tokens are stored first. For each run a
fresh tab opens the dashboard and the time from navigation to 200 rows on screen is taken; then 20 tokens are
injected and scanned, and the time from the scan's answer to the 20th new row is taken. The baseline is a
static page that builds the same 200 records into a plain table with textContent, timed the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import LiveApp  # noqa: E402
from token_discovery.simulator import SimulatorApp, SimulatorServer  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROWS = "#tokens tbody tr"
BASELINE = """<!doctype html><meta charset="utf-8"><table><tbody id="t"></tbody></table><script>
const records = %s; const body = document.getElementById("t");
for (const r of records) { const tr = document.createElement("tr");
  for (const v of [r.seq, r.token_data.name, r.token_data.symbol, r.token_chain, r.risk_level, r.risk_score,
                   JSON.stringify(r.token_data.market && r.token_data.market.price_usd)]) {
    const td = document.createElement("td"); td.textContent = String(v); tr.append(td); }
  body.append(tr); }
</script>"""


def fill(live: LiveApp, simulator: SimulatorServer, count: int) -> list[dict]:
    """Store `count` tokens, 25 injected at the head of the feeds per scan (a feed page holds about 30)."""
    batch = 0
    while True:
        stored = requests.get(f"{live.url}/api/discovery/recent?limit=200", timeout=10).json()["tokens"]
        if len(stored) >= count:
            return stored
        specs = [{"chain": ("base", "bsc", "solana")[i % 3], "name": f"Bench {batch}-{i}", "symbol": f"B{i}"}
                 for i in range(25)]  # fmt: skip
        requests.post(f"{simulator.url}/_sim/tokens", json=specs, timeout=30).raise_for_status()
        answer = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 25}, timeout=120)
        if answer.status_code == 429:
            time.sleep(float(answer.headers.get("Retry-After", "5")))  # the upstream budget refills
        batch += 1


def time_full_page(browser: Browser, url: str, selector: str, count: int) -> float:
    """Milliseconds from navigation start to `count` elements matching `selector`."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_function(f"() => document.querySelectorAll({json.dumps(selector)}).length >= {count}")
    elapsed = page.evaluate("() => performance.now()")
    page.close()
    return float(elapsed)


def time_burst(browser: Browser, live: LiveApp, simulator: SimulatorServer, run: int) -> float:
    """Milliseconds from a 20-token scan's answer to the 20th new row on an open dashboard."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(live.url)
    page.wait_for_selector('#connection[data-state="connected"]')
    before = page.locator(ROWS).count()
    specs = [{"chain": "base", "name": f"Burst {run}-{i}", "symbol": f"U{run}{i}"} for i in range(20)]
    requests.post(f"{simulator.url}/_sim/tokens", json=specs, timeout=30).raise_for_status()
    requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 20}, timeout=120)
    answered = time.perf_counter()
    wanted = min(200, before + 20) if before < 200 else 200
    page.wait_for_function(f"() => [...document.querySelectorAll('{ROWS}')].filter(r => "
                           f"r.textContent.includes('Burst {run}-')).length === 20 && "
                           f"document.querySelectorAll('{ROWS}').length === {wanted}")  # fmt: skip
    elapsed = (time.perf_counter() - answered) * 1000
    page.close()
    return elapsed


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        simulator = SimulatorServer(SimulatorApp(seed=11)).start()
        env = {**simulator.base_urls(), "SQLITE_PATH": str(Path(folder) / "bench.db"), "DISCOVERY_MIN_INTERVAL": "0",
               "RATE_LIMIT_TRIGGER": "1000 per minute",
               "RATE_LIMIT_DEFAULT": "10000 per minute"}  # fmt: skip
        live = LiveApp(env).start()
        try:
            records = fill(live, simulator, 200)
            baseline_file = Path(folder) / "baseline.html"
            baseline_file.write_text(BASELINE % json.dumps(records))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                base = [time_full_page(browser, baseline_file.as_uri(), "#t tr", 200) for _ in range(runs)]
                full = [time_full_page(browser, live.url, ROWS, 200) for _ in range(runs)]
                burst = [time_burst(browser, live, simulator, run) for run in range(runs)]
                browser.close()
        finally:
            live.stop()
            simulator.stop()
    med = statistics.median
    print(f"dashboard render, {runs} runs each, medians (chromium {os.uname().machine}, {os.cpu_count()} cores)")
    print("| what | median ms | min ms | max ms | ratio to baseline |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare table, 200 rows (baseline) | {med(base):.0f} | {min(base):.0f} | {max(base):.0f} | 1.00 |")
    print(f"| dashboard, 200 rows from open | {med(full):.0f} | {min(full):.0f} | {max(full):.0f} | "
          f"{med(full) / med(base):.2f} |")  # fmt: skip
    print(f"| dashboard, burst of 20 new tokens (scan answer to 20th row) | {med(burst):.0f} | {min(burst):.0f} | "
          f"{max(burst):.0f} | n/a |")  # fmt: skip


if __name__ == "__main__":
    main()
