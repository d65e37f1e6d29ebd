"""Read path: GET /api/discovery/recent?limit=50 against /healthz of the same server, in the same run.

Run: .venv/bin/python bench/read_path.py [--seconds 10] [--connections 50] [--server gunicorn|werkzeug]
The app runs as a real server process (gunicorn -c gunicorn.conf.py by default) on the simulator, with
200 stored tokens. Load comes from wrk when it is installed (apt-get install wrk), else from a Python
client of threads, which is slower than the server and says so in the table's title.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import LiveApp, top_up_tokens  # noqa: E402
from token_discovery.simulator import SimulatorServer  # noqa: E402

# (row, path, sends Accept-Encoding: gzip as every browser does)
ROWS = [("/healthz", "/healthz", True), ("/api/discovery/status (rate-limited, small)", "/api/discovery/status", True),
        ("recent?limit=50, gzip", "/api/discovery/recent?limit=50", True),
        ("recent?limit=50, identity", "/api/discovery/recent?limit=50", False),
        ("recent?limit=200, gzip", "/api/discovery/recent?limit=200", True),
        ("recent?limit=1, gzip (the route without the bytes)", "/api/discovery/recent?limit=1", True)]  # fmt: skip


def fill(app: LiveApp, database: Path, wanted: int = 200) -> int:
    """Scan once, then store copies of the scanned tokens under new addresses up to `wanted`; the count."""
    requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 100}, timeout=120)
    count = top_up_tokens(database, wanted)
    deadline = time.monotonic() + 10  # the app's read model takes them in within a second
    while len(requests.get(f"{app.url}/api/discovery/recent?limit=200", timeout=10).json()["tokens"]) < count:
        assert time.monotonic() < deadline, "the app never served the stored tokens"
        time.sleep(0.2)
    return count


def wrk(url: str, seconds: int, connections: int, gzipped: bool) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) measured by wrk."""
    header = ["-H", "Accept-Encoding: gzip"] if gzipped else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return rate, float(p99.group(1)) * scale


def python_load(url: str, seconds: int, connections: int, gzipped: bool) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) from threads with keep-alive sessions."""
    deadline = time.perf_counter() + seconds
    headers = {"Accept-Encoding": "gzip" if gzipped else "identity"}

    def worker(_: int) -> list[float]:
        session, latencies = requests.Session(), []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            session.get(url, headers=headers, timeout=10).raise_for_status()
            latencies.append(time.perf_counter() - started)
        return latencies

    with ThreadPoolExecutor(connections) as pool:
        latencies = sorted(t for batch in pool.map(worker, range(connections)) for t in batch)
    return len(latencies) / seconds, statistics.quantiles(latencies, n=100)[98] * 1000


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn")
    args = parser.parse_args()
    load, tool = (wrk, "wrk") if shutil.which("wrk") else (python_load, "a Python client (install wrk)")
    with SimulatorServer() as simulator, tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "read.db"
        env = {**simulator.base_urls(), "SQLITE_PATH": str(database), "DISCOVERY_MIN_INTERVAL": "0",
               "ANALYSIS_CACHE_TTL": "0", "RATE_LIMIT_DEFAULT": "10000000 per minute",
               "RATE_LIMIT_TRIGGER": "10000 per minute"}  # fmt: skip
        app = LiveApp(env, server=args.server).start()
        try:
            stored = fill(app, database)
            rows = {name: load(app.url + path, args.seconds, args.connections, gz) for name, path, gz in ROWS}
        finally:
            app.stop()
    base = rows["/healthz"][0]
    print(f"# read_path, {args.server}, {tool}, {args.connections} connections, {args.seconds} s each, "
          f"{stored} stored tokens, on {platform.node()} ({os.cpu_count()} cores, "
          f"Python {platform.python_version()})")  # fmt: skip
    print("| route | requests/s | p99 (ms) | throughput vs /healthz |")
    print("|---|---:|---:|---:|")
    for name, (rate, p99) in rows.items():
        print(f"| {name} | {rate:,.0f} | {p99:.1f} | {rate / base:.0%} |")


if __name__ == "__main__":
    main()
