"""The built-in server (python app.py, make demo) tuned as gunicorn is: no Nagle delay, a deep accept queue."""

from __future__ import annotations

import contextlib
import socket
from typing import Any

BACKLOG = 2048  # connections waiting to be accepted when thousands of clients reconnect at once


def gevent_server_options() -> dict[str, Any]:
    """Keyword arguments for gevent's WSGIServer as Flask-SocketIO builds it."""
    from gevent.pywsgi import WSGIHandler

    class NoDelayHandler(WSGIHandler):
        """Sends each answer at once: without TCP_NODELAY a small answer on a kept-alive connection waits ~40 ms."""

        def handle(self) -> Any:
            """Switch Nagle's algorithm off for this connection, then serve it."""
            with contextlib.suppress(OSError):  # not a TCP socket (a Unix socket): nothing to switch off
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return super().handle()

    return {"handler_class": NoDelayHandler, "backlog": BACKLOG}
