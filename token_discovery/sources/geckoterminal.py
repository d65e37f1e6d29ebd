"""GeckoTerminal: new pools on every network as a second discovery feed, and pool candles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from token_discovery.models import Batch, Candidate, Candle
from token_discovery.sources.base import BadPayload, RateLimited, RequestRejected, SourceUnavailable
from token_discovery.sources.chains import (
    chain_by_gecko_network,
    chain_by_slug,
    is_quote_asset,
    normalize_address,
    valid_address,
)
from token_discovery.sources.feeds import Feed, parse_each
from token_discovery.sources.http import DIRECT, Gate, HttpLimits, get_json
from token_discovery.sources.parsing import (
    NAME_MAX,
    SYMBOL_MAX,
    Malformed,
    clean_text,
    iso_to_datetime,
    require_mapping,
    require_str,
    safe_url,
    to_float,
    to_int,
)

NEW_POOLS_ROUTE = "geckoterminal.new_pools"
OHLCV_ROUTE = "geckoterminal.ohlcv"
TIMEFRAMES = ("day", "hour", "minute")
MAX_CANDLES = 1000


def check_status(route: str, body: Any) -> None:
    """Raise for an error carried in the body of an HTTP 200, as the free tier does for 429."""
    if not isinstance(body, Mapping):
        raise BadPayload(route, f"expected a JSON object, got {type(body).__name__}")
    status = body.get("status")
    if isinstance(status, Mapping) and status.get("error_code") is not None:
        code = to_int(status.get("error_code"))
        message = str(status.get("error_message") or "")[:120]
        if code == 429:
            raise RateLimited(route, None, f"error_code 429 in body: {message}")
        if code is not None and code >= 500:
            raise SourceUnavailable(route, f"error_code {code} in body")
        raise RequestRejected(route, f"error_code {code} in body: {message}")
    if "errors" in body and "data" not in body:
        raise RequestRejected(route, "error document in body")


def _split_token_id(token_id: str) -> tuple[str, str]:
    """Split a GeckoTerminal id such as polygon_pos_0xabc into (network, address)."""
    network, _, address = token_id.rpartition("_")
    if not network or not address:
        raise Malformed(f"token id {token_id!r} is not network_address")
    return network, address


def _included_tokens(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The attributes of the tokens sideloaded in `included`, by id."""
    included = body.get("included")
    if not isinstance(included, list):
        return {}
    return {
        item["id"]: item["attributes"]
        for item in included
        if isinstance(item, Mapping) and isinstance(item.get("id"), str) and isinstance(item.get("attributes"), Mapping)
    }


def _symbol_from_pool_name(pool_name: str | None, side: int) -> str | None:
    """The symbol of one side (0 base, 1 quote) from a pool name such as 'GOSLINGS / ETH 1%'."""
    if not pool_name or " / " not in pool_name:
        return None
    part = pool_name.split(" / ", 1)[side].strip()
    return clean_text(part.split(" ", 1)[0] if side else part, SYMBOL_MAX)


def _token_ref(relationships: Mapping[str, Any], side: str) -> str | None:
    """The token id a pool names for one side; None when the side is absent."""
    related = relationships.get(side)
    data = related.get("data") if isinstance(related, Mapping) else None
    token_id = data.get("id") if isinstance(data, Mapping) else None
    return token_id if isinstance(token_id, str) and token_id else None


def _pick_side(relationships: Mapping[str, Any]) -> tuple[str, int]:
    """The token a pool is about: the quote side when only the base is a known quote asset, else the base."""
    base_id = _token_ref(relationships, "base_token")
    if base_id is None:
        raise Malformed("pool has no base token")
    quote_id = _token_ref(relationships, "quote_token")
    if quote_id is None:
        return base_id, 0
    base_network, base_address = _split_token_id(base_id)
    quote_network, quote_address = _split_token_id(quote_id)
    chain = chain_by_gecko_network(base_network)
    if chain is None or quote_network != base_network:
        return base_id, 0
    base_known = is_quote_asset(chain.slug, normalize_address(chain, base_address))
    quote_known = is_quote_asset(chain.slug, normalize_address(chain, quote_address))
    return (quote_id, 1) if base_known and not quote_known else (base_id, 0)


def _trades_h24(attributes: Mapping[str, Any]) -> int | None:
    """Buys plus sells over 24 h, when the pool says."""
    transactions = attributes.get("transactions")
    day = transactions.get("h24") if isinstance(transactions, Mapping) else None
    if not isinstance(day, Mapping):
        return None
    buys, sells = to_int(day.get("buys")), to_int(day.get("sells"))
    return None if buys is None or sells is None else buys + sells


def _reserve(attributes: Mapping[str, Any]) -> float | None:
    """The pool's reserve in USD; negative or absent is unknown."""
    reserve = to_float(attributes.get("reserve_in_usd"))
    return reserve if reserve is not None and reserve >= 0 else None


def _positive(value: Any) -> float | None:
    """A price: a positive finite number ("NaN" and "0" are unknown)."""
    number = to_float(value)
    return number if number is not None and number > 0 else None


def parse_pool(item: Any, tokens: Mapping[str, Mapping[str, Any]]) -> Candidate | None:
    """A candidate from one new-pool item; None when its network is unsupported."""
    item = require_mapping(item, "pool")
    attributes = require_mapping(item.get("attributes"), "attributes")
    relationships = require_mapping(item.get("relationships"), "relationships")
    token_id, side = _pick_side(relationships)
    network, address = _split_token_id(token_id)
    chain = chain_by_gecko_network(network)
    if chain is None:
        return None
    if not valid_address(chain, address):
        raise Malformed(f"token address is not a {chain.slug} address")
    token = tokens.get(token_id, {})
    pool_name = clean_text(attributes.get("name"), NAME_MAX)
    return Candidate(
        chain=chain.slug,
        address=normalize_address(chain, address),
        source=NEW_POOLS_ROUTE,
        name=clean_text(token.get("name"), NAME_MAX),
        symbol=clean_text(token.get("symbol"), SYMBOL_MAX) or _symbol_from_pool_name(pool_name, side),
        icon=safe_url(token.get("image_url")),
        pool_address=require_str(attributes, "address"),
        pool_created_at=iso_to_datetime(attributes.get("pool_created_at")),
        pool_reserve_usd=_reserve(attributes),
        pool_trades_h24=_trades_h24(attributes),
        pool_price_usd=_positive(attributes.get("quote_token_price_usd" if side else "base_token_price_usd")),
    )


def parse_candle(item: Any) -> Candle | None:
    """One [ts, open, high, low, close, volume] row."""
    if not isinstance(item, list) or len(item) < 6:
        raise Malformed("candle is not a 6-item array")
    ts = to_int(item[0])
    values = [to_float(v) for v in item[1:6]]
    if ts is None or any(v is None or v < 0 for v in values):
        raise Malformed("candle holds a non-number")
    o, h, low, c, v = (float(x) for x in values if x is not None)
    return Candle(ts=ts, open=o, high=h, low=low, close=c, volume=v)


class GeckoTerminalSource:
    """Client of the public GeckoTerminal API over an injected requests.Session."""

    def __init__(self, session: requests.Session, base_url: str, limits: HttpLimits, gate: Gate = DIRECT) -> None:
        self._session, self._gate = session, gate
        self._base = base_url.rstrip("/")
        self._limits = limits

    def _get(self, path: str, route: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        """GET a JSON:API document and raise for errors reported in its body."""
        url = f"{self._base}{path}"

        def send() -> Mapping[str, Any]:
            body = get_json(self._session, url, route, self._limits, params=params, observe=self._gate.observe).body
            check_status(route, body)
            return body

        return self._gate.call(route, send)

    def new_pools(self, chain: str | None = None, page: int = 1) -> Batch[Candidate]:
        """Pools created in the last 48 h, newest first, on one chain or on every network."""
        path = "/networks/new_pools"
        if chain is not None:
            spec = chain_by_slug(chain)
            if spec is None:
                raise ValueError(f"unsupported chain {chain!r}")
            path = f"/networks/{spec.gecko_network}/new_pools"
        body = self._get(path, NEW_POOLS_ROUTE, {"page": str(page), "include": "base_token,quote_token"})
        data = body.get("data")
        if not isinstance(data, list):
            raise BadPayload(NEW_POOLS_ROUTE, "`data` is not an array")
        tokens = _included_tokens(body)
        return parse_each(NEW_POOLS_ROUTE, data, lambda item: parse_pool(item, tokens))

    def feed(self, chain: str | None = None) -> Feed:
        """The new-pools discovery feed for one chain, or for every network."""
        return Feed(NEW_POOLS_ROUTE, lambda: self.new_pools(chain))

    def ohlcv(
        self,
        chain: str,
        pool_address: str,
        timeframe: str = "hour",
        limit: int = 100,
        aggregate: int = 1,
        token: str | None = None,
    ) -> Batch[Candle]:
        """Candles of a pool in USD, oldest first; of `token` (an address) rather than the pool's base side."""
        spec = chain_by_slug(chain)
        if spec is None or timeframe not in TIMEFRAMES or not 1 <= limit <= MAX_CANDLES:
            raise ValueError(f"bad ohlcv request: {chain!r} {timeframe!r} limit={limit}")
        if not (pool_address.isascii() and pool_address.isalnum() and len(pool_address) <= 80):
            raise ValueError(f"bad pool address {pool_address!r}")
        path = f"/networks/{spec.gecko_network}/pools/{pool_address}/ohlcv/{timeframe}"
        # Empty intervals are included so that a quiet pool still has one candle per interval (at the last price).
        params = {
            "limit": str(limit), "currency": "usd", "aggregate": str(aggregate), "include_empty_intervals": "true"
        }  # fmt: skip
        if token is not None:  # GeckoTerminal prices the base side unless told: a token on the quote side needs it
            if not valid_address(spec, token):
                raise ValueError(f"bad token address {token!r}")
            params["token"] = token
        body = self._get(path, OHLCV_ROUTE, params)
        data = require_mapping_or_bad(body.get("data"), OHLCV_ROUTE)
        attributes = require_mapping_or_bad(data.get("attributes"), OHLCV_ROUTE)
        rows = attributes.get("ohlcv_list")
        if not isinstance(rows, list):
            raise BadPayload(OHLCV_ROUTE, "`ohlcv_list` is not an array")
        batch = parse_each(OHLCV_ROUTE, rows, parse_candle)
        return Batch(tuple(sorted(batch.items, key=lambda c: c.ts)), batch.skipped)


def require_mapping_or_bad(value: Any, route: str) -> Mapping[str, Any]:
    """A JSON object inside a document; BadPayload when the document's skeleton is wrong."""
    if not isinstance(value, Mapping):
        raise BadPayload(route, "document skeleton is not as documented")
    return value
