"""GET /api/openapi.json: the OpenAPI 3 document of every HTTP route."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from token_discovery.api.inputs import Inputs
from token_discovery.api.openapi_watchers import watcher_paths
from token_discovery.sources.chains import CHAINS

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
ADMIN: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response object."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    """Error responses, all with the same body."""
    texts = {400: "Invalid input", 401: "Admin credential missing or wrong", 403: "Admin access disabled",
             408: "The request body did not arrive within REQUEST_BODY_TIMEOUT", 413: "The request body is over 64 KB",
             503: "The scan failed (its cause in `error`) or the database is unavailable"}  # fmt: skip
    return {str(code): _json(ERROR, texts[code]) for code in codes}


def _object(**properties: Any) -> dict[str, Any]:
    """An object schema."""
    return {"type": "object", "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": {**_object(success={"type": "boolean", "enum": [False]}, error={"type": "string"}),
              "required": ["success", "error"]},
    "TokenRecord": _object(
        id={"type": "integer"}, seq={"type": "integer"}, token_address={"type": "string"},
        token_chain={"type": "string", "enum": list(CHAINS)}, token_data={"type": "object"},
        risk_score={"type": "integer", "minimum": 0, "maximum": 100},
        risk_level={"type": "string", "enum": ["safe", "risky", "unknown"]},
        is_safe={"type": "boolean"}, scanned_at={"type": "string", "format": "date-time"},
    ),
    "ScanResult": _object(
        success={"type": "boolean"}, scan_id={"type": "string"}, tokens_found={"type": "integer"},
        tokens_stored={"type": "integer"}, scan_timestamp={"type": "string"}, total_scans={"type": "integer"},
        joined={"type": "boolean"}, cached={"type": "boolean"}, upstream_calls={"type": "integer"},
    ),
    "Outcomes": _object(
        success={"type": "boolean"}, hours={"type": "number"}, rugged={"type": "integer"},
        levels=_object(**{level: _object(tokens={"type": "integer"}, rugged={"type": "integer"},
                                         alive={"type": "integer"}, unknown={"type": "integer"})
                          for level in ("safe", "risky", "unknown")}),
        safe_rug_rate={"type": "number", "nullable": True, "description": "share of graded safe verdicts that rugged"},
        rug_catch_rate={"type": "number", "nullable": True, "description": "share of rugs that had been called risky"},
    ),
    "BudgetRefusal": _object(success={"type": "boolean"}, error={"type": "string"}, balance={"type": "number"},
                             required={"type": "number"}, deficit={"type": "number"}),
}  # fmt: skip


def _get(summary: str, schema: dict[str, Any], *codes: int, **extra: Any) -> dict[str, Any]:
    """A GET operation."""
    return {"get": {"summary": summary, "responses": {"200": _json(schema, "OK"), **_errors(*codes)}, **extra}}


def _paths(telegram: bool) -> dict[str, Any]:
    """Every route."""
    tokens = _object(success={"type": "boolean"}, count={"type": "integer"},
                     tokens={"type": "array", "items": {"$ref": "#/components/schemas/TokenRecord"}})  # fmt: skip
    trigger_responses = {
        "200": _json({"$ref": "#/components/schemas/ScanResult"}, "The scan finished"),
        "202": _json(
            _object(success={"type": "boolean"}, scan_id={"type": "string"}, status={"type": "string"}),
            "The scan is still running",
        ),  # fmt: skip
        "429": {
            **_json({"$ref": "#/components/schemas/BudgetRefusal"}, "Budget or inbound limit exceeded"),
            "headers": TOO_MANY["headers"],
        },
        **_errors(400, 503),
    }
    admin_post = {"security": ADMIN, "responses": {"200": _json({"type": "object"}, "OK"), **_errors(400, 401, 403)}}
    return {
        "/api/discovery/trigger": {"post": {"summary": "Join the running shared scan or start one",
                                            "responses": trigger_responses}},
        "/api/discovery/scan": _get("Progress of the current or last scan", {"type": "object"}),
        "/api/discovery/status": _get("Service status", {"type": "object"}, 503),
        "/api/discovery/stats": _get("Counts over scans, tokens and upstream calls", {"type": "object"}, 503),
        "/api/discovery/recent": _get("Stored tokens, newest first", tokens, 400, 503),
        "/api/discovery/outcomes": _get(
            "What became of the tokens after their verdict (followed at +1 h, +6 h and +24 h)",
            {"$ref": "#/components/schemas/Outcomes"}, 400, 503),
        "/api/discovery/auto/start": {"post": {"summary": "Start the periodic scan", **admin_post}},
        "/api/discovery/auto/stop": {"post": {"summary": "Stop the periodic scan", **admin_post}},
        "/api/admin/stats": _get("Vitals (timestamp, uptime_seconds, tokens_per_minute, connected_clients), stats, "
                                 "status and latest scans", {"type": "object"}, 401, 403, security=ADMIN),
        "/api/admin/health": _get("Health of the store, Redis, the last scan and each upstream", {"type": "object"},
                                  401, 403, security=ADMIN),
        "/api/admin/rescore": {"post": {"summary": "Rescore stored tokens with the current rules", **admin_post}},
        "/healthz": _get("Liveness: the background health probes' latest answer", _object(
            status={"type": "string", "enum": ["ok", "degraded"]},
            reasons={"type": "array", "items": {"type": "string"}},
            checked_at={"type": "string", "format": "date-time"})),
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
            "200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/api/openapi.json": _get("This document", {"type": "object"}),
        **watcher_paths(telegram),
    }  # fmt: skip


TOO_MANY = {**_json(ERROR, "Too many requests from this address (or wrong admin tokens); wait Retry-After seconds"),
            "headers": {"Retry-After": {"required": True, "description": "seconds to wait",
                                        "schema": {"type": "integer", "minimum": 1}}}}  # fmt: skip


def _with_common_answers(paths: dict[str, Any]) -> dict[str, Any]:
    """`paths` with what any operation may answer: 429 past an inbound limit, 414 from the server itself for a
    request line over its limit; for a POST, a body refused."""
    for item in paths.values():
        for method, operation in item.items():
            responses = operation["responses"]
            responses.setdefault("429", TOO_MANY)
            responses.setdefault(
                "414",
                {
                    "description": "The request line is over the server's limit (about 4 KB); "
                    "answered by the HTTP server before the app"
                },
            )
            if method == "post":
                for code, answer in _errors(400, 408, 413).items():
                    responses.setdefault(code, answer)
    return paths


def _with_inputs(paths: dict[str, Any], app: Flask) -> dict[str, Any]:
    """`paths` with each operation's parameters or request body read from the inputs its view validates."""
    for rule in app.url_map.iter_rules():
        inputs: Inputs | None = getattr(app.view_functions[rule.endpoint], "inputs", None)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = paths.get(rule.rule, {}).get(method.lower())
            if inputs is None or operation is None:
                continue
            if inputs.where == "query":
                operation["parameters"] = inputs.parameters()
            else:
                operation["requestBody"] = inputs.request_body()
    return paths


def _has_telegram(app: Flask) -> bool:
    """Whether the app has a Telegram bot to send signals to chats."""
    return bool(app.extensions["token_discovery"].config.telegram_bot_token)


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3 document of `app`."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Token Discovery", "version": "1.0.0",
                 "description": "One shared scan of new tokens, risk-scored, for every connected user."},
        "paths": _with_common_answers(_with_inputs(_paths(_has_telegram(app)), app)),
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            "watcherKey": {"type": "apiKey", "in": "header", "name": "X-Watcher-Key"}}},
    }  # fmt: skip


@bp.get("/api/openapi.json")
def openapi() -> tuple[Response, int]:
    """The document as JSON."""
    return jsonify(document(current_app)), 200
