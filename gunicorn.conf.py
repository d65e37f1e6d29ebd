"""Production server settings: gunicorn -c gunicorn.conf.py app:app (one gevent worker per process).

More processes need REDIS_URL: they then share the Socket.IO queue, the budget, the limits and the scan lease.
"""

from __future__ import annotations

import os
import sys
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1  # Socket.IO needs sticky sessions across workers; scale out with more processes behind Redis
worker_connections = 10000
graceful_timeout = 10
timeout = 60


def worker_exit(server: Any, worker: Any) -> None:
    """Before a worker goes (SIGTERM, restart): stop the scan, hand the lease back, close the store."""
    module = sys.modules.get("app")
    application = module.__dict__.get("app") if module is not None else None  # never build an app to close it
    if application is not None:
        application.extensions["token_discovery"].close()
