"""Liveness for load balancers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

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
