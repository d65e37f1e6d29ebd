"""Sustained discovery against the simulator at its limits: share of each limit used, and 429s received.

Run: .venv/bin/python bench/budget.py [--seconds 60] [--rate-scale 20]
Time is scaled: with --rate-scale 20 every limit window lasts 3 s instead of 60 s, in the simulator
and in the service's budget alike. New tokens appear every 20 ms, so discovery always has work.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from token_discovery.bootstrap import build_services  # noqa: E402
from token_discovery.config import Config  # noqa: E402
from token_discovery.simulator import SimulatorApp, SimulatorServer  # noqa: E402
from token_discovery.sources.budget import PUBLISHED_LIMITS, ROUTE_CLASS  # noqa: E402
from token_discovery.store.sqlite import SQLiteStore  # noqa: E402


def run(seconds: float, rate_scale: float) -> tuple[dict, float, int]:
    """Scan back to back for `seconds`; answer the simulator's stats, the elapsed time and the scans made."""
    window = 60.0 / rate_scale
    with SimulatorServer(SimulatorApp(seed=11, rate_scale=rate_scale, spawn_seconds=0.02)) as simulator:
        env = {**simulator.base_urls(), "BUDGET_WINDOW_SECONDS": str(window), "DISCOVERY_MIN_INTERVAL": "0",
               "GOPLUS_BATCH_SIZE": "20", "LOG_LEVEL": "ERROR"}  # fmt: skip
        services = build_services(Config.from_env(env), store=SQLiteStore(":memory:", 100_000))
        scans, started = 0, time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                result = services.service.trigger_scan(max_tokens=100).to_json()
                if result.get("status") == "refused":
                    time.sleep(min(result["retry_after"], 0.25))  # the budget says when to come back
                else:
                    scans += 1
            elapsed = time.monotonic() - started
            stats = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()
        finally:
            services.close()
    return stats, elapsed, scans


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate-scale", type=float, default=20.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    stats, elapsed, scans = run(args.seconds, args.rate_scale)
    windows = elapsed / (60.0 / args.rate_scale)
    print(f"# budget on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}): {elapsed:.0f} s = {windows:.1f} limit windows, {scans} scans")  # fmt: skip
    print("| route class | limit / window | calls | share of limit used | 429s received |")
    print("|---|---:|---:|---:|---:|")
    for name, limit in PUBLISHED_LIMITS.items():
        routes = [route for route, cls in ROUTE_CLASS.items() if cls == name]
        calls = sum(stats["calls"][route] for route in routes)
        limited = sum(stats["rate_limited"][route] for route in routes)
        print(f"| {name} | {limit} | {calls} | {calls / (limit * windows):.1%} | {limited} |")


if __name__ == "__main__":
    main()
