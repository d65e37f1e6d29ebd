"""N concurrent users trigger a scan of the running app: upstream calls and time until all have the result.

Run: .venv/bin/python bench/shared_scan.py [--users 1,10,100,1000]
The app runs as a real server process against the simulator; each N starts from a fresh database
and a reset simulator, so every N pays for exactly one real scan.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import LiveApp  # noqa: E402
from token_discovery.simulator import SimulatorServer  # noqa: E402


def one_round(simulator: SimulatorServer, users: int, workdir: Path, server: str) -> dict:
    """Fresh app and simulator; `users` concurrent triggers; the calls and the latencies."""
    requests.post(f"{simulator.url}/_sim/reset", timeout=5)
    env = {
        **simulator.base_urls(),
        "SQLITE_PATH": str(workdir / f"bench-{users}.db"),
        "DISCOVERY_MIN_INTERVAL": "60",
        "RATE_LIMIT_TRIGGER": "100000 per minute",
        "RATE_LIMIT_DEFAULT": "100000 per minute",
    }
    app = LiveApp(env, server=server).start()
    session_per_user = [requests.Session() for _ in range(users)]

    def trigger(index: int) -> tuple[float, str]:
        started = time.perf_counter()
        answer = session_per_user[index].post(f"{app.url}/api/discovery/trigger", json={}, timeout=120).json()
        return time.perf_counter() - started, answer["scan_id"]

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=min(users, 1000)) as pool:
            outcomes = list(pool.map(trigger, range(users)))
        everyone = time.perf_counter() - started
    finally:
        app.stop()
        for session in session_per_user:
            session.close()
    calls = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["total_calls"]
    latencies = sorted(latency for latency, _ in outcomes)
    return {
        "users": users,
        "scans": len({scan_id for _, scan_id in outcomes}),
        "calls": calls,
        "p50": statistics.median(latencies),
        "max": latencies[-1],
        "everyone": everyone,
    }


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", default="1,10,100,1000")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                        help="gunicorn -k gevent -w 1 (production) or the built-in threaded server")  # fmt: skip
    args = parser.parse_args()
    counts = [int(n) for n in args.users.split(",")]
    with SimulatorServer() as simulator, tempfile.TemporaryDirectory() as workdir:
        rows = [one_round(simulator, n, Path(workdir), args.server) for n in counts]
    one_scan = rows[0]["calls"] if rows[0]["users"] == 1 else None
    print(f"# shared_scan, {args.server}, on {platform.node()} ({platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()})")  # fmt: skip
    print("| users | scans run | upstream calls (shared) | N independent scans | calls saved | "
          "p50 wait (s) | max wait (s) | all served (s) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        independent = row["users"] * (one_scan or row["calls"])
        saved = 1 - row["calls"] / independent
        print(f"| {row['users']} | {row['scans']} | {row['calls']} | {independent} | {saved:.1%} | "
              f"{row['p50']:.3f} | {row['max']:.3f} | {row['everyone']:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
