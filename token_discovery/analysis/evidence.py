"""Evidence: the flat facts a verdict is computed from, kept with every token so its score can be recomputed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from token_discovery.analysis.indicators import macd_series, rsi_series, volume_trend
from token_discovery.models import Candidate, Candle, MarketData, SecurityReport


@dataclass(frozen=True)
class Evidence:
    """What we know of a token at one moment; None always means "not known"."""

    chain: str
    age_hours: float | None = None
    has_security: bool = False
    flags: Mapping[str, bool | None] = field(default_factory=dict)
    buy_tax: float | None = None
    sell_tax: float | None = None
    top_holder_address: str | None = None
    top_holder_percent: float | None = None
    lp_locked_share: float | None = None
    owner_percent: float | None = None
    creator_percent: float | None = None
    creator_honeypots: int | None = None
    has_market: bool = False
    liquidity_usd: float | None = None
    price_change_h24: float | None = None
    links: int = 0
    candles: int = 0
    rsi: float | None = None
    macd_histogram: float | None = None
    volume_trend: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON object holding every field."""
        data = dataclasses.asdict(self)
        data["flags"] = dict(self.flags)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        """The evidence stored with a token; unknown keys are ignored, missing ones take their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def _top_wallet(security: SecurityReport) -> tuple[str | None, float | None]:
    """The largest holder that is a plain wallet: not a contract, not a tagged pool or locker."""
    wallets = [
        h for h in security.holders
        if h.percent is not None and not h.is_contract and not (h.is_contract is None and h.tag)
    ]  # fmt: skip
    top = max(wallets, key=lambda h: h.percent or 0.0, default=None)
    return (None, None) if top is None else (top.address, top.percent)


def _locked_share(security: SecurityReport) -> float | None:
    """Share of the LP tokens held locked (burn addresses count as locked), when GoPlus says."""
    known = [h for h in security.lp_holders if h.percent is not None and h.is_locked is not None]
    if not known:
        return None
    return round(min(1.0, sum(h.percent or 0.0 for h in known if h.is_locked)), 6)


def _security_facts(security: SecurityReport | None) -> dict[str, Any]:
    """The security part of the evidence."""
    if security is None or not security.indexed:
        return {}
    address, percent = _top_wallet(security)
    return {
        "has_security": True, "flags": dict(security.flags), "buy_tax": security.buy_tax,
        "sell_tax": security.sell_tax, "top_holder_address": address, "top_holder_percent": percent,
        "lp_locked_share": _locked_share(security), "owner_percent": security.owner_percent,
        "creator_percent": security.creator_percent, "creator_honeypots": security.creator_honeypots,
    }  # fmt: skip


def _candle_facts(candles: Sequence[Candle]) -> dict[str, Any]:
    """Indicators from candles, oldest first; each None until there are enough candles."""
    closes = [c.close for c in candles]
    rsi = rsi_series(closes)[-1] if closes else None
    macd = macd_series(closes)[-1] if closes else None
    return {
        "candles": len(candles),
        "rsi": None if rsi is None else round(rsi, 6),
        "macd_histogram": None if macd is None else macd.histogram,
        "volume_trend": volume_trend([c.volume for c in candles]),
    }


def gather(
    candidate: Candidate,
    market: MarketData | None,
    security: SecurityReport | None,
    candles: Sequence[Candle],
    now: datetime,
) -> Evidence:
    """Flatten what the sources said about a token into Evidence."""
    created = (market.pair_created_at if market else None) or candidate.pool_created_at
    links = candidate.links or (market.links if market else ())
    return Evidence(
        chain=candidate.chain,
        age_hours=None if created is None else round((now - created).total_seconds() / 3600, 4),
        has_market=market is not None,
        liquidity_usd=market.liquidity_usd if market else None,
        price_change_h24=market.price_change.get("h24") if market else None,
        links=len(links),
        **_security_facts(security),
        **_candle_facts(candles),
    )
