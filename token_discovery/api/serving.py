"""The built-in server (python app.py, make demo) tuned as gunicorn is: no Nagle delay, a deep accept queue."""

from __future__ import annotations

import contextlib
import gc
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

        def run_application(self) -> None:
            """Serve the request; when the answer closes the connection, what the client still sends is not read.

            gevent otherwise reads the rest of the body to the end before it closes: a client trickling one
            would keep the connection after its 408, for as long as it kept trickling.
            """
            try:
                super().run_application()
            finally:
                if self.close_connection:
                    self.wsgi_input = _NothingToDiscard()

    return {"handler_class": NoDelayHandler, "backlog": BACKLOG}


class _NothingToDiscard:
    """Stands in for the request body once the connection is to close: there is nothing left worth reading."""

    def _discard(self) -> None:
        """gevent's handler calls this after the answer; the socket closes instead."""


def without_websocket_compression(wsgi_app: Any) -> Any:
    """A WSGI wrapper that takes permessage-deflate out of websocket handshakes.

    Browsers always offer it and the websocket layer always accepts it: every broadcast would then be
    deflated once per socket (55% of the worker's time at a broadcast) with a zlib context kept per connection
    (about 210 kB each). Records are small JSON; REST answers are still gzip-compressed once per change.
    """

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


# A young collection every 50,000 net allocations; the middle generation every 4 of them, so it never holds more
# than about 150,000 objects (with 20, a connection storm let it reach 700,000 and one collection took 275 ms).
GC_THRESHOLDS = (50_000, 4, 100)


def tune_garbage_collector() -> None:
    """Once the app is built: what exists now is kept out of every collection, and collections come less often.

    Each connection keeps a few greenlets' worth of objects; with thousands of them Python's full collections
    grew to half a second, and every request waited behind them. Only a server's entry point calls this:
    objects frozen are never collected, which a test process building many apps would not want.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def socketio_edges(wsgi_app: Any, path: str = "/socket.io") -> Any:
    """A WSGI wrapper for engine.io's answers, which never pass through Flask: JSONP polling (`j=`) is refused
    (no page of ours uses it, and a JSONP answer is script another site could load) and every answer says
    nosniff."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith(path):
            return wsgi_app(environ, start_response)
        if "&j=" in f"&{environ.get('QUERY_STRING', '')}":
            body = b'{"success": false, "error": "JSONP polling is not served"}'
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body))),
                                               ("X-Content-Type-Options", "nosniff")])  # fmt: skip
            return [body]

        def nosniff(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, ("X-Content-Type-Options", "nosniff")], *exc_info)

        return wsgi_app(environ, nosniff)

    return app
