"""Run the simulated upstream alone: python -m token_discovery.simulator --port P [--seed N] [--pump-seconds S]."""

from __future__ import annotations

import argparse
import contextlib
import logging

from token_discovery.simulator.app import SimulatorApp
from token_discovery.simulator.server import SimulatorServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="python -m token_discovery.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8900, help="port to listen on (0 picks a free one)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the token universe")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="speed the limit windows up by this factor")
    parser.add_argument("--spawn-seconds", type=float, default=15.0, help="seconds between two new tokens")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="milliseconds every upstream answer takes")
    parser.add_argument("--pump-seconds", type=float, default=0.0,
                        help="seconds between two pump.fun launches (0: only those /_sim/tokens makes)")  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_args(argv)
    if args.rate_scale <= 0 or args.spawn_seconds <= 0 or not 0 <= args.latency_ms <= 10_000 or args.pump_seconds < 0:
        raise SystemExit("--rate-scale and --spawn-seconds must be positive, --latency-ms from 0 to 10000, "
                         "--pump-seconds 0 or more")  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = SimulatorApp(seed=args.seed, rate_scale=args.rate_scale, spawn_seconds=args.spawn_seconds,
                       latency=args.latency_ms / 1000, pump_seconds=args.pump_seconds)  # fmt: skip
    server = SimulatorServer(app, args.host, args.port)
    logging.getLogger("token_discovery.simulator").info("simulated upstream on %s", server.url)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
