"""Entry point of the web app; the code lives in token_discovery/ (api/app.py builds the app).

python app.py [--demo] [--host H] [--port P]
gunicorn -c gunicorn.conf.py app:app
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
from typing import Any

DEMO_DEFAULTS = {"AUTO_START_DISCOVERY": "true", "DISCOVERY_INTERVAL": "15", "DISCOVERY_MIN_INTERVAL": "5"}
DEMO_PUMP_SECONDS = 8.0  # the demo market launches a pump.fun token this often (the real one: every few seconds)
DEMO_BOT_TOKEN = "100000001:simulated-bot-token-for-the-demo"  # noqa: S105 (not a secret: the simulator takes any)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description="Token Discovery web app")
    parser.add_argument("--demo", action="store_true", help="run against the built-in simulated market")
    parser.add_argument("--host", help="address to listen on (default HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default PORT or 5000)")
    return parser.parse_args(argv)


def load_config(demo_urls: dict[str, str] | None = None) -> Any:
    """Config from .env and the environment; the demo points the upstreams at the simulator."""
    from dotenv import load_dotenv

    from token_discovery.config import Config

    load_dotenv()
    env = dict(os.environ)
    if demo_urls is not None:
        env = {**DEMO_DEFAULTS, "ADMIN_TOKEN": secrets.token_urlsafe(12), **env, **demo_urls}
        env["TELEGRAM_BOT_TOKEN"] = env.get("TELEGRAM_BOT_TOKEN") or DEMO_BOT_TOKEN  # Telegram signals, offline
    return Config.from_env(env)


def main(argv: list[str] | None = None) -> None:
    """Run the app with Socket.IO on the chosen address, served by gevent as in production (threads without it)."""
    served_by_gevent = patch_for_gevent()

    from token_discovery.api.app import create_app, socketio_of
    from token_discovery.api.serving import gevent_server_options, tune_garbage_collector
    from token_discovery.config import ConfigError
    from token_discovery.monitoring.logs import configure_logging
    from token_discovery.simulator import SimulatorApp, SimulatorServer

    args = parse_args(argv)
    # A fresh market each run, so a demo started again over the same database still sees new tokens arrive.
    simulator = SimulatorServer(SimulatorApp(seed=secrets.randbelow(2**31), pump_seconds=DEMO_PUMP_SECONDS)).start() \
        if args.demo else None  # fmt: skip
    try:
        config = load_config(simulator.base_urls() if simulator else None)
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from None
    configure_logging(config.log_level, config.log_format)
    host, port = args.host or config.host, args.port or config.port
    config = config.replace(host=host, port=port)  # the app's own origin is where it really listens
    if simulator:  # the demo's addresses are for the person at the terminal, whatever LOG_LEVEL says
        print(f"demo: simulated market on {simulator.url}", file=sys.stderr, flush=True)
        admin = f"http://{host}:{port}/admin"
        print(f"demo: admin console {admin}, token {config.admin_token}", file=sys.stderr, flush=True)
    application = create_app(config)
    logging.getLogger("app").info("Token Discovery on http://%s:%s", host, port)
    if served_by_gevent:
        stop_on_sigterm(socketio_of(application))  # the finally below then hands the scan lease back
    else:
        logging.getLogger("app").warning("gevent is not installed: serving with threads, a thread per client")
    options = gevent_server_options() if served_by_gevent else {"allow_unsafe_werkzeug": True}
    tune_garbage_collector()
    try:
        socketio_of(application).run(application, host=host, port=port, log_output=False, **options)
    finally:
        application.extensions["token_discovery"].close()
        if simulator:
            simulator.stop()


def patch_for_gevent() -> bool:
    """Monkey-patch for gevent before anything opens a socket or starts a thread; False when gevent is missing."""
    try:
        from gevent import monkey
    except ImportError:
        return False
    monkey.patch_all()  # one event loop, no thread per client
    return True


def stop_on_sigterm(socketio: Any) -> None:
    """SIGTERM stops the server, so the service shuts down cleanly.

    Under gevent a plain signal handler would raise in whichever greenlet happens to run (a scan reading an
    upstream, say), and be swallowed there: gevent's own handler runs in the hub and stops the server instead.
    """
    import gevent

    gevent.signal_handler(signal.SIGTERM, socketio.stop)


def __getattr__(name: str) -> Any:
    """`app:app` for WSGI servers, built on first access (nothing happens at import time)."""
    if name != "app":
        raise AttributeError(name)
    from token_discovery.api.app import create_app
    from token_discovery.monitoring.logs import configure_logging

    config = load_config()
    configure_logging(config.log_level, config.log_format)  # before the app says what it starts with
    application = create_app(config)
    globals()["app"] = application
    return application


if __name__ == "__main__":
    main()
