"""Simulated DexScreener and GeckoTerminal documents for the tokens of the universe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from token_discovery.simulator.token import QUOTES, SimToken, unit_noise

_WINDOW_SECONDS = {"m5": 300, "h1": 3600, "h6": 6 * 3600, "h24": 24 * 3600}
_GT_WINDOWS = {"m5": 300, "m15": 900, "m30": 1800, "h1": 3600, "h6": 6 * 3600, "h24": 24 * 3600}
GECKO_NETWORKS = {"solana": "solana", "ethereum": "eth", "bsc": "bsc", "base": "base"}
_TIMEFRAME_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
SUPPLY = 1_000_000_000


def _fmt(value: float) -> str:
    """A decimal string as DexScreener and GeckoTerminal write prices."""
    return f"{value:.12g}"


def _covered(token: SimToken, now: float, seconds: float) -> float:
    """Hours of trading inside a window: a pool younger than the window fills only part of it."""
    return min(seconds, max(0.0, now - token.created_at)) / 3600.0


def profile_item(token: SimToken, boosted: bool = False) -> dict[str, Any]:
    """A token-profiles (or token-boosts) item."""
    lowered = token.address.lower()
    item: dict[str, Any] = {
        "url": f"https://dexscreener.com/{token.chain}/{lowered}",
        "chainId": token.chain,
        "tokenAddress": token.address,
        "icon": f"https://dd.dexscreener.com/ds-data/tokens/{token.chain}/{token.address}.png",
        "openGraph": f"https://cdn.dexscreener.com/token-images/og/{token.chain}/{token.address}",
        "links": token.links,
    }
    if token.description is not None:
        item["description"] = token.description
    if token.index % 3 == 0:
        item["header"] = f"https://dd.dexscreener.com/ds-data/tokens/{token.chain}/{token.address}/header.png"
    if boosted:
        amount = token.boost_amount or 10
        item.update(amount=amount, totalAmount=amount * (1 + token.index % 3))
    return item


def _windows(token: SimToken, now: float) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """txns, volume and priceChange by window; equal across windows the pool is too young for."""
    price_now = token.price_at(now)
    txns, volume, change = {}, {}, {}
    for window, seconds in _WINDOW_SECONDS.items():
        hours = _covered(token, now, seconds)
        txns[window] = {"buys": int(token.buys_per_hour * hours), "sells": int(token.sells_per_hour * hours)}
        volume[window] = round(token.volume_per_hour * hours, 2)
        start = max(token.created_at, now - seconds)
        change[window] = round((price_now / token.price_at(start) - 1) * 100, 2)
    return txns, volume, change


def _info(token: SimToken) -> dict[str, Any]:
    """The pair's `info`: image, websites with labels, socials with types."""
    websites = [{"label": "Website", "url": link["url"]} for link in token.links if link.get("type") is None]
    socials = [{"type": link["type"], "url": link["url"]} for link in token.links if link.get("type")]
    return {
        "imageUrl": f"https://dd.dexscreener.com/ds-data/tokens/{token.chain}/{token.address}.png",
        "websites": websites,
        "socials": socials,
    }


def pair_object(token: SimToken, now: float, second: bool = False) -> dict[str, Any]:
    """A DexScreener Pair for the token's main pool (or its thinner second pool)."""
    quote_address, quote_name, quote_symbol, quote_usd = QUOTES[token.chain]
    price = token.price_at(now)
    share = 0.08 if second else 1.0
    liquidity = token.liquidity_at(now) * share
    txns, volume, change = _windows(token, now)
    pair_address = (token.second_pair if second else None) or token.pair_address
    pair: dict[str, Any] = {
        "chainId": token.chain,
        "dexId": token.dex_id,
        "url": f"https://dexscreener.com/{token.chain}/{pair_address.lower()}",
        "pairAddress": pair_address,
        "baseToken": {"address": token.address, "name": token.name, "symbol": token.symbol},
        "quoteToken": {"address": quote_address, "name": quote_name, "symbol": quote_symbol},
        "priceNative": _fmt(price / quote_usd),
        "priceUsd": _fmt(price),
        "txns": txns,
        "volume": {w: round(v * share, 2) for w, v in volume.items()},
        "priceChange": change,
        "liquidity": {
            "usd": round(liquidity, 2),
            "base": round(liquidity / 2 / price),
            "quote": round(liquidity / 2 / quote_usd, 4),
        },
        "fdv": round(price * SUPPLY),
        "marketCap": round(price * SUPPLY),
        "pairCreatedAt": int(token.created_at * 1000),
        "info": _info(token),
    }  # fmt: skip
    for name in token.optional_missing:
        pair.pop(name, None)
    if "labels" not in token.optional_missing:
        pair["labels"] = ["v2"] if token.evm else ["CLMM"]
    if token.boost_amount:
        pair["boosts"] = {"active": 1 + token.index % 3}
    return pair


def pool_item(token: SimToken, now: float) -> dict[str, Any]:
    """A GeckoTerminal new_pools item (JSON:API), every number as a string; some pools list the token as quote."""
    network = GECKO_NETWORKS[token.chain]
    quote_address, _, quote_symbol, quote_usd = QUOTES[token.chain]
    sides = [f"{network}_{token.address}", f"{network}_{quote_address}"]
    symbols = [token.symbol, quote_symbol]
    if token.quote_side:
        sides.reverse()
        symbols.reverse()
    price = token.price_at(now)
    txns, volume, _ = _windows(token, now)
    changes = {}
    for window, seconds in _GT_WINDOWS.items():
        start = max(token.created_at, now - seconds)
        changes[window] = _fmt((price / token.price_at(start) - 1) * 100)
    created = datetime.fromtimestamp(token.created_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": f"{network}_{token.pair_address}",
        "type": "pool",
        "attributes": {
            "base_token_price_usd": _fmt(price), "base_token_price_native_currency": _fmt(price / quote_usd),
            "quote_token_price_usd": _fmt(quote_usd), "quote_token_price_native_currency": "1.0",
            "address": token.pair_address, "name": f"{symbols[0]} / {symbols[1]}",
            "pool_created_at": created, "fdv_usd": _fmt(price * SUPPLY), "market_cap_usd": None,
            "price_change_percentage": changes,
            "transactions": {
                w: {**txns[w], "buyers": txns[w]["buys"], "sellers": txns[w]["sells"]}
                for w in ("m5", "h1", "h24")
            },
            "volume_usd": {w: _fmt(volume[w]) for w in ("m5", "h1", "h6", "h24")},
            "reserve_in_usd": _fmt(token.liquidity_at(now)),
        },
        "relationships": {
            "base_token": {"data": {"id": sides[0], "type": "token"}},
            "quote_token": {"data": {"id": sides[1], "type": "token"}},
            "dex": {"data": {"id": token.dex_id, "type": "dex"}},
        },
    }  # fmt: skip


def included_token(token: SimToken) -> dict[str, Any]:
    """The sideloaded token of a pool (the simulated one, whichever side it is on)."""
    network = GECKO_NETWORKS[token.chain]
    return _token_document(network, token.address, token.name, token.symbol, 9 if token.chain == "solana" else 18)


def included_quote(token: SimToken) -> dict[str, Any]:
    """The sideloaded wrapped native token of a pool."""
    address, name, symbol, _ = QUOTES[token.chain]
    return _token_document(GECKO_NETWORKS[token.chain], address, name, symbol, 9 if token.chain == "solana" else 18)


def _token_document(network: str, address: str, name: str, symbol: str, decimals: int) -> dict[str, Any]:
    """A JSON:API token document."""
    attributes = {"address": address, "name": name, "symbol": symbol, "decimals": decimals, "image_url": None}
    return {"id": f"{network}_{address}", "type": "token", "attributes": attributes}


def candles(
    token: SimToken,
    now: float,
    timeframe: str,
    aggregate: int,
    limit: int,
    before: float | None,
    include_empty: bool = False,
) -> list[list[float]]:
    """OHLCV rows newest first, from pool creation on; quiet intervals are skipped unless asked for.

    As on GeckoTerminal, an empty interval is a flat candle at the previous close with no volume.
    """
    step = _TIMEFRAME_SECONDS[timeframe] * aggregate
    end = min(now, before) if before else now
    start_bucket, last_bucket = int(token.created_at // step), int(end // step)
    first = max(start_bucket, last_bucket - limit * 4)  # never walk further back than a full page could need
    rows: list[list[float]] = []
    previous_close: float | None = None
    for bucket in range(first, last_bucket + 1):
        if unit_noise(token.seed, token.index, step, bucket) > 0.08:
            row = _candle(token, bucket * step, step)
            previous_close = row[4]
            rows.append(row)
        elif include_empty and previous_close is not None:
            rows.append([int(bucket * step), previous_close, previous_close, previous_close, previous_close, 0.0])
    return rows[::-1][:limit]


def _candle(token: SimToken, ts: float, step: float) -> list[float]:
    """One [ts, open, high, low, close, volume] row."""
    opened = token.price_at(max(ts, token.created_at))
    closed = token.price_at(ts + step - 1)
    wiggle = 1 + 0.03 * unit_noise(token.index, ts, "w")
    volume = token.volume_per_hour * step / 3600 * (0.5 + unit_noise(token.index, ts, "v"))
    return [
        int(ts),
        opened,
        max(opened, closed) * wiggle,
        min(opened, closed) / wiggle,
        closed,
        round(volume, 6),
    ]
