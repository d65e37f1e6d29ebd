"""Admin credential: a Bearer ADMIN_TOKEN or the session of an admin login; never open when unset."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request, session

from token_discovery.api.responses import fail, services

F = TypeVar("F", bound=Callable[..., Any])


def is_admin() -> bool:
    """Whether the request carries the admin credential."""
    token = services().config.admin_token
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    return bool(session.get("admin"))


def require_admin(view: F) -> F:
    """Answer 403 when admin access is disabled, 401 without the credential."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not services().config.admin_token:
            return fail(403, "admin access is disabled: ADMIN_TOKEN is not set")
        if not is_admin():
            return fail(401, "admin credential required")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
