"""Evidence: the flat facts a verdict is computed from, kept with every token so its score can be recomputed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from token_discovery.analysis.holders import holdings, is_burn, locked_lp_share
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
    creator_launches_24h: int | None = None  # tokens its creator launched on the pump.fun stream in a day
    creator_launch_buy: float | None = None  # share of the supply its creator bought in the creating transaction
    curve_progress: float | None = None  # share of its pump.fun bonding curve sold (1: about to graduate)
    market_cap_sol: float | None = None  # its market cap in SOL at launch, as the stream said
    has_market: bool = False
    liquidity_usd: float | None = None
    liquidity_source: str | None = None  # "dexscreener", "geckoterminal" or "goplus"
    trades_h24: int | None = None
    burned_percent: float | None = None
    locked_percent: float | None = None
    trusted: bool | None = None  # on GoPlus's trust list
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


def _pools(candidate: Candidate, market: MarketData | None, security: SecurityReport) -> list[str]:
    """Every pool address we know of the token: its holdings are liquidity, not a holder's."""
    pools = [candidate.pool_address or "", market.pair_address if market else ""]
    return pools + [pool.pair or "" for pool in security.dex_pools]


def _security_facts(candidate: Candidate, market: MarketData | None, security: SecurityReport | None) -> dict[str, Any]:
    """The security part of the evidence."""
    if security is None or not security.indexed:
        return {}
    split = holdings(security.holders, _pools(candidate, market, security))
    return {
        "has_security": True, "flags": dict(security.flags), "buy_tax": security.buy_tax,
        "sell_tax": security.sell_tax, "top_holder_address": split.top_address,
        "top_holder_percent": split.top_percent, "burned_percent": split.burned_percent,
        "locked_percent": split.locked_percent, "lp_locked_share": locked_lp_share(security.lp_holders),
        "owner_percent": _insider_share(security.owner_address, security.owner_percent),
        "creator_percent": _insider_share(security.creator_address, security.creator_percent),
        "creator_honeypots": security.creator_honeypots, "trusted": security.flags.get("trusted_token"),
    }  # fmt: skip


def _launch_facts(candidate: Candidate) -> dict[str, Any]:
    """What the pump.fun stream said of the token's launch and of its creator."""
    curve = candidate.curve
    if curve is None:
        return {}
    return {"creator_launches_24h": candidate.creator_launches, "creator_launch_buy": curve.creator_buy_share,
            "curve_progress": None if curve.migrated else curve.progress,
            "market_cap_sol": curve.market_cap_sol}  # fmt: skip


def _insider_share(address: str | None, share: float | None) -> float | None:
    """What an owner or creator holds; nothing when that "owner" is a burn address (ownership renounced)."""
    return None if address and is_burn(address) else share


def _liquidity(
    candidate: Candidate, market: MarketData | None, security: SecurityReport | None
) -> tuple[float | None, str | None]:
    """Liquidity in USD and where it came from: DexScreener's pair, else GeckoTerminal's pool, else GoPlus."""
    if market is not None and market.liquidity_usd is not None:
        return market.liquidity_usd, "dexscreener"
    if candidate.pool_reserve_usd is not None:
        return candidate.pool_reserve_usd, "geckoterminal"
    pools = [p.liquidity_usd for p in (security.dex_pools if security else ()) if p.liquidity_usd is not None]
    return (max(pools), "goplus") if pools else (None, None)


def _trades(candidate: Candidate, market: MarketData | None) -> int | None:
    """Trades over 24 h from DexScreener, else from the GeckoTerminal pool."""
    day = market.txns.get("h24") if market else None
    return day.buys + day.sells if day is not None else candidate.pool_trades_h24


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
    liquidity, liquidity_source = _liquidity(candidate, market, security)
    return Evidence(
        chain=candidate.chain,
        age_hours=None if created is None else round((now - created).total_seconds() / 3600, 4),
        has_market=market is not None,
        liquidity_usd=liquidity,
        liquidity_source=liquidity_source,
        trades_h24=_trades(candidate, market),
        price_change_h24=market.price_change.get("h24") if market else None,
        links=len(links),
        **_launch_facts(candidate),
        **_security_facts(candidate, market, security),
        **_candle_facts(candles),
    )
