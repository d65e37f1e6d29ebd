"""The admin console: log in with ADMIN_TOKEN at /admin (a session cookie), then run the service."""

from __future__ import annotations

import hmac

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from token_discovery.api.auth import is_admin
from token_discovery.api.responses import services

bp = Blueprint("console", __name__)


@bp.get("/admin")
def console() -> tuple[str, int]:
    """The console when logged in, the login form otherwise; a notice when admin access is disabled."""
    if not services().config.admin_token:
        return render_template("admin.html", state="disabled"), 403
    return render_template("admin.html", state="console" if is_admin() else "login"), 200


@bp.post("/admin/login")
def login() -> Response | tuple[str, int]:
    """Check the token from the form; a correct one opens an admin session."""
    token = services().config.admin_token
    if not token:
        return render_template("admin.html", state="disabled"), 403
    given = request.form.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return render_template("admin.html", state="login", error="Wrong admin token."), 401
    session.clear()
    session["admin"] = True
    session.permanent = False
    return redirect(url_for("console.console"), code=303)


@bp.post("/admin/logout")
def logout() -> Response:
    """End the admin session."""
    session.clear()
    return redirect(url_for("console.console"), code=303)
