"""Fan-out: one scan of 20 new tokens delivered to N websocket clients, against a plain Node socket.io server.

Run: .venv/bin/python bench/fanout.py [--clients 100,1000,5000] [--rounds 3] [--quick]
For each N, three servers are measured in turn, each freshly started: the production server (gunicorn -c
gunicorn.conf.py app:app, gevent worker) and the demo server (python app.py --demo, gevent's WSGI server),
both against the simulated upstream on a fresh database, and bench/node_reference/server.js (socket.io 4.8)
broadcasting 20 records the production server broadcast earlier in the same run. N official socket.io
clients (tests/js/swarm.mjs, a few Node processes, websocket only) join the room `discovery`; each new_token's
delivery time is its arrival minus the record's `scanned_at`, set by the server just before it stores and
broadcasts it. /healthz is polled every 100 ms on a fresh connection throughout.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout_support.measure import SCAN_TOKENS, RoundResult, SwarmOptions, run_round  # noqa: E402
from bench.fanout_support.report import table, targets  # noqa: E402
from bench.fanout_support.targets import (  # noqa: E402
    AppTarget,
    NodeTarget,
    Target,
    app_env,
    capture_records,
    install_node_reference,
)
from token_discovery.simulator import SimulatorServer  # noqa: E402

SERVERS = ("production", "demo", "node")
QUICK_CLIENTS = "100,500"


def starter(
    server: str, clients: int, simulator: SimulatorServer, workdir: Path, records: Path
) -> Callable[[], Target]:
    """A function that starts `server` fresh: a new database, a reset simulator."""
    if server == "node":
        return functools.partial(NodeTarget, records)
    if server == "demo":  # the demo runs its own simulated market in-process
        return functools.partial(AppTarget, server, app_env(workdir, clients, None))

    def production() -> Target:
        requests.post(f"{simulator.url}/_sim/reset", timeout=5)
        return AppTarget(server, app_env(workdir, clients, simulator))

    return production


def parse_args() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="100,1000,5000", help="swarm sizes, comma-separated")
    parser.add_argument("--quick", action="store_true", help=f"a short run: --clients {QUICK_CLIENTS}")
    parser.add_argument("--servers", default=",".join(SERVERS), help="a subset of production,demo,node")
    parser.add_argument("--processes", type=int, default=4, help="Node processes holding the clients")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds per size, the servers taking turns in each; targets on the median")  # fmt: skip
    parser.add_argument("--no-deflate", action="store_true",
                        help="clients do not offer permessage-deflate (browsers always do)")  # fmt: skip
    return parser.parse_args()


def measure(args: argparse.Namespace) -> tuple[list[RoundResult], int]:
    """Every server at every swarm size; the mean size of a broadcast record in bytes."""
    counts = [int(n) for n in (QUICK_CLIENTS if args.quick else args.clients).split(",")]
    servers = [name for name in SERVERS if name in args.servers.split(",")]
    options = SwarmOptions(processes=args.processes, deflate=not args.no_deflate)
    install_node_reference()
    rows = []
    with SimulatorServer() as simulator, tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        records = capture_records(simulator, workdir, SCAN_TOKENS)
        record_bytes = len(records.read_bytes()) // SCAN_TOKENS
        for clients in counts:
            for index in range(args.rounds):
                for server in servers:
                    print(f"measuring {server} with {clients:,} clients", file=sys.stderr, flush=True)
                    row = run_round(starter(server, clients, simulator, workdir, records), clients, options)
                    rows.append(dataclasses.replace(row, round_index=index))
    return rows, record_bytes


def main() -> None:
    """Measure and print the table and the targets."""
    args = parse_args()
    rows, record_bytes = measure(args)
    deflate = "not offered" if args.no_deflate else "offered, as browsers do"
    print(f"# fanout on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}), {date.today()}; {SCAN_TOKENS} records of {record_bytes:,} bytes "
          f"on average; {args.processes} client processes; permessage-deflate {deflate}; {args.rounds} round(s) "
          f"per size")  # fmt: skip
    print()
    print(table(rows))
    print()
    print(targets(rows))


if __name__ == "__main__":
    main()
