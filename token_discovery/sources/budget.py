"""The upstream budget: a token bucket per route class, reserve before every call, cooldowns after a 429."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from token_discovery.sources.token_bucket import TokenBucket

# Route -> the class whose published limit it shares.
ROUTE_CLASS = {
    "dexscreener.token_profiles": "dexscreener.discovery",
    "dexscreener.token_boosts": "dexscreener.discovery",
    "dexscreener.tokens": "dexscreener.market",
    "geckoterminal.new_pools": "geckoterminal",
    "geckoterminal.ohlcv": "geckoterminal",
    "goplus.token_security": "goplus",
    "goplus.solana_token_security": "goplus",
}
# The cost registry: what one call on each route costs, in tokens of its class. Every public limit we know
# counts requests, whatever their size (a 30-address tokens/v1 call costs what a 1-address one does).
CALL_COSTS = dict.fromkeys(ROUTE_CLASS, 1.0)
# Calls a minute, as published (GoPlus: the community-reported free-tier ceiling).
PUBLISHED_LIMITS = {"dexscreener.discovery": 60, "dexscreener.market": 300, "geckoterminal": 30, "goplus": 30}
DEFAULT_COOLDOWN = 60.0
COOLDOWN_RANGE = (1.0, 900.0)


DISCOVERY_CLASSES = ("dexscreener.discovery", "geckoterminal")  # one feed of either is enough to discover


class Bucket(Protocol):
    """One route class's allowance: in this process (TokenBucket) or shared through Redis (RedisTokenBucket)."""

    capacity: float

    def try_take(self, cost: float, floor: float = 0.0) -> float:
        """Take `cost` tokens, leaving at least `floor`: 0.0 when taken, else the seconds until they would be."""
        ...

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` tokens are back."""
        ...

    def succeeded(self) -> None:
        """A call was answered normally."""
        ...

    def cool_down(self, seconds: float) -> None:
        """Nothing is taken for `seconds`; then one probe."""
        ...

    def sync(self, remaining: float) -> None:
        """Believe the upstream's own count when it is lower."""
        ...

    def state(self) -> dict[str, Any]:
        """Balance, capacity and the cooldown left."""
        ...


BucketFactory = Callable[[str, int, float], Bucket]


class BudgetExhausted(Exception):
    """The budget cannot pay for a call now; nothing was sent."""

    def __init__(
        self, route_class: str, balance: float, required: float, retry_after: float, kept: bool = False
    ) -> None:
        super().__init__(f"{route_class}: budget {balance:.1f} < {required:.1f}, retry in {retry_after:.1f}s")
        self.route_class, self.balance, self.required, self.retry_after = route_class, balance, required, retry_after
        self.kept = kept  # refused only to keep the automatic scans' share: there was enough for the call


def clamp_cooldown(retry_after: float | None) -> float:
    """A sane cooldown from an upstream Retry-After: the default when missing or absurd, else clamped."""
    if retry_after is None or not math.isfinite(retry_after) or retry_after < 0:
        return DEFAULT_COOLDOWN
    low, high = COOLDOWN_RANGE
    return min(high, max(low, retry_after))


@dataclass(frozen=True)
class Quote:
    """Whether a plan of calls is affordable now, and by how much it is not."""

    affordable: bool
    balance: float
    required: float
    retry_after: float
    route_class: str | None = None
    kept: float = 0.0  # the share of each bucket the plan had to leave (to the automatic scans)

    @property
    def deficit(self) -> float:
        """Tokens missing."""
        return max(0.0, self.required - self.balance)


class Budget:
    """One bucket per route class; every upstream call is paid for before it is made."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        bucket_factory: BucketFactory | None = None,
    ) -> None:
        limits = {**PUBLISHED_LIMITS, **(limits or {})}
        make: BucketFactory = bucket_factory or (lambda name, limit, span: TokenBucket(limit, span, clock))
        self.buckets: dict[str, Bucket] = {name: make(name, limit, window) for name, limit in limits.items()}
        self.on_change: Callable[[], None] = lambda: None  # a journal keeps the spends across restarts

    def limits(self) -> dict[str, float]:
        """Calls each route class may make per window."""
        return {name: bucket.capacity for name, bucket in self.buckets.items()}

    def bucket(self, route: str) -> Bucket:
        """The bucket a route draws from."""
        return self.buckets[ROUTE_CLASS[route]]

    def reserve(self, route: str, cost: float = 1.0, keep: float = 0.0) -> None:
        """Pay for a call now, leaving the share `keep` of the bucket untouched, or raise BudgetExhausted unsent."""
        bucket = self.bucket(route)
        floor = keep * bucket.capacity
        wait = bucket.try_take(cost, floor)
        if wait > 0:
            balance = bucket.state()["balance"]
            raise BudgetExhausted(ROUTE_CLASS[route], balance, cost, wait, kept=floor > 0 and balance >= cost)
        self.on_change()

    def succeeded(self, route: str) -> None:
        """A call on a route was answered normally."""
        self.bucket(route).succeeded()

    def rate_limited(self, route: str, retry_after: float | None) -> float:
        """The upstream said "too many": empty the route's class until the clamped Retry-After."""
        seconds = clamp_cooldown(retry_after)
        self.bucket(route).cool_down(seconds)
        self.on_change()
        return seconds

    def quote(self, plan: Mapping[str, float], keep: float = 0.0) -> Quote:
        """Can the classes of `plan` ({route class: calls}) pay for it now, leaving the share `keep` of each?"""
        worst = Quote(True, 0.0, 0.0, 0.0)
        for name, cost in plan.items():
            state = self.buckets[name].state()
            if cost <= 0:
                continue
            usable = state["balance"] - keep * self.buckets[name].capacity
            short = state["cooldown_seconds"] > 0 or usable < cost
            if short:
                wait = state["cooldown_seconds"] or self.buckets[name].wait_for(
                    cost + keep * self.buckets[name].capacity
                )
                candidate = Quote(False, max(0.0, usable), cost, wait, name, keep)
                if worst.affordable or candidate.retry_after > worst.retry_after:
                    worst = candidate
        return worst

    def discovery_quote(self, keep: float = 0.0) -> Quote:
        """Can discovery itself be paid now? One feed is enough: the scan goes on with what the budget can pay
        (market data and security for what it can; the rest is stored "unknown" and re-checked later)."""
        quotes = [self.quote({name: 1}, keep) for name in DISCOVERY_CLASSES if name in self.buckets]
        payable = [q for q in quotes if q.affordable]
        return payable[0] if payable else min(quotes, key=lambda q: q.retry_after)

    def snapshot(self) -> dict[str, dict[str, float]]:
        """Every bucket's state."""
        return {name: bucket.state() for name, bucket in self.buckets.items()}
