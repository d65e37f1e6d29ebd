"""A real HTTP server on loopback that answers each upstream path with a recorded body, for the real clients."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from token_discovery.simulator.server import QuietRequestHandler

REAL = Path(__file__).parent / "fixtures" / "real"


def recorded(relative: str) -> Any:
    """A recorded body from tests/fixtures/real, parsed."""
    return json.loads((REAL / relative).read_text(encoding="utf-8"))


class RecordedUpstream:
    """Answers `GET path` with the body set for the longest matching path prefix; 404 otherwise."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, str]] = {}
        self.requests: list[str] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=QuietRequestHandler)

    @property
    def url(self) -> str:
        """The root URL of the server."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def answer(self, prefix: str, body: Any, status: int = 200) -> None:
        """Serve `body` (a parsed document, or text) for every path starting with `prefix`."""
        self.answers[prefix] = (status, body if isinstance(body, str) else json.dumps(body))

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append(request.full_path)
        match = max((p for p in self.answers if request.path.startswith(p)), key=len, default=None)
        if match is None:
            return Response("not recorded", 404)(environ, start_response)
        status, text = self.answers[match]
        return Response(text, status, content_type="application/json")(environ, start_response)


@contextmanager
def recorded_upstream() -> Iterator[RecordedUpstream]:
    """A RecordedUpstream serving in a background thread, stopped on exit."""
    upstream = RecordedUpstream()
    thread = threading.Thread(target=upstream._server.serve_forever, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        upstream._server.shutdown()
        upstream._server.server_close()
        thread.join(timeout=5)
