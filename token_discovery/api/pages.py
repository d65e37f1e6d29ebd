"""The pages: the dashboard at /, and the favicon browsers ask for at /favicon.ico."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from werkzeug.wrappers import Response

from token_discovery.api.responses import services
from token_discovery.sources.chains import CHAINS

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard() -> str:
    """The live token grid; the chains and the store's size come from the server, the rest over the API."""
    config = services().config
    return render_template("index.html", chains=list(CHAINS), capacity=config.discovery_db_capacity)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The icon, for clients that ask the conventional path (pages link the SVG directly)."""
    folder = current_app.static_folder or "static"
    return send_from_directory(folder, "img/favicon.svg", mimetype="image/svg+xml", max_age=86400)
