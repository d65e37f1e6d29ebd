"""Request bodies read whole, within a deadline and a size, before the app sees them.

The servers bound how long a client may take over its request line and headers, never over its body: a client
that trickles a body (or announces one and never sends it) would hold its connection, and what the app keeps for
it, for as long as it likes. Here a body that is not all there within REQUEST_BODY_TIMEOUT is a 408 and the
connection closes; one over the size is a 413 without being read; one that cannot be parsed (a broken chunked
encoding) a 400.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

CHUNK_BYTES = 16 * 1024
StartResponse = Callable[..., Any]


class BodyTooSlow(Exception):
    """The body did not arrive within the deadline."""


class BodyTooLarge(Exception):
    """The body is over the size this service takes."""


def read_bodies_within(wsgi_app: Any, max_bytes: int, seconds: float) -> Any:
    """A WSGI wrapper that reads each request body whole, within `seconds` and `max_bytes`, before `wsgi_app`."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not _has_body(environ):
            return wsgi_app(environ, start_response)
        try:
            body = _read_body(environ, max_bytes, seconds)
        except BodyTooSlow:
            return _refuse(start_response, "408 Request Timeout", f"the request body did not arrive within "
                                                                  f"{seconds:g} s")  # fmt: skip
        except BodyTooLarge:
            return _refuse(start_response, "413 Request Entity Too Large", f"the request body is over {max_bytes} "
                                                                           f"bytes")  # fmt: skip
        except Exception as error:
            if not _unreadable(error):
                raise
            return _refuse(start_response, "400 Bad Request", f"the request body could not be read: "
                                                              f"{type(error).__name__}")  # fmt: skip
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                        "wsgi.input_terminated": True})  # fmt: skip
        return wsgi_app(environ, start_response)

    return app


def _unreadable(error: Exception) -> bool:
    """Whether a read failed on the client's side: a malformed or cut body (the servers' parse errors)."""
    return isinstance(error, (OSError, ValueError)) or type(error).__module__.startswith("gunicorn.http")


def _has_body(environ: dict[str, Any]) -> bool:
    """Whether the request announces a body (a length over 0, or a chunked encoding)."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    length = environ.get("CONTENT_LENGTH") or "0"
    return not (length.isdigit() and int(length) == 0)


def _read_body(environ: dict[str, Any], max_bytes: int, seconds: float) -> bytes:
    """The whole body, or BodyTooSlow, BodyTooLarge, or the server's parse error."""
    length = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not chunked and not length.isdigit():
        raise ValueError("Content-Length is not a number")
    if not chunked and int(length) > max_bytes:
        raise BodyTooLarge
    wanted = max_bytes + 1 if chunked else int(length)
    stream, parts, size = environ["wsgi.input"], [], 0
    with _deadline(seconds):
        while size < wanted:
            part = stream.read(min(CHUNK_BYTES, wanted - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
    if size > max_bytes:
        raise BodyTooLarge
    if size < wanted and not chunked:
        raise ValueError("the body is shorter than its Content-Length")
    return b"".join(parts)


def _deadline(seconds: float) -> AbstractContextManager[Any]:
    """A deadline that interrupts a blocked read when the server runs on gevent (production and the demo)."""
    try:
        from gevent import Timeout, monkey
    except ImportError:  # pragma: no cover - gevent is a runtime dependency
        return nullcontext()
    if not monkey.is_module_patched("socket"):
        return nullcontext()  # a threaded server or a test client: nothing to interrupt a read with
    return Timeout(seconds, BodyTooSlow)


def _refuse(start_response: StartResponse, status: str, error: str) -> list[bytes]:
    """A JSON error answer of the contract that closes the connection (the rest of the body is not read)."""
    body = json.dumps({"success": False, "error": error}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            ("Connection", "close"), ("X-Content-Type-Options", "nosniff")])  # fmt: skip
    return [body]
