"""The OpenAPI description of the watchers API, written from the same bounds the watchers are checked with."""

from __future__ import annotations

from typing import Any

from token_discovery.signals.book import NAME_MAX_CHARS
from token_discovery.signals.rules import EXCLUDABLE, LEVELS, PATTERN_MAX_CHARS, PATTERN_MAX_WILDCARDS
from token_discovery.signals.targets import CHAT_ID_RANGE, CHAT_USERNAME, URL_MAX_CHARS, URL_SHAPE
from token_discovery.sources.chains import CHAINS

KEY: list[dict[str, list[str]]] = [{"watcherKey": []}]
ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response object."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RULES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "chains": {"type": "array", "items": {"type": "string", "enum": list(CHAINS)}},
        "levels": {"type": "array", "items": {"type": "string", "enum": list(LEVELS)}},
        "max_score": {"type": "integer", "minimum": 0, "maximum": 100},
        "min_liquidity_usd": {"type": "number", "minimum": 0, "maximum": 1e12},
        "max_age_minutes": {"type": "number", "minimum": 1, "maximum": 60 * 24 * 30},
        "min_buys_h1": {"type": "integer", "minimum": 0, "maximum": 10**9},
        "pattern": {"type": "string", "minLength": 1, "maxLength": PATTERN_MAX_CHARS,
                    "allOf": [{"pattern": r"\S"}, {"pattern": rf"^[^*?]*([*?][^*?]*){{0,{PATTERN_MAX_WILDCARDS}}}$"}],
                    "description": "a substring of the name or symbol, or a glob with * and ?; case-insensitive"},
        "exclude_flags": {"type": "array", "items": {"type": "string", "enum": sorted(EXCLUDABLE)}},
        "risk_changed": {"type": "boolean", "description": "take updates whose risk level changed, not new tokens"},
    },
}  # fmt: skip

FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX_CHARS},
    "rules": RULES,
    "webhook_url": {"type": "string", "nullable": True, "maxLength": URL_MAX_CHARS, "pattern": URL_SHAPE,
                    "description": "https to a public address (or a host in WEBHOOK_ALLOWED_HOSTS); others: 403"},
    "telegram_chat_id": {"nullable": True, "oneOf": [
        {"type": "integer", "minimum": -CHAT_ID_RANGE + 1, "maximum": CHAT_ID_RANGE - 1, "not": {"enum": [0]}},
        {"type": "string", "pattern": f"^{CHAT_USERNAME.pattern}$"}]},
}  # fmt: skip

WATCHER = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "rules": RULES,
                                            "webhook_url": {"type": "string", "nullable": True},
                                            "created_at": {"type": "string"}}}  # fmt: skip


def _body(required: list[str], telegram: bool) -> dict[str, Any]:
    """A watcher request body (a Telegram chat only where the server has a bot)."""
    fields = FIELDS if telegram else {name: field for name, field in FIELDS.items() if name != "telegram_chat_id"}
    schema = {"type": "object", "properties": fields, "additionalProperties": False,
              **({"required": required} if required else {})}  # fmt: skip
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    """Error answers."""
    texts = {400: "A field is invalid (the message names it)", 401: "No owner key, or not one",
             403: "A webhook target this service will not call, or the key holds WATCHERS_PER_KEY watchers",
             404: "No watcher of this key has that id"}  # fmt: skip
    return {str(code): _json(ERROR, texts[code]) for code in codes}


def watcher_paths(telegram: bool) -> dict[str, Any]:
    """The watchers API's paths; `telegram`: whether the server has a bot (TELEGRAM_BOT_TOKEN) to send to chats."""
    ident = [{"name": "watcher_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    one = _json({"type": "object", "properties": {"success": {"type": "boolean"}, "watcher": WATCHER}}, "OK")
    return {
        "/api/watchers": {
            "post": {"summary": "Make a watcher; a first one without X-Watcher-Key gets an owner key, returned once",
                     "security": [{}, *KEY], "requestBody": _body(["name", "rules"], telegram),
                     "responses": {"201": _json({"type": "object", "properties": {
                         "success": {"type": "boolean"}, "watcher": WATCHER, "owner_key": {"type": "string"}}},
                         "Made (the webhook secret is shown this once)"), **_errors(400, 401, 403)}},
            "get": {"summary": "The key's watchers", "security": KEY, "responses": {
                "200": _json({"type": "object", "properties": {"watchers": {"type": "array", "items": WATCHER}}},
                             "OK"), **_errors(401)}},
        },
        "/api/watchers/{watcher_id}": {
            "patch": {"summary": "Change some fields of a watcher", "security": KEY, "parameters": ident,
                      "requestBody": _body([], telegram), "responses": {"200": one, **_errors(400, 401, 403, 404)}},
            "delete": {"summary": "Delete a watcher and its signals", "security": KEY, "parameters": ident,
                       "responses": {"200": _json({"type": "object"}, "Deleted"), **_errors(401, 404)}},
        },
        "/api/watchers/{watcher_id}/signals": {
            "get": {"summary": "A watcher's latest signals (100 at most), newest first: {id, watcher_id, "
                               "watcher_name, matched, at, token}, the token in brief (seq, address, chain, verdict, "
                               "score, name, symbol, pages, market)", "security": KEY,
                    "parameters": ident, "responses": {"200": _json({"type": "object", "properties": {
                        "signals": {"type": "array", "items": {"type": "object"}}}}, "OK"), **_errors(401, 404)}},
        },
    }  # fmt: skip
