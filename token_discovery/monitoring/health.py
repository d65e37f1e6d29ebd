"""Health that tells the truth, fast: probes run in the background; requests read their latest answer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import redis

from token_discovery.store.base import StoreUnavailable

if TYPE_CHECKING:
    from token_discovery.bootstrap import Services

log = logging.getLogger(__name__)
PROBE_SECONDS = 5.0  # how often the probes run; a request never waits for one
STALE_SECONDS = 30.0  # an answer older than this says so: the prober itself is stuck
SLOW_REDIS_SECONDS = 0.25


def _when(epoch: float) -> str:
    """A moment as an ISO time."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class HealthProbe:
    """Checks the store (writable), Redis (reachable and quick), the upstreams and discovery; keeps the answer."""

    def __init__(self, services: Services, clock: Callable[[], float] = time.time) -> None:
        self._services, self._clock = services, clock
        self._redis: Any = None
        self._latest: dict[str, Any] = {}
        self._stop = threading.Event()

    def latest(self) -> dict[str, Any]:
        """The last answer (probing once when there is none yet); says "degraded" when it has gone stale."""
        answer = self._latest or self.refresh()
        if self._clock() - answer["checked_epoch"] > STALE_SECONDS:
            return {**answer, "status": "degraded", "reasons": [*answer["reasons"], "health probes are stuck"]}
        return answer

    def loop(self) -> None:
        """Probe every PROBE_SECONDS until stopped (a background task of the web app)."""
        while not self._stop.wait(PROBE_SECONDS):
            try:
                self.refresh()
            except Exception:  # a probe that breaks must not end the loop: the next one may work
                log.exception("health probe failed")

    def stop(self) -> None:
        """End the loop."""
        self._stop.set()

    def refresh(self) -> dict[str, Any]:
        """Run every probe now and keep the answer."""
        parts = {"store": self._store(), "redis": self._redis_health()}
        reasons = [reason for part in parts.values() if (reason := part.get("reason"))]
        reasons += self._upstream_reasons() + self._discovery_reasons()
        now = self._clock()
        answer = {"status": "degraded" if reasons else "ok", "reasons": reasons, "checked_at": _when(now),
                  "checked_epoch": now, **parts}  # fmt: skip
        self._latest = answer
        return answer

    def _store(self) -> dict[str, Any]:
        """Whether the store answers and takes a write."""
        store = self._services.store
        try:
            store.check_writable()
        except StoreUnavailable as error:
            return {"ok": False, "kind": type(store).__name__, "error": str(error)[:200],
                    "reason": f"store not writable: {str(error)[:120]}"}  # fmt: skip
        return {"ok": True, "kind": type(store).__name__}

    def _redis_health(self) -> dict[str, Any]:
        """Whether Redis answers a ping, and quickly; {'configured': False} without REDIS_URL."""
        url = self._services.config.redis_url
        if not url:
            return {"configured": False}
        started = time.monotonic()
        try:
            if self._redis is None:
                self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
            self._redis.ping()
        except redis.RedisError as error:
            return {"configured": True, "ok": False, "error": str(error)[:200], "reason": "redis unreachable"}
        took = round(time.monotonic() - started, 3)
        if took > SLOW_REDIS_SECONDS:
            return {"configured": True, "ok": False, "seconds": took, "reason": f"redis slow: {took} s to a ping"}
        return {"configured": True, "ok": True, "seconds": took}

    def _upstream_reasons(self) -> list[str]:
        """Open circuits, and route classes cooling down after a rate limit (until when)."""
        health = self._services.gate.health()
        reasons = [f"upstream {name} failing (circuit {state})" for name, state in health["breakers"].items()
                   if state != "closed"]  # fmt: skip
        for name, bucket in health["budget"].items():
            if bucket.get("cooldown_seconds", 0) > 0:
                reasons.append(f"{name} rate-limited until {_when(self._clock() + bucket['cooldown_seconds'])}")
            elif bucket.get("error"):
                reasons.append(f"{name} budget unknown: {bucket['error'][:80]}")
        return reasons

    def _discovery_reasons(self) -> list[str]:
        """The last scan failed, or auto-discovery has not finished a scan for three of its intervals."""
        service = self._services.service
        last = service.coordinator.last()
        report = last.report if last else None
        reasons = [f"last scan failed: {report.error}"] if report is not None and not report.success else []
        if service.auto.active:
            since = report.finished_at.timestamp() if report and report.finished_at else service.auto.started_epoch
            if since is not None and self._clock() - since > 3 * service.auto.interval:
                reasons.append(f"discovery stalled: no scan finished since {_when(since)}")
        return reasons
