"""Inbound rate limits per client address: a default for every route, a tighter one for triggers."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from token_discovery.config import Config

LOGIN_LIMIT = "10 per minute"  # guessing the admin token by brute force is not an option
EXEMPT_ENDPOINTS = ("health.healthz", "metrics.metrics", "static", "pages.favicon")


def install_limiter(app: Flask, config: Config) -> Limiter:
    """Attach Flask-Limiter; Redis storage when REDIS_URL is set, so every process counts together."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=[config.rate_limit_default],
        storage_uri=config.redis_url or "memory://",
        headers_enabled=True,
        strategy="moving-window",
        key_prefix="limits",
        storage_options={"key_prefix": config.redis_prefix.rstrip(":")} if config.redis_url else {},
        in_memory_fallback_enabled=True,  # Redis down: keep limiting in memory rather than answer 500s
    )
    trigger = app.view_functions["discovery.trigger"]
    app.view_functions["discovery.trigger"] = cast(Any, limiter.limit(config.rate_limit_trigger)(trigger))
    login = app.view_functions["console.login"]
    app.view_functions["console.login"] = cast(Any, limiter.limit(LOGIN_LIMIT)(login))
    for endpoint in EXEMPT_ENDPOINTS:
        if endpoint in app.view_functions:
            limiter.exempt(app.view_functions[endpoint])
    return limiter
