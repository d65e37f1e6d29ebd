"""A gate on new Socket.IO connections: at most HANDSHAKE_SLOTS open at once, so a reconnect storm queues up
instead of crowding out every other request.

A connection's opening costs the server about a millisecond spread over several turns of the event loop
(the websocket handshake, engine.io's open, Socket.IO's connect, the join). When thousands arrive together,
every one of them is ready to run at each turn, and a request like /healthz waits behind all of them at
each of its own turns. Through the gate, a new connection waits (not ready to run, costing nothing) until
one of the slots is free; it holds its slot until its Socket.IO connect is done, or for HOLD_SECONDS at most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

HANDSHAKE_SLOTS = 16
HOLD_SECONDS = 1.0
OPENED = "token_discovery.handshake_opened"  # the environ key of the function that frees the slot


def gate_handshakes(wsgi_app: Any, path: str = "/socket.io", slots: int = HANDSHAKE_SLOTS) -> Any:
    """A WSGI wrapper holding each new Socket.IO connection at the gate (under gevent; otherwise a no-op)."""
    try:
        from gevent import monkey, spawn_later
        from gevent.lock import BoundedSemaphore
    except ImportError:  # pragma: no cover - gevent is a runtime dependency
        return wsgi_app
    if not monkey.is_module_patched("socket"):
        return wsgi_app  # a threaded server or a test client: nothing to gain
    gate = BoundedSemaphore(slots)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not (environ.get("PATH_INFO", "").startswith(path) and _opening(environ)):
            return wsgi_app(environ, start_response)
        gate.acquire()
        environ[OPENED] = free = _once(gate.release)
        spawn_later(HOLD_SECONDS, free)
        try:
            return wsgi_app(environ, start_response)
        finally:
            free()  # a polling handshake is answered here; a websocket returns only when it closes

    return app


def _opening(environ: dict[str, Any]) -> bool:
    """Whether a request opens a new connection: a websocket without a session id, or a polling handshake."""
    return "sid=" not in environ.get("QUERY_STRING", "") and environ.get("REQUEST_METHOD") == "GET"


def _once(release: Callable[[], Any]) -> Callable[[], None]:
    """`release`, called at most once however many times the result is."""
    done = False

    def free() -> None:
        nonlocal done
        if not done:
            done = True
            release()

    return free


def opened(environ: dict[str, Any]) -> None:
    """A connection is open (its Socket.IO connect is done): free its slot at the gate now."""
    free = environ.get(OPENED)
    if free is not None:
        free()
