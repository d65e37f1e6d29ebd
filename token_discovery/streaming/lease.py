"""Who holds the stream: one process of a deployment connects to PumpPortal (its users are told to keep a single
connection); with Redis the others wait, and the first to see the lease lapse takes it over."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

import redis

log = logging.getLogger(__name__)

LEASE_KEY = "stream:lease"  # under the deployment's REDIS_PREFIX
LEASE_SECONDS = 10.0  # a holder that stops renewing loses the stream this long after its last renewal
# Extend the lease only if it is still ours; give it back only if it is still ours.
_RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class StreamLease(Protocol):
    """The right to hold the stream's connection."""

    def hold(self) -> bool:
        """Take the lease or keep it; whether this process holds it now (False when it cannot be known)."""
        ...

    def release(self) -> None:
        """Give it back (only if still ours), so another process takes over at once."""
        ...


class SoleLease:
    """One process: it always holds the stream."""

    def hold(self) -> bool:
        """Always."""
        return True

    def release(self) -> None:
        """Nothing to give back."""


class RedisStreamLease:
    """The lease as a Redis key naming its holder, taken with SET NX and kept with a guarded PEXPIRE."""

    def __init__(self, client: redis.Redis, prefix: str, seconds: float = LEASE_SECONDS) -> None:
        self._redis, self._key, self._ms = client, f"{prefix}{LEASE_KEY}", int(seconds * 1000)
        self._me = uuid.uuid4().hex
        self._held = False

    def hold(self) -> bool:
        """Renew ours, else try to take it; a Redis failure means not held (the connection then closes)."""
        try:
            if self._held and self._redis.eval(_RENEW, 1, self._key, self._me, self._ms):
                return True
            self._held = bool(self._redis.set(self._key, self._me, nx=True, px=self._ms))
        except redis.RedisError as error:
            if self._held:
                log.warning("stream lease unknown (%s): letting the stream go", error.__class__.__name__)
            self._held = False
        return self._held

    def release(self) -> None:
        """Delete the key if it still names us."""
        if not self._held:
            return
        self._held = False
        try:
            self._redis.eval(_RELEASE, 1, self._key, self._me)
        except redis.RedisError:
            log.warning("stream lease not released: another process takes over when it lapses")


def stream_lease(url: str, prefix: str) -> StreamLease:
    """The lease of a deployment: shared through Redis when there is one, else this process's alone."""
    if not url:
        return SoleLease()
    return RedisStreamLease(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2), prefix)
