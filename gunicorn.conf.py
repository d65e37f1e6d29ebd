"""Production server settings: gunicorn -c gunicorn.conf.py app:app (one gevent worker per process).

More processes need REDIS_URL: they then share the Socket.IO queue, the budget, the limits and the scan lease.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from dotenv import load_dotenv

load_dotenv()  # like app.py: .env fills what the environment leaves unset, so HOST, PORT and ACCESS_LOG apply here too

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1  # Socket.IO needs sticky sessions across workers; scale out with more processes behind Redis
worker_connections = 10000
graceful_timeout = 10
timeout = 60
control_socket_disable = True  # several servers of one user would otherwise share ~/.gunicorn/gunicorn.ctl


def _switch(name: str, default: str) -> bool:
    """An on/off environment variable (true/false, 1/0, yes/no, on/off); anything else stops the server."""
    raw = os.environ.get(name, default).strip().lower()
    if raw not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise SystemExit(f"configuration error: {name} must be true or false, got {raw!r}")
    return raw in {"1", "true", "yes", "on"}


# One line per request on stdout: the client address (the proxy's X-Forwarded-For once TRUSTED_PROXY_COUNT is set,
# since the app's ProxyFix rewrites REMOTE_ADDR), time, method, path without the query string, status, bytes sent,
# duration in ms (a websocket's line is written when it closes) and user agent. ACCESS_LOG=false turns it off.
accesslog = "-" if _switch("ACCESS_LOG", "true") else None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker: Any) -> None:
    """Once the app is loaded in the worker: the clients it can hold are also bounded by worker_connections."""
    application = _loaded_app()
    if application is not None:
        monitor = application.extensions["token_discovery.monitor"]
        monitor.capacity = min(monitor.capacity or worker.worker_connections, worker.worker_connections)
        application.logger.info("this worker holds up to %s connected clients", monitor.capacity)
    from token_discovery.api.serving import tune_garbage_collector

    tune_garbage_collector()


def _loaded_app() -> Any:
    """The app the worker serves, when it has been built (never build one here)."""
    module = sys.modules.get("app")
    return module.__dict__.get("app") if module is not None else None


def worker_exit(server: Any, worker: Any) -> None:
    """Before a worker goes (SIGTERM, restart): stop the scan, hand the lease back, close the store."""
    application = _loaded_app()
    if application is not None:
        application.extensions["token_discovery"].close()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """Let other connections run between two requests of one kept-alive connection.

    The gevent worker reads a connection's next request at once when it is already there, so a client
    sending back to back could hold the worker: /healthz waited up to 0.9 s behind 50 busy connections.
    """
    import gevent

    gevent.sleep(0)
