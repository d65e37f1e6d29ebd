"""Admin API: detailed stats and health, and the rescore action."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from token_discovery.analysis import RULES_VERSION
from token_discovery.api.auth import require_admin
from token_discovery.api.responses import ok, services
from token_discovery.monitoring.monitor import OUTCOME_HOURS, Monitor

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

Answer = tuple[Response, int]


@bp.get("/stats")
@require_admin
def stats() -> Answer:
    """Vitals (timestamp, uptime, tokens a minute, clients), service stats, status and the latest scans."""
    service = services().service
    return ok(**monitor().vitals(), stats=service.get_stats().to_json(), status=service.get_status().to_json(),
              scans=service.recent_scans(20), rules_version=RULES_VERSION,
              outcomes=service.outcomes(OUTCOME_HOURS), signals=signal_stats(), stream=stream_stats())  # fmt: skip


def signal_stats() -> dict[str, object] | None:
    """The signals' figures, when this app sends signals."""
    dispatcher = services().signals
    return None if dispatcher is None else dispatcher.stats()


def stream_stats() -> dict[str, object] | None:
    """The pump.fun stream's figures, when it is configured."""
    stream = services().stream
    return None if stream is None else stream.stats()


@bp.get("/health")
@require_admin
def health() -> Answer:
    """Each part of the service and whether it works: store, Redis, last scan, upstream breakers and budget."""
    return ok(health=monitor().health())


def monitor() -> Monitor:
    """The monitor of the running app."""
    return current_app.extensions["token_discovery.monitor"]


@bp.post("/rescore")
@require_admin
def rescore() -> Answer:
    """Rescore every stored token with the current rules; report old -> new."""
    return ok(**services().service.rescore())
