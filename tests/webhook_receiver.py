"""A webhook receiver as a user would run one: a real HTTP server on a free loopback port that checks each
POST's X-Signature-256 against the watcher's secret and answers what the test says."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verified(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute the HMAC-SHA256 of the raw body and compare in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


@dataclass
class Received:
    """One POST as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float = field(default_factory=time.perf_counter)

    def json(self) -> Any:
        """The body decoded."""
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST; `answer(received)` gives the status (200 unless told otherwise)."""

    def __init__(self, answer: Callable[[Received], int] | None = None) -> None:
        self.answer = answer or (lambda received: 200)
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self.scheme = "http"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server name)
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                with receiver.arrived:
                    receiver.received.append(received)
                    receiver.arrived.notify_all()
                status = receiver.answer(received)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the http.server name)
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        """The hook's URL."""
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}/hook"

    def serve_tls(self, context: ssl.SSLContext) -> None:
        """Answer over TLS with the context's certificate (before start)."""
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https"

    def start(self) -> WebhookReceiver:
        """Serve in a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` POSTs have arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
