"""The discovery REST API of the contract."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, request

from token_discovery.api.auth import require_admin
from token_discovery.api.inputs import AUTO_START, OUTCOMES, RECENT, TRIGGER, takes
from token_discovery.api.responses import fail, ok, services
from token_discovery.coordination.reports import Refused, Running
from token_discovery.store.snapshot import RecentSnapshot

bp = Blueprint("discovery", __name__, url_prefix="/api/discovery")

Answer = tuple[Response, int]


@bp.post("/trigger")
@takes(TRIGGER)
def trigger(max_tokens: int | None, chain: str | None) -> Answer:
    """Join the running shared scan or start one; 200 with the result, or 202 while it runs."""
    app = services()
    outcome = app.service.trigger_scan(max_tokens, chain, wait=app.config.trigger_wait)
    result = outcome.to_json()
    if isinstance(outcome, Refused):
        return refused(result)
    if isinstance(outcome, Running):
        return ok(202, **{k: v for k, v in result.items() if k != "success"})
    if not outcome.report.success:
        return fail(503, f"scan failed: {result.get('error') or 'unknown cause'}", scan_id=result.get("scan_id"))
    return ok(200, **{k: v for k, v in result.items() if k != "success"})


def refused(result: dict) -> Answer:
    """429 with the budget figures, in the body and in headers."""
    body, code = fail(429, result["error"], balance=result["balance"], required=result["required"],
                      deficit=result["deficit"])  # fmt: skip
    body.headers["Retry-After"] = str(max(1, math.ceil(result["retry_after"])))
    body.headers["X-Token-Balance"] = str(result["balance"])
    body.headers["X-Token-Required"] = str(result["required"])
    return body, code


@bp.get("/scan")
def scan() -> Answer:
    """Progress of the current or last scan; always 200."""
    return ok(**services().service.current_scan())


@bp.get("/status")
def status() -> Answer:
    """The service status."""
    return ok(status=services().service.get_status().to_json())


@bp.get("/stats")
def stats() -> Answer:
    """Counts over scans and stored tokens."""
    return ok(stats=services().service.get_stats().to_json())


@bp.get("/recent")
@takes(RECENT)
def recent(limit: int, chain: str | None, after_seq: int | None) -> Answer:
    """Stored tokens, newest first."""
    snapshot: RecentSnapshot = current_app.extensions["token_discovery.snapshot"]
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    headers = {"Vary": "Accept-Encoding", **({"Content-Encoding": "gzip"} if gzipped else {})}
    return Response(snapshot.answer(limit, chain, after_seq, gzipped), 200, headers, "application/json"), 200


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (q=0 refuses it), read without a full parse: this route is hot."""
    for part in header.split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() == "gzip":
            quality = params.replace(" ", "").lower()
            return not (quality.startswith("q=0") and not quality.strip("q=0."))
    return False


@bp.get("/outcomes")
@takes(OUTCOMES)
def outcomes(hours: int) -> Answer:
    """What became of the tokens discovered in the last `hours` hours, per verdict level."""
    return ok(**services().service.outcomes(hours))


@bp.post("/auto/start")
@require_admin
@takes(AUTO_START)
def auto_start(interval_seconds: int | None, max_tokens: int | None) -> Answer:
    """Start (or retune) the periodic shared scan."""
    service = services().service
    started = service.start_auto_discovery(interval_seconds, max_tokens)
    return ok(started=started, status=service.get_status().to_json())


@bp.post("/auto/stop")
@require_admin
def auto_stop() -> Answer:
    """Stop the periodic shared scan."""
    service = services().service
    stopped = service.stop_auto_discovery()
    return ok(stopped=stopped, status=service.get_status().to_json())
