"""Admin API: detailed stats and health, and the rescore action."""

from __future__ import annotations

from flask import Blueprint, Response

from token_discovery.analysis import RULES_VERSION
from token_discovery.api.auth import require_admin
from token_discovery.api.responses import ok, services
from token_discovery.store.base import StoreUnavailable

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

Answer = tuple[Response, int]


@bp.get("/stats")
@require_admin
def stats() -> Answer:
    """Service stats, status and the latest scan reports."""
    service = services().service
    return ok(stats=service.get_stats(), status=service.get_status(), scans=service.recent_scans(20),
              rules_version=RULES_VERSION)  # fmt: skip


@bp.get("/health")
@require_admin
def health() -> Answer:
    """Each part of the service and whether it works."""
    app = services()
    try:
        app.store.ping()
        store = {"ok": True, "kind": type(app.store).__name__}
    except StoreUnavailable as error:
        store = {"ok": False, "kind": type(app.store).__name__, "error": str(error)[:200]}
    scan = app.service.current_scan()
    status = "ok" if store["ok"] and scan.get("status") != "failed" else "degraded"
    last_scan = {key: scan.get(key) for key in ("status", "scan_id", "error")}
    auto = app.service.auto.active
    upstream = app.gate.health()
    if any(state != "closed" for state in upstream["breakers"].values()):
        status = "degraded"
    return ok(health={"status": status, "store": store, "last_scan": last_scan, "auto_discovery_active": auto,
                      "upstream": upstream})  # fmt: skip


@bp.post("/rescore")
@require_admin
def rescore() -> Answer:
    """Rescore every stored token with the current rules; report old -> new."""
    return ok(**services().service.rescore())
