"""The thresholds an operator may set for the verdict; the rules read them, never the environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """Liquidity floor and what makes a token established (years-old, deep, or trusted by GoPlus)."""

    liquidity_floor_usd: float = 1_000.0
    established_age_days: float = 30.0
    established_liquidity_usd: float = 500_000.0


DEFAULT_POLICY = Policy()
