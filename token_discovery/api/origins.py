"""Which browser origins may open a Socket.IO connection or read the API: the app's own, plus ALLOWED_ORIGINS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")  # noqa: S104 - names, not a bind


def _host_name(host: str) -> str:
    """A host as it appears in an origin (IPv6 literals in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def own_origins(host: str, port: int) -> frozenset[str]:
    """The origins of this app as configured: HOST:PORT, and every loopback name when HOST is loopback or a wildcard."""
    name = _host_name(host.strip())
    names = {name}
    if name in LOOPBACK_NAMES or name in WILDCARD_HOSTS:
        names |= set(LOOPBACK_NAMES)
    names.discard("")
    suffix = "" if port == 80 else f":{port}"
    return frozenset(f"http://{n}{suffix}" for n in names) | frozenset(
        f"https://{n}" if port == 443 else f"https://{n}:{port}" for n in names
    )


def request_origins(environ: Mapping[str, Any]) -> tuple[str, ...]:
    """The origins of the page that was served on this very host: same Host header, either scheme (a TLS proxy)."""
    host = str(environ.get("HTTP_HOST") or "").strip()
    if not host or any(c in host for c in "/\\@ "):
        return ()
    return (f"http://{host}", f"https://{host}")


class OriginPolicy:
    """Allows the app's own origins, the page's own host, and the configured extra origins; never '*'."""

    def __init__(self, host: str, port: int, extra: Iterable[str] = ()) -> None:
        self.extra = frozenset(extra)
        self._fixed = own_origins(host, port) | self.extra

    def allows(self, origin: str | None, environ: Mapping[str, Any] | None = None) -> bool:
        """Whether a browser page of `origin` may talk to this app (environ: the request, for its own host)."""
        if not origin:
            return False
        if origin in self._fixed:
            return True
        return environ is not None and origin in request_origins(environ)

    def __call__(self, origin: str | None, environ: Mapping[str, Any] | None = None) -> bool:
        """The callable form python-engineio takes as cors_allowed_origins."""
        return self.allows(origin, environ)
