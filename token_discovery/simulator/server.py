"""The simulator as a real threaded HTTP server on loopback, startable and stoppable from code."""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from token_discovery.simulator.app import SimulatorApp

log = logging.getLogger(__name__)


class QuietRequestHandler(WSGIRequestHandler):
    """Request logs go to the debug level, not to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one request at debug level."""
        log.debug("%s %s %s", self.command, self.path, code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's parameter name
        """Log a transport error at debug level (clients hanging up on a dripping answer)."""
        log.debug(format, *args)


class SimulatorServer:
    """A SimulatorApp served over HTTP in a background thread."""

    def __init__(self, app: SimulatorApp | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app or SimulatorApp()
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=QuietRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root URL, e.g. http://127.0.0.1:41234."""
        host = self._server.server_address[0]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{self._server.server_port}"

    @property
    def dexscreener_url(self) -> str:
        """Base URL for DEXSCREENER_BASE_URL."""
        return self.url

    @property
    def geckoterminal_url(self) -> str:
        """Base URL for GECKOTERMINAL_BASE_URL."""
        return f"{self.url}/api/v2"

    @property
    def goplus_url(self) -> str:
        """Base URL for GOPLUS_BASE_URL."""
        return f"{self.url}/api/v1"

    def base_urls(self) -> dict[str, str]:
        """The upstream base URLs (and the Telegram Bot API's) as environment variables."""
        return {
            "DEXSCREENER_BASE_URL": self.dexscreener_url,
            "GECKOTERMINAL_BASE_URL": self.geckoterminal_url,
            "GOPLUS_BASE_URL": self.goplus_url,
            "TELEGRAM_API_BASE_URL": self.url,
            "PUMPPORTAL_WS_URL": self.stream_url,
        }

    @property
    def stream_url(self) -> str:
        """The pump.fun stream's WebSocket, for PUMPPORTAL_WS_URL."""
        return "ws" + self.url.removeprefix("http") + "/api/data"

    def start(self) -> SimulatorServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="simulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Release hanging and dripping calls, stop serving, close the socket."""
        self.app.stopping.set()
        self.app.stream.close_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
