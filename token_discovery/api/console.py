"""The admin console: log in with ADMIN_TOKEN at /admin (a server-known session), then run the service."""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from token_discovery.api.auth import cookie_change_allowed, is_admin, registry
from token_discovery.api.responses import fail, services
from token_discovery.api.sessions import CSRF_FIELD, token_digest

bp = Blueprint("console", __name__)


@bp.get("/admin")
def console() -> tuple[str, int]:
    """The console when logged in, the login form otherwise; a notice when admin access is disabled."""
    if not services().config.admin_token:
        return render_template("admin.html", state="disabled"), 403
    return render_template("admin.html", state="console" if is_admin() else "login"), 200


@bp.post("/admin/login")
def login() -> Response | tuple[str, int]:
    """Check the token from the form; a correct one opens an admin session known to the server."""
    token = services().config.admin_token
    if not token:
        return render_template("admin.html", state="disabled"), 403
    given = request.form.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return render_template("admin.html", state="login", error="Wrong admin token."), 401
    session.clear()
    session["admin"] = registry().open()
    session["digest"] = token_digest(token)
    session[CSRF_FIELD] = secrets.token_urlsafe(24)
    session.permanent = False
    return redirect(url_for("console.console"), code=303)


@bp.post("/admin/logout")
def logout() -> Response | tuple[Response, int]:
    """End the admin session, on the server too (only from this page: it carries the CSRF token)."""
    if session.get("admin") and not cookie_change_allowed():
        return fail(403, "refused: logging out needs this page's CSRF token")
    session_id = session.get("admin")
    if isinstance(session_id, str):
        registry().close(session_id)
    session.clear()
    return redirect(url_for("console.console"), code=303)
