"""Signals at scale: 10,000 users' watchers on the one shared stream, at no upstream cost.

Run: .venv/bin/python bench/watchers.py [--watchers 10000] [--tokens 200] [--rounds 3] [--quick]

1. The running app, as in production (gunicorn, gevent worker), on the simulator, each round twice in turn:
   with no watcher, then with N generated watchers (20 owners; 1 in 100 with a webhook to a local receiver;
   each owner with a socket joined to its signals, read at the lowest CPU priority as clients on other machines
   would be). Both see the same injected tokens through the same scans
   (25 a scan). Measured: each scan's duration, the upstream calls by route, the signals made and those the
   sockets and the receiver got, and how fast. SIGNALS_PER_MINUTE is raised so that nothing is held back.
2. Matching alone, in process: the watcher index over the same N watchers, each token the app stored matched
   against every watcher, and the whole dispatch of it (match, keep the signals in SQLite on disk, hand them
   to the sockets): p50 and p99 a token.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import LiveApp  # noqa: E402
from tests.simulator_process import SimulatorProcess  # noqa: E402
from tests.webhook_receiver import WebhookReceiver  # noqa: E402
from token_discovery import events  # noqa: E402
from token_discovery.api.serving import tune_garbage_collector  # noqa: E402
from token_discovery.signals.book import Watcher, WatcherBook, owner_of  # noqa: E402
from token_discovery.signals.dispatch import SignalDispatcher  # noqa: E402
from token_discovery.signals.matching import WatcherIndex  # noqa: E402
from token_discovery.signals.rules import EXCLUDABLE, Rules  # noqa: E402
from token_discovery.signals.targets import webhook_url  # noqa: E402
from token_discovery.store.sqlite import SQLiteStore  # noqa: E402

OWNERS = 20
PER_SCAN = 25
WORDS = ["dog", "cat", "pepe", "moon", "ai", "frog", "inu", "king", "whale", "cash"]
CHAINS = ["solana", "base", "ethereum", "bsc"]


def watcher_bodies(count: int, hook: str, rng: random.Random) -> list[dict[str, Any]]:
    """Watchers as traders write them: a chain or two and a verdict nearly always, usually a liquidity floor or
    a maximum age, sometimes a word or flags to exclude; one in ten for changes of verdict."""
    bodies = []
    for number in range(count):
        rules: dict[str, Any] = {}
        if rng.random() < 0.9:
            rules["chains"] = rng.sample(CHAINS, rng.choice([1, 1, 1, 2]))
        if rng.random() < 0.9:
            rules["levels"] = rng.choice([["safe"], ["safe"], ["safe", "unknown"], ["risky"]])
        if rng.random() < 0.7:
            rules["min_liquidity_usd"] = rng.choice([1_000, 5_000, 10_000, 50_000, 100_000])
        if rng.random() < 0.6:
            rules["max_age_minutes"] = rng.choice([5, 15, 60, 360])
        if rng.random() < 0.3:
            rules["min_buys_h1"] = rng.choice([5, 20, 50])
        if rng.random() < 0.25:
            rules["pattern"] = rng.choice(WORDS)
        if rng.random() < 0.4:
            rules["exclude_flags"] = rng.sample(sorted(EXCLUDABLE), rng.randint(1, 3))
        if rng.random() < 0.1:
            rules["risk_changed"] = True
        body = {"name": f"watcher {number}", "rules": rules}
        if number % 100 == 0:
            body["webhook_url"] = hook
        bodies.append(body)
    return bodies


def token_specs(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """New tokens to inject: every chain, a word in some names, a share of traps, of unknowns and of thin pools."""
    specs = []
    for number in range(count):
        word = rng.choice(WORDS) if rng.random() < 0.4 else "token"
        spec: dict[str, Any] = {"chain": rng.choice(CHAINS), "name": f"{word.title()} {number}", "symbol": f"B{number}",
                                "liquidity_usd": rng.choice([500, 3_000, 20_000, 80_000, 400_000]),
                                "age_minutes": rng.choice([1, 3, 10, 40, 200])}  # fmt: skip
        roll = rng.random()
        if roll < 0.25:
            spec["security"] = {"is_honeypot": "1"}
        elif roll < 0.35:
            spec["security"] = {"is_mintable": "1", "is_proxy": "1"}
        elif roll < 0.45 and spec["chain"] != "solana":
            spec["security"] = "unindexed"
        specs.append(spec)
    return specs


def fill_watchers(store: SQLiteStore, bodies: list[dict[str, Any]]) -> list[str]:
    """The watchers written into a store: each owner's first through the book as the API makes it (which returns
    the owner's key), the rest as the book would keep them, checked by the same rules; the owners' keys."""
    book = WatcherBook(store, frozenset({"127.0.0.1"}), len(bodies), lambda: datetime.now(UTC), telegram=False)
    keys = [book.create(body, None)[1] or "" for body in bodies[:OWNERS]]
    for number, body in enumerate(bodies[OWNERS:], start=OWNERS):
        watcher = Watcher(id=secrets.token_hex(8), owner=owner_of(keys[number % OWNERS]), name=body["name"],
                          rules=Rules.from_json(body["rules"]),
                          webhook_url=webhook_url(body.get("webhook_url"), frozenset({"127.0.0.1"})),
                          telegram_chat_id=None, secret=secrets.token_hex(32),
                          created_at=datetime.now(UTC).isoformat())  # fmt: skip
        store.save_watcher(watcher.to_document())
    return keys


def frame_of(ws: websocket.WebSocket) -> str:
    """The next frame as text."""
    frame = ws.recv()
    return frame if isinstance(frame, str) else bytes(frame).decode()


SAMPLE_EVERY = 50  # one signal frame in this many is read for its token's analysis time
SCANNED_AT = '"scanned_at":"'  # the token's last key, and the last of the signal (its head comes first)


class SignalSockets:
    """One websocket per owner speaking Engine.IO 4 / Socket.IO 5 by hand, joined to its signals: it counts the
    `signal` frames and when they arrive without decoding them, so the clients cost this machine little; one in
    SAMPLE_EVERY is searched for its token's `scanned_at`, for the delay from analysis to arrival."""

    def __init__(self, url: str, keys: list[str]) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[float] = []
        self.delays: list[float] = []  # seconds from the token's analysis to its signal's arrival, sampled
        self.sockets = [self._joined(url, key) for key in keys]
        self.readers = [threading.Thread(target=self._read, args=(ws,), daemon=True) for ws in self.sockets]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _joined(url: str, key: str) -> websocket.WebSocket:
        """A websocket through the handshake, joined to the key's signals (the ack read)."""
        ws = websocket.create_connection(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                         timeout=30, skip_utf8_validation=True)  # fmt: skip
        assert frame_of(ws).startswith("0")  # Engine.IO open
        ws.send("40")
        next(f for f in iter(lambda: frame_of(ws), None) if f.startswith("40"))  # connected (an event may precede)
        ws.send("421" + json.dumps([events.JOIN_SIGNALS, {"owner_key": key}]))
        next(f for f in iter(lambda: frame_of(ws), None) if f.startswith("431"))  # the join's ack
        return ws

    def _read(self, ws: websocket.WebSocket) -> None:
        """Count signal frames; answer pings; end when the socket closes. The reader runs at the lowest CPU
        priority: it stands for clients on other machines, so it takes only what the server and the simulator
        leave of this machine's two cores."""
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        marker = f'42["{events.SIGNAL}"'
        while True:
            try:
                frame = frame_of(ws)
            except (websocket.WebSocketException, OSError):
                return
            if frame.startswith(marker):
                with self.lock:
                    self.arrivals.append(time.perf_counter())
                    sampled = len(self.arrivals) % SAMPLE_EVERY == 0
                at = frame.rfind(SCANNED_AT) + len(SCANNED_AT)
                if sampled and at >= len(SCANNED_AT):
                    moment = datetime.fromisoformat(frame[at : frame.index('"', at)])
                    self.delays.append(time.time() - moment.timestamp())
            elif frame == "2":
                ws.send("3")

    def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` signals have arrived (or the timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.05)  # the readers count: the frames still on the way have no event of their own

    def close(self) -> None:
        """Close every socket."""
        for ws in self.sockets:
            ws.close()


def settle(url: str, timeout: float) -> dict[str, Any]:
    """Wait until every signal is made and sent (the admin figures stop moving); the last figures."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        figures = requests.get(f"{url}/api/admin/stats", headers={"Authorization": "Bearer bench-admin-token-1"},
                               timeout=30).json()["signals"]  # fmt: skip
        if figures == last and figures["backlog"] == 0:
            return figures
        last = figures
        time.sleep(1.0)  # the app's own figures: no event tells when its workers are done
    return last or {}


def one_run(simulator: SimulatorProcess, workdir: Path, name: str, watchers: list[dict[str, Any]] | None,
            specs: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """A fresh app on a reset simulator: the scans, their calls, and what the signals came to."""
    requests.post(f"{simulator.url}/_sim/reset", timeout=5)
    (workdir / name).mkdir()
    database = workdir / name / "tokens.db"  # its own folder: the budget journal beside it starts empty too
    store = SQLiteStore(str(database), 200)  # both runs start on a database made the same way
    keys = fill_watchers(store, watchers) if watchers else []
    store.close()
    env = {**simulator.base_urls(), "SQLITE_PATH": str(database), "DISCOVERY_MIN_INTERVAL": "0",
           "ADMIN_TOKEN": "bench-admin-token-1", "TRIGGER_BUDGET_SHARE": "1.0", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
           "SIGNALS_PER_MINUTE": "100000", "RATE_LIMIT_DEFAULT": "100000 per minute",
           "RATE_LIMIT_TRIGGER": "100000 per minute"}  # fmt: skip
    app = LiveApp(env, server="gunicorn").start()
    sockets = SignalSockets(app.url, keys) if keys else None
    durations, stored = [], 0
    started = time.perf_counter()
    try:
        for first in range(0, len(specs), PER_SCAN):
            requests.post(f"{simulator.url}/_sim/tokens", json=specs[first : first + PER_SCAN], timeout=5)
            answer = requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": PER_SCAN}, timeout=120)
            scan = answer.json()
            durations.append(scan["duration_seconds"])
            stored += scan["tokens_stored"]
        figures = settle(app.url, 600) if keys else {}
        if sockets is not None:
            sockets.wait_for(figures["channels"]["socket"]["sent"], 60)
        records = requests.get(f"{app.url}/api/discovery/recent?limit=200", timeout=10).json()["tokens"]
    finally:
        if sockets is not None:
            sockets.close()
        app.stop()
    calls = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["calls"]
    return {"name": name, "durations": durations, "stored": stored, "calls": {k: v for k, v in calls.items() if v},
            "figures": figures, "sockets": sockets.arrivals if sockets else [], "started": started,
            "delays": sockets.delays if sockets else [],
            "records": records}  # fmt: skip


def rate(arrivals: list[float]) -> float:
    """Arrivals a second, first to last."""
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0


def delays(seconds: list[float]) -> str:
    """Sampled delays from a token's analysis to its signal's arrival: p50 / p99 in ms."""
    if not seconds:
        return "-"
    p50, p99 = quantiles([value * 1000 for value in seconds])
    return f"{p50:.0f} / {p99:.0f}"


def matching_alone(bodies: list[dict[str, Any]], records: list[dict[str, Any]], workdir: Path) -> dict[str, Any]:
    """Each stored token matched against every watcher, then dispatched whole into SQLite on disk."""
    store = SQLiteStore(str(workdir / "matching.db"), 200)
    fill_watchers(store, bodies)
    book = WatcherBook(store, frozenset(), len(bodies), lambda: datetime.now(UTC), telegram=False)
    index, now = WatcherIndex(book.every()), datetime.now(UTC)
    tune_garbage_collector()  # as the server does once it is built: what exists is kept out of every collection
    match_ms, matches = [], []
    for record in records:
        begun = time.perf_counter()
        found = index.match(record, now)
        match_ms.append((time.perf_counter() - begun) * 1000)
        matches.append(len(found))
    dispatcher = SignalDispatcher(book, store, lambda owner, signal: None, lambda: now, None, 10**9)
    dispatch_ms = []
    for record in records:
        begun = time.perf_counter()
        dispatcher.dispatch(events.NEW_TOKEN, record)
        dispatch_ms.append((time.perf_counter() - begun) * 1000)
    store.close()
    return {"match": quantiles(match_ms), "dispatch": quantiles(dispatch_ms), "matches": statistics.mean(matches),
            "tokens": len(records)}  # fmt: skip


def quantiles(values: list[float]) -> tuple[float, float]:
    """p50 and p99."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    """Run every round and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="every upstream answer takes this long (the real APIs answer in 50 to 300 ms)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 watchers, 50 tokens, one round")
    args = parser.parse_args()
    if args.quick:
        args.watchers, args.tokens, args.rounds = 1_000, 50, 1
    rng = random.Random(20261130)
    receiver = WebhookReceiver().start()
    bodies, specs = watcher_bodies(args.watchers, receiver.url, rng), token_specs(args.tokens, rng)
    simulator = SimulatorProcess(seed=11, latency_ms=args.latency_ms)
    rounds = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            one_run(simulator, Path(folder), "warm-up", None, specs)  # warms the disk and the simulator: unused
            for number in range(args.rounds):
                receiver.received.clear()
                if number % 2:  # which goes first alternates: the second run of a pair tends to be a little faster
                    watched = one_run(simulator, Path(folder), f"watched-{number}", bodies, specs)
                    baseline = one_run(simulator, Path(folder), f"none-{number}", None, specs)
                else:
                    baseline = one_run(simulator, Path(folder), f"none-{number}", None, specs)
                    watched = one_run(simulator, Path(folder), f"watched-{number}", bodies, specs)
                hooks = [post.arrived for post in receiver.received]
                rounds.append((baseline, watched, hooks))
            alone = matching_alone(bodies, rounds[0][0]["records"], Path(folder))
    finally:
        simulator.stop()
        receiver.stop()
    report(args, rounds, alone)


def report(args: argparse.Namespace, rounds: list[Any], alone: dict[str, Any]) -> None:
    """The tables, as docs/BENCHMARKS.md keeps them."""
    print(f"# watchers, {args.watchers} watchers, {args.tokens} injected tokens, {args.rounds} round(s), upstream "
          f"latency {args.latency_ms:.0f} ms, on "
          f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores), {date.today()}")  # fmt: skip
    print(
        "\n| round | scans | tokens stored | scan p50 none / watched (ms) | ratio | upstream calls none / "
        "watched | identical | signals made | to sockets | sockets /s | delay p50 / p99 (ms) | to webhooks | "
        "webhooks /s |"
    )
    print("|---:|---:|---:|---|---:|---|---|---:|---:|---:|---|---:|---:|")
    ratios = []
    for number, (baseline, watched, hooks) in enumerate(rounds):
        none_ms, watched_ms = (statistics.median(run["durations"]) * 1000 for run in (baseline, watched))
        ratios.append(watched_ms / none_ms)
        same = baseline["calls"] == watched["calls"]
        print(f"| {number + 1} | {len(watched['durations'])} | {watched['stored']} | {none_ms:.0f} / "
              f"{watched_ms:.0f} | {ratios[-1]:.2f} | {sum(baseline['calls'].values())} / "
              f"{sum(watched['calls'].values())} | {'yes' if same else 'NO'} | "
              f"{watched['figures'].get('signals_made', 0)} | {len(watched['sockets'])} | "
              f"{rate(watched['sockets']):.0f} | {delays(watched['delays'])} | {len(hooks)} | "
              f"{rate(hooks):.0f} |")  # fmt: skip
    for number, (baseline, watched, _) in enumerate(rounds):
        if baseline["calls"] != watched["calls"]:
            print(f"round {number + 1} calls by route, none: {baseline['calls']}; watched: {watched['calls']}")
    print(f"\nmedian scan ratio watched / none: {statistics.median(ratios):.2f} (target at most 1.05)")
    print(
        "\n| matching alone | tokens | matches a token | match p50 (ms) | match p99 (ms) | dispatch p50 (ms) | "
        "dispatch p99 (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.watchers} watchers | {alone['tokens']} | {alone['matches']:.0f} | {alone['match'][0]:.2f} | "
          f"{alone['match'][1]:.2f} | {alone['dispatch'][0]:.2f} | {alone['dispatch'][1]:.2f} |")  # fmt: skip
    print("\ntarget: matching under 5 ms a token at 10,000 watchers")


if __name__ == "__main__":
    main()
