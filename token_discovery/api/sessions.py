"""Admin sessions done right: known to the server, ended by logout, by a change of ADMIN_TOKEN or after hours idle.

The signed cookie carries a session id, a digest of the token it was opened with and a CSRF token; the server
keeps the live ids (in this process, or in Redis so that every process hears of a logout). A cookie that was
valid yesterday is worth nothing once its id is gone or the token has changed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis

log = logging.getLogger(__name__)
IDLE_SECONDS = 4 * 3600  # an admin session unused this long is over
CSRF_FIELD = "csrf"  # the hidden form field; fetch() sends the same value in CSRF_HEADER
CSRF_HEADER = "X-CSRF-Token"


def token_digest(token: str) -> str:
    """What a session remembers of the token it was opened with (never the token itself)."""
    return hashlib.sha256(f"token-discovery-admin:{token}".encode()).hexdigest()[:32]


class SessionRegistry:
    """The live admin session ids, each with its idle deadline: in memory, or in Redis under REDIS_PREFIX."""

    def __init__(self, redis_url: str = "", prefix: str = "", clock: Callable[[], float] = time.time) -> None:
        self._clock, self._prefix = clock, f"{prefix}admin_session:"
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=1.0) if redis_url else None
        self._local: dict[str, float] = {}
        self._lock = threading.Lock()

    def open(self) -> str:
        """A new live session id."""
        session_id = secrets.token_urlsafe(24)
        if self._redis is not None:
            self._redis.set(self._prefix + session_id, "1", ex=IDLE_SECONDS)
        else:
            with self._lock:
                self._local[session_id] = self._clock() + IDLE_SECONDS
        return session_id

    def touch(self, session_id: str) -> bool:
        """Whether the id is live; its idle deadline moves on when it is."""
        if self._redis is not None:
            try:
                return bool(self._redis.expire(self._prefix + session_id, IDLE_SECONDS))
            except redis.RedisError as error:  # cannot know: refuse rather than guess
                log.warning("admin session unknown, Redis failed: %s", error)
                return False
        with self._lock:
            deadline = self._local.get(session_id)
            if deadline is None or deadline < self._clock():
                self._local.pop(session_id, None)
                return False
            self._local[session_id] = self._clock() + IDLE_SECONDS
            return True

    def close(self, session_id: str) -> None:
        """End a session everywhere."""
        if self._redis is not None:
            try:
                self._redis.delete(self._prefix + session_id)
            except redis.RedisError as error:
                log.warning("could not end an admin session in Redis: %s", error)
        with self._lock:
            self._local.pop(session_id, None)


def session_is_admin(session: Mapping[str, Any], token: str, registry: SessionRegistry) -> bool:
    """Whether a cookie session is a live admin session opened with the current token."""
    session_id, digest = session.get("admin"), session.get("digest")
    if not token or not isinstance(session_id, str) or not isinstance(digest, str):
        return False
    return hmac.compare_digest(digest, token_digest(token)) and registry.touch(session_id)


def csrf_ok(session: Mapping[str, Any], given: str | None, origin: str | None, fetch_site: str | None,
            own_origin: str) -> bool:  # fmt: skip
    """A cookie-authenticated change: from this very origin (Sec-Fetch-Site, Origin) and with the session's token."""
    if fetch_site is not None:  # set by the browser, beyond a page's reach: the surest word on where it comes from
        if fetch_site not in ("same-origin", "none"):
            return False
    elif origin is not None and origin != own_origin:  # (a same-origin form under no-referrer says Origin: null)
        return False
    expected = session.get(CSRF_FIELD)
    return isinstance(expected, str) and isinstance(given, str) and hmac.compare_digest(given, expected)
