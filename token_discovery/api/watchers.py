"""The watchers REST API: each call names its owner key in `X-Watcher-Key`; a first POST without one gets one."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request

from token_discovery.api.inputs import json_body
from token_discovery.api.responses import fail, ok, services
from token_discovery.signals.book import FIELDS, KEY_FORMAT, NotFound, TooMany, WatcherBook
from token_discovery.signals.rules import RuleError
from token_discovery.signals.targets import TargetRefused

bp = Blueprint("watchers", __name__, url_prefix="/api/watchers")

Answer = tuple[Response, int]
KEY_HEADER = "X-Watcher-Key"
ID_FORMAT = re.compile(r"[0-9a-f]{16}")


class NoKey(Exception):
    """The call has no usable owner key."""


def book() -> WatcherBook:
    """The app's watcher book."""
    return services().watchers


def given_key(required: bool = True) -> str | None:
    """The owner key of the call; NoKey when it is required and absent, or present and malformed."""
    key = request.headers.get(KEY_HEADER)
    if key is None and not required:
        return None
    if key is None or not KEY_FORMAT.fullmatch(key):
        raise NoKey
    return key


@bp.errorhandler(NoKey)
def no_key(error: NoKey) -> Answer:
    """401: the owner key is missing or is not one."""
    return fail(401, f"an owner key is required in the {KEY_HEADER} header (the one the first POST returned)")


@bp.errorhandler(RuleError)
def bad_watcher(error: RuleError) -> Answer:
    """400 naming the field."""
    return fail(400, str(error))


@bp.errorhandler(TargetRefused)
def refused_target(error: TargetRefused) -> Answer:
    """403: a well-formed webhook URL this service will not call."""
    return fail(403, str(error))


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> Answer:
    """404, for a watcher that does not exist or is another key's."""
    return fail(404, "no watcher of this key has that id")


@bp.post("")
def create() -> Answer:
    """Make a watcher, under the given key or a new one (returned once)."""
    key = given_key(required=False)
    if key is not None and not book().of(key):
        raise NoKey  # a key is only ever one this service made: it owns at least one watcher
    try:
        watcher, new_key = book().create(json_body(FIELDS), key)
    except TooMany as error:
        return fail(403, str(error))
    extra: dict[str, Any] = {"owner_key": new_key} if new_key else {}
    return ok(201, watcher=watcher.to_json(with_secret=True), **extra)


@bp.get("")
def list_watchers() -> Answer:
    """The key's watchers, oldest first."""
    return ok(watchers=[watcher.to_json() for watcher in book().of(_owned_key())])


@bp.patch("/<watcher_id>")
def update(watcher_id: str) -> Answer:
    """Change some fields of one of the key's watchers."""
    return ok(watcher=book().update(_owned_key(), _id(watcher_id), json_body(FIELDS)).to_json())


@bp.delete("/<watcher_id>")
def delete(watcher_id: str) -> Answer:
    """Delete one of the key's watchers and its signals."""
    book().delete(_owned_key(), _id(watcher_id))
    return ok(deleted=watcher_id)


@bp.get("/<watcher_id>/signals")
def signals(watcher_id: str) -> Answer:
    """One of the key's watchers' latest signals (100 at most), newest first."""
    found = book().signals(_owned_key(), _id(watcher_id))
    return ok(signals=found, count=len(found))


def _owned_key() -> str:
    """The call's key, which must exist and be well formed."""
    key = given_key()
    assert key is not None
    return key


def _id(watcher_id: str) -> str:
    """A watcher id as made here; anything else is not one (404)."""
    if not ID_FORMAT.fullmatch(watcher_id):
        raise NotFound(watcher_id)
    return watcher_id
