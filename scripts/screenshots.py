"""Take the README's screenshots: the demo on a free port, the dashboard and the admin console at 1400 and 390 px.

.venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "screenshot-admin-token"  # noqa: S105 - a throwaway demo credential
WIDTHS = (1400, 390)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PUMP_LAUNCHES = 4  # the demo's market launches one every 8 s: the shots wait for a few


def has_tokens(url: str) -> bool:
    """Whether the app answers and has stored its first tokens (False while it is still starting)."""
    try:
        return bool(requests.get(f"{url}/api/discovery/recent?limit=1", timeout=1).json()["count"])
    except (requests.RequestException, ValueError, KeyError):
        return False


def pump_launches(url: str) -> int:
    """How many tokens the pump.fun stream brought so far."""
    tokens = requests.get(f"{url}/api/discovery/recent?limit=200", timeout=5).json()["tokens"]
    return sum(1 for token in tokens if "pumpportal.stream" in token["token_data"].get("sources", []))


def start_demo(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`python app.py --demo` on a free port with its own database; wait until it has tokens."""
    port = free_port()
    env = {**os.environ, "ADMIN_TOKEN": ADMIN_TOKEN, "SQLITE_PATH": str(folder / "shots.db"), "LOG_LEVEL": "WARNING",
           "DISCOVERY_INTERVAL": "3600"}  # fmt: skip
    command = [sys.executable, "app.py", "--demo", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if has_tokens(url):
            requests.post(f"{url}/api/discovery/trigger", json={"max_tokens": 40}, timeout=60)
            while pump_launches(url) < PUMP_LAUNCHES and time.monotonic() < deadline + 60:
                time.sleep(1.0)  # launches come on the demo market's own clock
            return process, url
        time.sleep(0.3)  # the demo is still starting
    process.kill()
    raise SystemExit("the demo did not start")


def shoot(browser: Browser, url: str, out: Path, width: int) -> None:
    """The dashboard, a token's detail and the admin console at one width."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector('#connection[data-state="connected"]')
    page.wait_for_selector("#tokens tbody tr")
    page.screenshot(path=str(out / f"dashboard-{width}.png"))
    launched = page.locator('#tokens tbody tr[data-level="risky"]:has(.launch)')
    risky = launched if launched.count() else page.locator('#tokens tbody tr[data-level="risky"]')
    risky.first.locator(".c-verdict").click()
    page.wait_for_selector("#detail:not([hidden])")
    page.screenshot(path=str(out / f"detail-{width}.png"))
    page.goto(f"{url}/admin")
    page.fill("#token", ADMIN_TOKEN)
    page.click("#login button[type=submit]")
    page.wait_for_selector(".budget-card")
    page.screenshot(path=str(out / f"admin-{width}.png"), full_page=width > 500)
    context.close()


def main() -> None:
    """Start the demo, take every screenshot, stop the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_demo(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for width in WIDTHS:
                    shoot(browser, url, out, width)
                browser.close()
        finally:
            process.terminate()
            process.wait(10)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
