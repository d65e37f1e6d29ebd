"""Liveness for load balancers, and the pages."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from token_discovery.api.responses import services
from token_discovery.store.base import StoreUnavailable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """ok when the store answers, degraded otherwise; the process itself is alive either way."""
    try:
        services().store.ping()
    except StoreUnavailable:
        return jsonify({"status": "degraded", "store": "unavailable"}), 200
    return jsonify({"status": "ok"}), 200


@bp.get("/")
def dashboard() -> str:
    """The live list of discovered tokens."""
    return render_template("index.html")
