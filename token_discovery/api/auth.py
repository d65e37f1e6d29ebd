"""Admin credential: a Bearer ADMIN_TOKEN or a live admin session; never open when unset.

Wrong bearer tokens are limited per address like the login form, and a change made with the session cookie
must come from this origin with the session's CSRF token.
"""

from __future__ import annotations

import functools
import hmac
import math
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request, session

from token_discovery.api.responses import fail, services
from token_discovery.api.sessions import CSRF_FIELD, CSRF_HEADER, SessionRegistry, csrf_ok, session_is_admin
from token_discovery.windows import MovingWindows

F = TypeVar("F", bound=Callable[..., Any])
BEARER_FAILURES_PER_MINUTE = 10  # as many guesses as the login form allows
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def registry() -> SessionRegistry:
    """The app's live admin sessions."""
    return current_app.extensions["token_discovery.admin_sessions"]


def _bearer() -> str | None:
    """The token of an `Authorization: Bearer` header, if there is one."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" else None


def is_admin() -> bool:
    """Whether the request carries the admin credential: the right bearer token, or a live admin session."""
    token = services().config.admin_token
    if not token:
        return False
    given = _bearer()
    if given is not None:
        return hmac.compare_digest(given.encode(), token.encode())
    return session_is_admin(session, token, registry())


def require_admin(view: F) -> F:
    """403 when admin access is disabled or a cookie change lacks its CSRF proof, 401 without the credential,
    429 after too many wrong bearer tokens from one address."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not services().config.admin_token:
            return fail(403, "admin access is disabled: ADMIN_TOKEN is not set")
        failures: MovingWindows = current_app.extensions["token_discovery.bearer_failures"]
        address = request.remote_addr or "unknown"
        bearer = _bearer() is not None
        wait = failures.wait(address) if bearer else 0.0
        if wait:
            refusal, code = fail(429, f"too many wrong admin tokens from this address: at most "
                                      f"{BEARER_FAILURES_PER_MINUTE} a minute")  # fmt: skip
            refusal.headers["Retry-After"] = str(math.ceil(wait))
            return refusal, code
        if not is_admin():
            if bearer:
                failures.hit(address)
            return fail(401, "admin credential required")
        if not bearer and request.method not in SAFE_METHODS and not cookie_change_allowed():
            return fail(403, "refused: an admin change with the session cookie needs this page's CSRF token")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def cookie_change_allowed() -> bool:
    """A state change on the session cookie comes from this origin and carries the session's CSRF token."""
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    return csrf_ok(session, given, request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"),
                   request.host_url.rstrip("/"))  # fmt: skip
