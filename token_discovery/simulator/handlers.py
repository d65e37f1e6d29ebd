"""The upstream routes of the simulator: each takes the request and answers as the real API does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from token_discovery.simulator.market import (
    GECKO_NETWORKS,
    candles,
    included_quote,
    included_token,
    pair_object,
    pool_item,
    profile_item,
)
from token_discovery.simulator.security import security_entry
from token_discovery.simulator.token import QUOTES, SimToken
from token_discovery.simulator.universe import Universe

FEED_SIZE = 30
POOLS_PER_PAGE = 20
MAX_POOL_PAGES = 10
NEW_POOL_SECONDS = 48 * 3600
MAX_GOPLUS_BATCH = 100  # simulator-chosen: the real unauthenticated maximum is not documented
GOPLUS_CHAINS = {"1": "ethereum", "56": "bsc", "8453": "base"}
_AGGREGATES = {"day": (1,), "hour": (1, 4, 12), "minute": (1, 5, 15)}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body, extra headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def _gt_error(status: int, title: str) -> Answer:
    """A GeckoTerminal JSON:API error document."""
    return Answer(status, {"errors": [{"status": str(status), "title": title}]})


def token_profiles(universe: Universe, args: Mapping[str, str]) -> Answer:
    """GET /token-profiles/latest/v1: the latest profiles, every chain mixed."""
    items = [t for t in universe.tokens() if t.has_profile or t.injected]
    return Answer(200, [profile_item(t) for t in items[:FEED_SIZE]])


def token_boosts(universe: Universe, args: Mapping[str, str]) -> Answer:
    """GET /token-boosts/latest/v1: the latest boosted tokens."""
    items = [t for t in universe.tokens() if t.boost_amount or t.injected]
    return Answer(200, [profile_item(t, boosted=True) for t in items[:FEED_SIZE]])


def dex_tokens(universe: Universe, args: Mapping[str, str], chain: str, addresses: str) -> Answer:
    """GET /tokens/v1/{chain}/{addresses}: a bare array of pairs; over 30 addresses is a 400."""
    wanted = [a for a in addresses.split(",") if a]
    if len(wanted) > FEED_SIZE:  # simulator-chosen answer; the real one is not documented
        return Answer(400, {"error": f"too many addresses: {len(wanted)} > {FEED_SIZE}"})
    now = universe.now()
    pairs = []
    for address in dict.fromkeys(wanted):
        token = universe.find(chain, address)
        if token is not None and token.created_at <= now:
            pairs.append(pair_object(token, now))
            if token.second_pair:
                pairs.append(pair_object(token, now, second=True))
    return Answer(200, pairs)


def _page(args: Mapping[str, str]) -> int | None:
    """The requested page (1..10), None when invalid."""
    raw = args.get("page", "1")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_POOL_PAGES else None


def new_pools(universe: Universe, args: Mapping[str, str], network: str | None = None) -> Answer:
    """GET /networks[/{network}]/new_pools: pools of the last 48 h, newest first, 20 a page."""
    if network is not None and network not in GECKO_NETWORKS.values():
        return _gt_error(404, "Not Found")
    page = _page(args)
    if page is None:
        return _gt_error(400, "page must be between 1 and 10 on the public API")
    now = universe.now()
    pools = [
        t for t in universe.tokens()
        if now - NEW_POOL_SECONDS < t.created_at <= now
        and (network is None or GECKO_NETWORKS[t.chain] == network)
    ]  # fmt: skip
    injected = [t for t in pools if t.injected]
    ordered = injected + sorted((t for t in pools if not t.injected), key=lambda t: -t.created_at)
    chosen = ordered[(page - 1) * POOLS_PER_PAGE : page * POOLS_PER_PAGE]
    body: dict[str, Any] = {"data": [pool_item(t, now) for t in chosen]}
    include = args.get("include", "").split(",")
    if "base_token" in include or "quote_token" in include:
        tokens = {doc["id"]: doc for t in chosen for doc in (included_token(t), included_quote(t))}
        body["included"] = list(tokens.values())
    return Answer(200, body)


def _int_arg(args: Mapping[str, str], name: str, default: int) -> int | None:
    """A non-negative integer query argument; None when malformed."""
    raw = args.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() else None


def ohlcv(universe: Universe, args: Mapping[str, str], network: str, pool: str, timeframe: str) -> Answer:
    """GET /networks/{network}/pools/{pool}/ohlcv/{timeframe}: candles, newest first."""
    aggregate, limit = _int_arg(args, "aggregate", 1), _int_arg(args, "limit", 100)
    before = _int_arg(args, "before_timestamp", 0)
    if timeframe not in _AGGREGATES or aggregate not in _AGGREGATES[timeframe]:
        return _gt_error(400, "unsupported timeframe or aggregate")
    if limit is None or not 1 <= limit <= 1000 or before is None:
        return _gt_error(400, "limit must be between 1 and 1000")
    token = universe.find_pool(pool)
    if token is None or GECKO_NETWORKS[token.chain] != network:
        return _gt_error(404, "Not Found")
    side = _priced_side(token, args.get("token", "base"))
    if side is None:
        return _gt_error(400, "token must be base, quote or the address of one of the pool's tokens")
    include_empty = args.get("include_empty_intervals", "false").lower() == "true"
    rows = candles(token, universe.now(), timeframe, aggregate, limit, before or None, include_empty)
    if side == "wrapped native":  # the pool's other side: its price in USD, flat, on the same intervals
        price = QUOTES[token.chain][3]
        rows = [[row[0], price, price, price, price, row[5]] for row in rows]
    return Answer(200, {
        "data": {"id": f"sim-{token.index}-{timeframe}", "type": "ohlcv_request_response",
                 "attributes": {"ohlcv_list": rows}},
        "meta": {"base": {"address": token.address, "name": token.name, "symbol": token.symbol},
                 "quote": {"address": "", "name": "US Dollar", "symbol": "USD"}},
    })  # fmt: skip


def _priced_side(token: SimToken, wanted: str) -> str | None:
    """Which token of the pool the candles price: "token" or "wrapped native"; None for a token not in it."""
    quote_address = QUOTES[token.chain][0]
    same = (lambda a, b: a.lower() == b.lower()) if token.evm else (lambda a, b: a == b)
    if wanted == "base":
        return "wrapped native" if token.quote_side else "token"
    if wanted == "quote":
        return "token" if token.quote_side else "wrapped native"
    if same(wanted, token.address):
        return "token"
    return "wrapped native" if same(wanted, quote_address) else None


def _goplus(code: int, message: str, result: Any) -> Answer:
    """The GoPlus envelope, always over HTTP 200."""
    return Answer(200, {"code": code, "message": message, "result": result})


def _security_result(universe: Universe, chain: str, addresses: list[str]) -> dict[str, Any]:
    """Entries keyed as GoPlus keys them; unknown or unindexed tokens are simply absent."""
    result = {}
    for address in addresses:
        token = universe.find(chain, address)
        entry = security_entry(token) if token is not None else None
        if token is not None and entry is not None:
            result[token.address.lower() if token.evm else token.address] = entry
    return result


def _addresses(args: Mapping[str, str]) -> list[str] | None:
    """The contract_addresses list, None when missing or over the batch limit."""
    wanted = [a.strip() for a in args.get("contract_addresses", "").split(",") if a.strip()]
    return wanted if 1 <= len(wanted) <= MAX_GOPLUS_BATCH else None


def goplus_evm(universe: Universe, args: Mapping[str, str], chain_id: str) -> Answer:
    """GET /api/v1/token_security/{chain_id}?contract_addresses=a,b,c."""
    chain = GOPLUS_CHAINS.get(chain_id)
    if chain is None:
        return _goplus(2018, "chain not supported", None)
    addresses = _addresses(args)
    if addresses is None:
        return _goplus(5006, "param error: contract_addresses", None)
    return _goplus(1, "OK", _security_result(universe, chain, addresses))


def goplus_solana(universe: Universe, args: Mapping[str, str]) -> Answer:
    """GET /api/v1/solana/token_security?contract_addresses=mint."""
    addresses = _addresses(args)
    if addresses is None:
        return _goplus(5006, "param error: contract_addresses", None)
    return _goplus(1, "ok", _security_result(universe, "solana", addresses))
