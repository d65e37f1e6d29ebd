"""Response headers: what a page may load, who may read the API, and the session cookie over TLS."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from token_discovery.api.origins import OriginPolicy

# Token images come only from the upstreams' own image hosts (static/js/dashboard/model.js keeps the same list).
IMAGE_HOSTS = ("https://dd.dexscreener.com", "https://cdn.dexscreener.com", "https://assets.geckoterminal.com",
               "https://coin-images.coingecko.com", "https://assets.coingecko.com")  # fmt: skip
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {' '.join(IMAGE_HOSTS)}; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS = "max-age=31536000"


def security_headers(response: Response) -> Response:
    """No sniffing, no referrer, no framing, no opener; a page loads only what it uses; HSTS over TLS."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure:  # served over TLS (directly, or behind a trusted proxy that says so)
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def cors_headers(origins: OriginPolicy) -> Any:
    """Allow the app's own and the configured origins, and only them, to read the API."""

    def add_headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origins.allows(origin, request.environ):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.vary.add("Origin")
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CSRF-Token"
        return response

    return add_headers


class AdaptiveSessionInterface(SecureCookieSessionInterface):
    """The session cookie is `__Host-session` and Secure when the request came over TLS, `session` otherwise."""

    def get_cookie_name(self, app: Flask) -> str:
        """The cookie's name for this request."""
        return "__Host-session" if request.is_secure else super().get_cookie_name(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure whenever the request came over TLS."""
        return request.is_secure or super().get_cookie_secure(app)
