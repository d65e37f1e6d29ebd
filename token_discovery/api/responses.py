"""JSON answers and request-field validation shared by the blueprints."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app, jsonify, request

from token_discovery.bootstrap import Services
from token_discovery.sources.chains import CHAINS


class BadRequest(ValueError):
    """A request field is invalid; answered 400 with the message."""


def services() -> Services:
    """The services of the running app."""
    return current_app.extensions["token_discovery"]


def ok(code: int = 200, /, **body: Any) -> tuple[Response, int]:
    """A success answer with HTTP status `code`."""
    return jsonify({"success": True, **body}), code


def fail(code: int, error: str, /, **extra: Any) -> tuple[Response, int]:
    """An error answer of the contract with HTTP status `code`."""
    return jsonify({"success": False, "error": error, **extra}), code


def json_body(*allowed: str) -> dict[str, Any]:
    """The request body as a JSON object with only the `allowed` fields; an empty body is an empty object."""
    if not request.get_data(cache=True):
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # silent=True only covers ValueError; a deeply nested body must not be a 500
        raise BadRequest("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:  # e.g. a profile_url: this service never fetches a URL it is given
        raise BadRequest(f"unknown field(s): {', '.join(unknown)[:200]}; allowed: {', '.join(allowed) or 'none'}")
    return body


def integer(value: Any, name: str, low: int, high: int, query: bool = True) -> int | None:
    """An optional integer within [low, high]; a string of digits only from a query string (`query`),
    a JSON number in a body."""
    if value is None or (query and value == ""):
        return None
    if query and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer between {low} and {high}")
    return value


def chain(value: Any) -> str | None:
    """An optional known chain slug (absent is "every chain"; an empty one is not a chain)."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in CHAINS:
        raise BadRequest(f"chain must be one of {', '.join(CHAINS)}")
    return value
