"""Cluster-wide single flight: with Redis, one process at a time holds the scan lease; others wait for its result."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE_KEY = "scan:lease"  # each under the deployment's REDIS_PREFIX
LAST_KEY = "scan:last"
RESULT_KEY = "scan:result:{}"
DONE_CHANNEL = "scan:done"
RESULT_TTL_SECONDS = 600
# Delete the lease only if it is still ours: a lease that expired and was taken by another process stays.
_RELEASE_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['scan_id'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Extend the lease only if it is still ours.
_RENEW_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['scan_id'] == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class LeaseUnavailable(Exception):
    """The cluster's coordination cannot be reached; the caller scans here or gives up waiting."""


def _redis_guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Turn a Redis failure of a lease operation into LeaseUnavailable."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as error:
            raise LeaseUnavailable(str(error)) from error

    return guarded


class ScanLease(Protocol):
    """Who may run the scan now, and where the others find its result."""

    shared: bool  # True when other processes compete for it (a granted lease then means "only us")

    def try_acquire(self, scan_id: str, params: dict[str, Any], ttl: float) -> str | None:
        """Take the lease; None when taken, else the scan_id of the scan that holds it."""
        ...

    def renew(self, scan_id: str, ttl: float) -> bool:
        """Keep our lease for `ttl` more seconds; False when it is no longer ours."""
        ...

    def release(self, scan_id: str, summary: dict[str, Any]) -> None:
        """Publish the result of our scan and give the lease back."""
        ...

    def wait_for(self, scan_id: str, timeout: float) -> dict[str, Any] | None:
        """The result of another process's scan; None if it vanished or the time ran out."""
        ...

    def last(self) -> dict[str, Any] | None:
        """The last successful scan of the cluster: {"summary", "params", "finished_epoch"}."""
        ...


class LocalLease:
    """A single process: the in-process lock is all the coordination there is."""

    shared = False

    def renew(self, scan_id: str, ttl: float) -> bool:
        """Always ours."""
        return True

    def try_acquire(self, scan_id: str, params: dict[str, Any], ttl: float) -> str | None:
        """Always granted."""
        return None

    def release(self, scan_id: str, summary: dict[str, Any]) -> None:
        """Nothing to publish."""

    def wait_for(self, scan_id: str, timeout: float) -> dict[str, Any] | None:
        """There is never another process to wait for."""
        return None

    def last(self) -> dict[str, Any] | None:
        """The service keeps its own last scan."""
        return None


class RedisLease:
    """The scan lease in Redis: SET NX with the scan deadline as expiry; results by key and pub/sub."""

    shared = True

    def __init__(self, client: Any, clock: Any = time.time, prefix: str = "td:") -> None:
        self._redis = client
        self._clock = clock
        self._lease_key, self._last_key = prefix + LEASE_KEY, prefix + LAST_KEY
        self._result_key, self._channel = prefix + RESULT_KEY, prefix + DONE_CHANNEL
        self._release = client.register_script(_RELEASE_SCRIPT)
        self._renew = client.register_script(_RENEW_SCRIPT)

    @_redis_guarded
    def renew(self, scan_id: str, ttl: float) -> bool:
        """Extend our lease; False when it expired and someone else holds it."""
        return bool(self._renew(keys=[self._lease_key], args=[scan_id, max(1, int(ttl * 1000))]))

    @_redis_guarded
    def try_acquire(self, scan_id: str, params: dict[str, Any], ttl: float) -> str | None:
        """Take the lease, or name the scan that holds it."""
        value = json.dumps({"scan_id": scan_id, **params})
        for _ in range(3):  # the holder may release between our SET and our GET
            if self._redis.set(self._lease_key, value, nx=True, px=max(1, int(ttl * 1000))):
                return None
            holder = self._redis.get(self._lease_key)
            if holder is not None:
                return str(json.loads(holder)["scan_id"])
        return None if self._redis.set(self._lease_key, value, nx=True, px=max(1, int(ttl * 1000))) else "unknown"

    @_redis_guarded
    def release(self, scan_id: str, summary: dict[str, Any]) -> None:
        """Store the result, remember a successful scan as the cluster's last, wake the waiters, free the lease."""
        payload = json.dumps(summary, default=str)
        pipe = self._redis.pipeline()
        pipe.set(self._result_key.format(scan_id), payload, ex=RESULT_TTL_SECONDS)
        if summary.get("success"):
            params = {"max_tokens": summary.get("max_tokens"), "chain": summary.get("chain")}
            last = {"summary": summary, "params": params, "finished_epoch": self._clock()}
            pipe.set(self._last_key, json.dumps(last, default=str), ex=RESULT_TTL_SECONDS)
        pipe.publish(self._channel, scan_id)
        pipe.execute()
        self._release(keys=[self._lease_key], args=[scan_id])

    def _result(self, scan_id: str) -> dict[str, Any] | None:
        """The stored result of a scan, if published."""
        raw = self._redis.get(self._result_key.format(scan_id))
        return None if raw is None else json.loads(raw)

    def _holds(self, scan_id: str) -> bool:
        """Whether that scan still holds the lease."""
        raw = self._redis.get(self._lease_key)
        return raw is not None and json.loads(raw)["scan_id"] == scan_id

    @_redis_guarded
    def wait_for(self, scan_id: str, timeout: float) -> dict[str, Any] | None:
        """Subscribe first, then look, then wait for the announcement; give up if the holder vanished."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self._channel)
        try:
            deadline = self._clock() + timeout
            while (result := self._result(scan_id)) is None:
                left = deadline - self._clock()
                if left <= 0 or not self._holds(scan_id):
                    return self._result(scan_id)
                pubsub.get_message(timeout=min(left, 1.0))  # blocks until a message or the timeout
            return result
        finally:
            pubsub.close()

    @_redis_guarded
    def last(self) -> dict[str, Any] | None:
        """The cluster's last successful scan."""
        raw = self._redis.get(self._last_key)
        return None if raw is None else json.loads(raw)


def recent_cluster_result(lease: ScanLease, params: dict[str, Any], since_epoch: float) -> dict[str, Any] | None:
    """The summary of the cluster's last successful scan with these parameters, if it finished after a moment."""
    try:
        last = lease.last()
    except LeaseUnavailable:
        log.exception("scan lease unavailable; no cluster result to reuse")
        return None
    if last is None or last["params"] != params or float(last["finished_epoch"]) <= since_epoch:
        return None
    return dict(last["summary"])


def redis_lease(url: str, prefix: str = "td:") -> RedisLease:
    """A lease over a Redis server with short socket timeouts, under a deployment's key prefix."""
    return RedisLease(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2), prefix=prefix)
