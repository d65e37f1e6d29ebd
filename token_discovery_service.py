"""The scanner without the web app; the code lives in token_discovery/coordination/service.py.

python token_discovery_service.py --once   # one scan, report printed as JSON
python token_discovery_service.py --loop   # scan every DISCOVERY_INTERVAL seconds
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import threading

from token_discovery.coordination.service import ServiceSettings, TokenDiscoveryService

__all__ = ["ServiceSettings", "TokenDiscoveryService", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run one scan or the loop; exit status 1 when the single scan failed."""
    from dotenv import load_dotenv

    from token_discovery.bootstrap import build_services
    from token_discovery.config import Config, ConfigError
    from token_discovery.monitoring.logs import configure_logging

    parser = argparse.ArgumentParser(description="Token Discovery scanner")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="scan once and print the report as JSON")
    mode.add_argument("--loop", action="store_true", help="scan every DISCOVERY_INTERVAL seconds until stopped")
    parser.add_argument("--max-tokens", type=int, help="tokens per scan (default DISCOVERY_MAX_TOKENS)")
    parser.add_argument("--chain", help="only this chain")
    args = parser.parse_args(argv)
    load_dotenv()
    try:
        config = Config.from_env(dict(os.environ))
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from None
    configure_logging(config.log_level, config.log_format)
    services = build_services(config)
    try:
        if args.once:
            report = services.service.trigger_scan(args.max_tokens, args.chain, wait=None, origin="cli").to_json()
            print(json.dumps(report, indent=2, default=str))
            return 0 if report.get("success") else 1
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        services.service.start_auto_discovery(config.discovery_interval, args.max_tokens)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        return 0
    finally:
        services.close()


if __name__ == "__main__":
    raise SystemExit(main())
