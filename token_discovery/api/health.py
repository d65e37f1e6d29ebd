"""Liveness for load balancers: the background health probes' latest answer, never a blocking call."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """ok, or degraded with the reasons (store, Redis, upstream cooldowns, discovery); the process is alive."""
    answer = current_app.extensions["token_discovery.monitor"].probe.latest()
    return jsonify({"status": answer["status"], "reasons": answer["reasons"], "checked_at": answer["checked_at"]}), 200
