"""How each simulated API says "rate limited" or fails, in the forms the real ones use."""

from __future__ import annotations

import itertools
import math

from token_discovery.simulator.handlers import Answer

GT_RATE_MESSAGE = (
    "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing "
    "to subscribe to our API plans for higher rate limits."
)
CLOUDFLARE_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    '<body><div id="challenge-running">Checking if the site connection is secure</div></body></html>'
)
SERVER_ERROR_PAGE = "<html><body><h1>500 Internal Server Error</h1></body></html>"

_gt_style = itertools.count()


def _retry_header(seconds: float | None) -> dict[str, str]:
    """A Retry-After header in whole seconds, or none."""
    return {} if seconds is None else {"Retry-After": str(max(1, math.ceil(seconds)))}


def _goplus_limited() -> dict[str, object]:
    """The GoPlus rate-limit body."""
    return {"code": 4029, "message": "too many requests", "result": {}}


def _gt_limited() -> dict[str, object]:
    """The GeckoTerminal rate-limit body."""
    return {"status": {"error_code": 429, "error_message": GT_RATE_MESSAGE}}


def telegram_limited(retry_after: float | None) -> Answer:
    """The Bot API's flood answer: HTTP 429, the wait in the description and in parameters.retry_after."""
    seconds = max(1, math.ceil(retry_after or 1))
    return Answer(429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                        "parameters": {"retry_after": seconds}})  # fmt: skip


def rate_limited(route: str, retry_after: float | None) -> Answer:
    """What the real API answers past its limit.

    DexScreener: HTTP 429 (the simulator adds Retry-After). GoPlus: HTTP 200 carrying code 4029.
    GeckoTerminal: HTTP 429, or every other time an HTTP 200 carrying error_code 429.
    """
    if route.startswith("telegram."):
        return telegram_limited(retry_after)
    if route.startswith("goplus."):
        return Answer(200, _goplus_limited())
    if route.startswith("geckoterminal."):
        return Answer(200 if next(_gt_style) % 2 else 429, _gt_limited())
    return Answer(429, {"error": "Too Many Requests"}, _retry_header(retry_after))


def forced_429(route: str, retry_after: float | None) -> Answer:
    """Fault mode "429": an HTTP 429 whatever the API, Retry-After when the fault gives one."""
    if route.startswith("telegram."):
        return telegram_limited(retry_after)
    if route.startswith("goplus."):
        body: object = _goplus_limited()
    elif route.startswith("geckoterminal."):
        body = _gt_limited()
    else:
        body = {"error": "Too Many Requests"}
    return Answer(429, body, _retry_header(retry_after))


def forced_in_body(route: str, retry_after: float | None) -> Answer:
    """Fault mode "4029": the rate limit inside an HTTP 200 where the API does that."""
    if route.startswith("goplus."):
        return Answer(200, _goplus_limited())
    if route.startswith("geckoterminal."):
        return Answer(200, _gt_limited())
    return forced_429(route, retry_after)
