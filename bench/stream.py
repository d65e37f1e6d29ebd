"""The pump.fun stream, end to end: creations emitted at a steady rate on the simulator's stream, each timed from
its creation to its `new_token` at a connected client, and the upstream calls a token costs, against the same
number of tokens found by polled scans.

Run: .venv/bin/python bench/stream.py [--rate 0.4 --rate 2] [--seconds 60] [--latency-ms 100] [--quick]

For each rate: a fresh app as in production (gunicorn, gevent worker) on a reset simulator in its own process;
one Socket.IO client joined to the discovery room; creations posted one at a time at the rate for the duration,
each timed from just before its POST (the simulator sends the creation before it answers) to its arrival at the
client. The polled baseline: as many tokens put on the discovery feeds, found by scans of 20 triggered one after
the other until every one is stored; its calls divided by the tokens.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import LiveApp  # noqa: E402
from tests.simulator_process import SimulatorProcess  # noqa: E402
from token_discovery.bootstrap import stream_spacing  # noqa: E402
from token_discovery.sources.budget import PUBLISHED_LIMITS  # noqa: E402

ADMIN = "bench-admin-token-1"
SPACING = stream_spacing(PUBLISHED_LIMITS, 60.0, 0.25)  # the stream's batches at the default limits and share


class Arrivals:
    """A client joined to discovery, noting when each token arrives."""

    def __init__(self, url: str) -> None:
        self.at: dict[str, float] = {}
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("new_token", self._arrived)
        joined = threading.Event()
        self.client.on("joined_discovery", lambda data: joined.set())
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.client.emit("join_discovery")
        assert joined.wait(10), "the client did not join"

    def _arrived(self, record: dict[str, Any]) -> None:
        with self.changed:
            self.at.setdefault(record["token_address"], time.perf_counter())
            self.changed.notify_all()

    def wait_for(self, addresses: set[str], timeout: float) -> None:
        """Until every address arrived (or the timeout)."""
        with self.changed:
            self.changed.wait_for(lambda: addresses <= self.at.keys(), timeout)


def app_env(simulator: SimulatorProcess, folder: Path, name: str, flush: float = 2.0) -> dict[str, str]:
    """A fresh app on the simulator, its database in a folder of its own. The scans triggered here stand for the
    automatic loop: they may spend every bucket whole (TRIGGER_BUDGET_SHARE 1), and so leave the stream nothing
    held back; the stream runs keep the default share, as deployed."""
    (folder / name).mkdir()
    share = {} if name.startswith("stream") else {"TRIGGER_BUDGET_SHARE": "1.0"}
    return {**simulator.base_urls(), "SQLITE_PATH": str(folder / name / "tokens.db"), "ADMIN_TOKEN": ADMIN,
            "DISCOVERY_MIN_INTERVAL": "0", "STREAM_FLUSH_SECONDS": str(flush), **share}  # fmt: skip


def calls(simulator: SimulatorProcess) -> int:
    """Upstream calls the simulator answered since its last reset."""
    return int(requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["total_calls"])


def emitted(simulator: SimulatorProcess, app: LiveApp, rate: float, seconds: float, source: str | None,
            poll_every: float | None = None) -> tuple[dict[str, float], Arrivals]:  # fmt: skip
    """Tokens posted one at a time at `rate` for `seconds` (launched on the stream, or put on the polled feeds
    and found by a scan triggered every `poll_every` s): when each was posted, and the client's arrivals."""
    arrivals, sent = Arrivals(app.url), {}
    polling = threading.Event()
    if poll_every is not None:
        threading.Thread(target=poll, args=(app, poll_every, polling), daemon=True).start()
    started, count = time.perf_counter(), int(rate * seconds)
    for number in range(count):
        time.sleep(max(0.0, started + number / rate - time.perf_counter()))  # the steady rate itself
        spec = {"chain": "solana", "name": f"Bench {number}", "symbol": f"B{number}",
                **({"source": source} if source else {})}  # fmt: skip
        at = time.perf_counter()
        sent[requests.post(f"{simulator.url}/_sim/tokens", json=[spec], timeout=5).json()[0]["address"]] = at
    arrivals.wait_for(set(sent), 60 if poll_every is None else 3 * poll_every + 10)
    polling.set()
    arrivals.client.disconnect()
    return sent, arrivals


def poll(app: LiveApp, every: float, stop: threading.Event) -> None:
    """Trigger a scan of 20 every `every` seconds until stopped (a refusal for want of budget is counted too)."""
    while not stop.wait(every):
        requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 20}, timeout=120)


def measured(simulator: SimulatorProcess, folder: Path, rate: float, seconds: float, path: str,
             flush: float) -> dict[str, Any]:  # fmt: skip
    """One path at one rate: each token's latency to the client, the calls, and the stream's batches."""
    requests.post(f"{simulator.url}/_sim/reset", timeout=5)
    app = LiveApp(app_env(simulator, folder, f"{path}-{rate}", flush), server="gunicorn").start()
    try:
        deadline = time.monotonic() + 20
        while requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["connections"] < 1:
            assert time.monotonic() < deadline, "the app did not connect to the stream"
            time.sleep(0.05)  # readiness probe: the app connects on its own thread
        source, every = ("pumpfun", None) if path == "stream" else (None, flush)
        sent, arrivals = emitted(simulator, app, rate, seconds, source, every)
        figures = requests.get(f"{app.url}/api/admin/stats", headers={"Authorization": f"Bearer {ADMIN}"},
                               timeout=5).json()  # fmt: skip
    finally:
        app.stop()
    latencies = sorted((arrivals.at[a] - t) * 1000 for a, t in sent.items() if a in arrivals.at)
    batches = figures["stream"]["batches"] if path == "stream" else figures["stats"]["total_scans"]
    waits = figures["stream"]["budget_waits"]
    return {"path": path, "rate": rate, "tokens": len(sent), "arrived": len(latencies), "latencies": latencies,
            "calls": calls(simulator), "batches": batches, "budget_waits": waits}  # fmt: skip


def polled(simulator: SimulatorProcess, folder: Path, count: int) -> dict[str, Any]:
    """The same number of tokens put on the feeds 20 at a time, each 20 found by one scan: the fewest calls a
    token can cost when freshness does not matter (the feeds show the newest few dozen, so more at once would not
    all be seen)."""
    requests.post(f"{simulator.url}/_sim/reset", timeout=5)
    app = LiveApp(app_env(simulator, folder, f"polled-{count}"), server="gunicorn").start()
    stored = scans = 0
    try:
        for first in range(0, count, 20):
            specs = [{"chain": "solana", "name": f"Polled {n}", "symbol": f"P{n}"}
                     for n in range(first, min(count, first + 20))]  # fmt: skip
            requests.post(f"{simulator.url}/_sim/tokens", json=specs, timeout=10).raise_for_status()
            answer = requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 20}, timeout=120).json()
            stored, scans = stored + answer.get("tokens_stored", 0), scans + 1
    finally:
        app.stop()
    return {"tokens": stored, "scans": scans, "calls": calls(simulator)}


def quantile(ordered: list[float], q: float) -> float:
    """A quantile of sorted values."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    """Run every rate and the polled baseline; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="creations a second (repeatable)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each rate is kept up")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="every upstream HTTP answer takes this long")
    parser.add_argument("--flush", type=float, default=2.0, help="STREAM_FLUSH_SECONDS, and the polling period")
    parser.add_argument("--quick", action="store_true", help="one rate of 2 a second for 10 s")
    args = parser.parse_args()
    rates = [2.0] if args.quick else (args.rate or [0.4, 2.0])
    seconds = 10.0 if args.quick else args.seconds
    simulator = SimulatorProcess(seed=11, latency_ms=args.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as folder:
            rows = [measured(simulator, Path(folder), rate, seconds, path, args.flush)
                    for rate in rates for path in ("stream", "polled")]  # fmt: skip
            baseline = polled(simulator, Path(folder), max(row["tokens"] for row in rows))
    finally:
        simulator.stop()
    report(args, seconds, rows, baseline)


def report(args: argparse.Namespace, seconds: float, rows: list[dict[str, Any]], baseline: dict[str, Any]) -> None:
    """The table, as docs/BENCHMARKS.md keeps it."""
    print(f"# stream, tokens for {seconds:.0f} s a rate, upstream latency {args.latency_ms:.0f} ms, flush 20 tokens "
          f"or {args.flush:g} s, batches {SPACING:.1f} s apart at least (polled: a scan of 20 every {args.flush:g} s), "
          f"on {platform.node()} "
          f"({platform.machine()}, {os.cpu_count()} cores), {date.today()}")  # fmt: skip
    print("\n| path | tokens /s | tokens | arrived | latency p50 (ms) | p99 (ms) | max (ms) | batches or scans | "
          "tokens a batch | upstream calls | calls a token | budget waits |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        lat = row["latencies"]
        print(f"| {row['path']} | {row['rate']:g} | {row['tokens']} | {row['arrived']} | {quantile(lat, 0.5):.0f} | "
              f"{quantile(lat, 0.99):.0f} | {max(lat, default=float('nan')):.0f} | {row['batches']} | "
              f"{row['arrived'] / max(1, row['batches']):.1f} | {row['calls']} | "
              f"{row['calls'] / max(1, row['arrived']):.2f} | {row['budget_waits']} |")  # fmt: skip
    per_token = baseline["calls"] / max(1, baseline["tokens"])
    print(f"\npolled in bulk: {baseline['tokens']} tokens put on the feeds 20 at a time, {baseline['scans']} scans of "
          f"20, {baseline['calls']} calls: {per_token:.2f} calls a token")  # fmt: skip
    streamed = [quantile(row["latencies"], 0.99) for row in rows if row["path"] == "stream"]
    print(f"stream p99 latency, worst rate: {max(streamed):.0f} ms (target: under the flush interval plus one "
          "security batch)")  # fmt: skip


if __name__ == "__main__":
    main()
