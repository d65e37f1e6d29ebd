"""Inbound rate limits per client address: a default for every route, a tighter one for triggers and logins.

Moving windows: the `limits` package's in Redis when REDIS_URL is set, so every process counts together;
a deque per address in this process's memory otherwise, and while Redis does not answer. The check is a
before-request hook of a few microseconds: Flask-Limiter's bookkeeping, and the `limits` memory storage
re-copying a list per hit, cost 50 to 100 µs a request, more than the read path's whole answer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from token_discovery.api.responses import fail
from token_discovery.config import Config
from token_discovery.windows import MovingWindows

log = logging.getLogger(__name__)
LOGIN_LIMIT = "10 per minute"  # guessing the admin token by brute force is not an option
EXEMPT_ENDPOINTS = frozenset({"health.healthz", "metrics.metrics", "static", "pages.favicon"})
REDIS_RETRY_SECONDS = 5.0  # while Redis fails, limits are counted in memory; it is tried again this often


@dataclass(frozen=True)
class Verdict:
    """One check: the limit that applied, whether it refused, and what is left of it."""

    item: RateLimitItem
    refused: bool
    remaining: int
    reset_at: float


class InboundLimits:
    """Per-address moving windows, by endpoint: its own limit for some, the shared default for the rest."""

    def __init__(self, config: Config) -> None:
        self.default = parse_many(config.rate_limit_default)
        self.by_endpoint = {"discovery.trigger": parse_many(config.rate_limit_trigger),
                            "console.login": parse_many(LOGIN_LIMIT)}  # fmt: skip
        self._memory: dict[tuple[str, str], MovingWindows] = {}  # by (scope, limit): O(1) a hit, no timer
        self._shared: MovingWindowRateLimiter | None = None
        self._shared_failed_at = float("-inf")
        if config.redis_url:
            options = {"key_prefix": config.redis_prefix.rstrip(":")}
            storage = storage_from_string(config.redis_url, **options)
            assert isinstance(storage, Storage)  # a synchronous storage for a redis:// URL
            self._shared = MovingWindowRateLimiter(storage)

    def check(self, endpoint: str, address: str) -> Verdict | None:
        """Count one request of an address on an endpoint; None when the endpoint is not limited."""
        if endpoint in EXEMPT_ENDPOINTS:
            return None
        items = self.by_endpoint.get(endpoint, self.default)
        scope = endpoint if endpoint in self.by_endpoint else "default"
        verdict = None
        for item in items:
            verdict = self._hit(item, scope, address)
            if verdict.refused:
                return verdict
        return verdict

    def _hit(self, item: RateLimitItem, scope: str, address: str) -> Verdict:
        """One request against one limit: in Redis when it answers, in this process's memory otherwise."""
        if self._shared is not None and time.monotonic() - self._shared_failed_at >= REDIS_RETRY_SECONDS:
            try:
                allowed = self._shared.hit(item, scope, address)
                reset_at, remaining = self._shared.get_window_stats(item, scope, address)
                return Verdict(item, not allowed, remaining, reset_at)
            except Exception as error:  # Redis gone: count in memory rather than answer 500s
                self._shared_failed_at = time.monotonic()
                log.warning("rate limits counted in memory for %ss: Redis failed (%s)", REDIS_RETRY_SECONDS, error)
        key = (scope, str(item))
        windows = self._memory.get(key)
        if windows is None:
            windows = self._memory.setdefault(key, MovingWindows(item.amount, item.get_expiry()))
        allowed, remaining, wait = windows.hit(address)
        return Verdict(item, not allowed, remaining, time.time() + wait)


def install_limiter(app: Flask, config: Config) -> InboundLimits:
    """Check every request against its limit before it runs; 429 with Retry-After past it; headers always."""
    limits = InboundLimits(config)

    @app.before_request
    def check_limit() -> Any:
        verdict = limits.check(request.endpoint or "unmatched", request.remote_addr or "unknown")
        if verdict is None:
            return None
        g.rate_limit = verdict
        if verdict.refused:
            return fail(429, f"too many requests from this address: at most {verdict.item}")
        return None

    @app.after_request
    def limit_headers(response: Response) -> Response:
        verdict: Verdict | None = g.get("rate_limit")
        if verdict is not None:
            wait = max(1, int(verdict.reset_at - time.time() + 0.999))
            response.headers["X-RateLimit-Limit"] = str(verdict.item.amount)
            response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
            response.headers["X-RateLimit-Reset"] = str(int(verdict.reset_at))
            if verdict.refused:
                response.headers["Retry-After"] = str(wait)
        return response

    return limits
