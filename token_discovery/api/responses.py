"""JSON answers shared by the blueprints."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from token_discovery.bootstrap import Services


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
