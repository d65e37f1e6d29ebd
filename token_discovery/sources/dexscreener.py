"""DexScreener: token profiles and boosts for discovery, tokens/v1 for market data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from token_discovery.models import WINDOWS, Batch, Candidate, MarketData, TxnCounts
from token_discovery.sources.base import BadPayload
from token_discovery.sources.chains import Chain, chain_by_slug, normalize_address, valid_address
from token_discovery.sources.feeds import Feed, parse_each
from token_discovery.sources.http import DIRECT, Gate, HttpLimits, get_json
from token_discovery.sources.parsing import (
    DESCRIPTION_MAX,
    NAME_MAX,
    SYMBOL_MAX,
    Malformed,
    clean_text,
    merge_links,
    ms_to_datetime,
    parse_links,
    require_mapping,
    require_str,
    safe_url,
    to_float,
    to_int,
)

PROFILES_ROUTE = "dexscreener.token_profiles"
BOOSTS_ROUTE = "dexscreener.token_boosts"
TOKENS_ROUTE = "dexscreener.tokens"
MAX_ADDRESSES = 30


def _token_identity(item: Mapping[str, Any], chain_key: str, address_key: str) -> tuple[Chain, str] | None:
    """The supported chain and canonical address of a feed item; None if the chain is unsupported."""
    chain = chain_by_slug(require_str(item, chain_key, 32).lower())
    if chain is None:
        return None
    address = require_str(item, address_key)
    if not valid_address(chain, address):
        raise Malformed(f"{address_key} is not a {chain.slug} address")
    return chain, normalize_address(chain, address)


def parse_profile(item: Any, source: str = PROFILES_ROUTE) -> Candidate | None:
    """A candidate from a token-profiles or token-boosts item."""
    item = require_mapping(item, "profile")
    identity = _token_identity(item, "chainId", "tokenAddress")
    if identity is None:
        return None
    chain, address = identity
    return Candidate(
        chain=chain.slug,
        address=address,
        source=source,
        description=clean_text(item.get("description"), DESCRIPTION_MAX, keep_newlines=True),
        links=parse_links(item.get("links")),
        icon=safe_url(item.get("icon")),
        boost_amount=to_float(item.get("totalAmount")),
    )


def parse_boost(item: Any) -> Candidate | None:
    """A candidate from a token-boosts item."""
    return parse_profile(item, source=BOOSTS_ROUTE)


def _windows(raw: Any) -> dict[str, float]:
    """A window -> number map (volume, priceChange), keeping only parseable numbers."""
    if not isinstance(raw, Mapping):
        return {}
    return {w: v for w in WINDOWS if (v := to_float(raw.get(w))) is not None}


def _txns(raw: Any) -> dict[str, TxnCounts]:
    """A window -> buys/sells map, keeping only complete entries."""
    if not isinstance(raw, Mapping):
        return {}
    counts = {}
    for window in WINDOWS:
        entry = raw.get(window)
        if isinstance(entry, Mapping):
            buys, sells = to_int(entry.get("buys")), to_int(entry.get("sells"))
            if buys is not None and sells is not None:
                counts[window] = TxnCounts(buys, sells)
    return counts


def parse_pair(item: Any) -> MarketData | None:
    """Market data from one Pair object; None for a chain we do not support."""
    item = require_mapping(item, "pair")
    base = require_mapping(item.get("baseToken"), "baseToken")
    identity = _token_identity({**base, "chainId": item.get("chainId")}, "chainId", "address")
    if identity is None:
        return None
    chain, address = identity
    info = item.get("info") if isinstance(item.get("info"), Mapping) else {}
    quote = item.get("quoteToken") if isinstance(item.get("quoteToken"), Mapping) else {}
    liquidity = item.get("liquidity") if isinstance(item.get("liquidity"), Mapping) else {}
    boosts = item.get("boosts") if isinstance(item.get("boosts"), Mapping) else {}
    labels = item.get("labels") if isinstance(item.get("labels"), list) else []
    return MarketData(
        chain=chain.slug,
        address=address,
        pair_address=require_str(item, "pairAddress"),
        dex_id=clean_text(item.get("dexId"), 32),
        name=clean_text(base.get("name"), NAME_MAX),
        symbol=clean_text(base.get("symbol"), SYMBOL_MAX),
        quote_symbol=clean_text(quote.get("symbol"), SYMBOL_MAX),
        price_usd=to_float(item.get("priceUsd")),
        price_native=to_float(item.get("priceNative")),
        liquidity_usd=to_float(liquidity.get("usd")),
        fdv=to_float(item.get("fdv")),
        market_cap=to_float(item.get("marketCap")),
        pair_created_at=ms_to_datetime(item.get("pairCreatedAt")),
        volume=_windows(item.get("volume")),
        txns=_txns(item.get("txns")),
        price_change=_windows(item.get("priceChange")),
        links=merge_links(parse_links(info.get("websites")), parse_links(info.get("socials"))),
        image_url=safe_url(info.get("imageUrl")),
        boosts_active=to_int(boosts.get("active")),
        labels=tuple(label for raw in labels if (label := clean_text(raw, 16))),
    )


def best_pair_per_token(pairs: Sequence[MarketData], wanted: set[str]) -> tuple[MarketData, ...]:
    """Keep, for each wanted token, the pair with the most liquidity."""
    best: dict[str, MarketData] = {}
    for pair in pairs:
        if pair.address not in wanted:
            continue
        current = best.get(pair.address)
        if current is None or (pair.liquidity_usd or 0.0) > (current.liquidity_usd or 0.0):
            best[pair.address] = pair
    return tuple(best.values())


class DexScreenerSource:
    """Client of the public DexScreener API over an injected requests.Session."""

    max_batch = MAX_ADDRESSES

    def __init__(self, session: requests.Session, base_url: str, limits: HttpLimits, gate: Gate = DIRECT) -> None:
        self._session, self._gate = session, gate
        self._base = base_url.rstrip("/")
        self._limits = limits

    def _get_list(self, path: str, route: str) -> list[Any]:
        """GET a path whose documented answer is a JSON array."""
        url = f"{self._base}{path}"
        body = self._gate.call(
            route, lambda: get_json(self._session, url, route, self._limits, observe=self._gate.observe).body
        )
        if not isinstance(body, list):
            raise BadPayload(route, f"expected a JSON array, got {type(body).__name__}")
        return body

    def latest_profiles(self) -> Batch[Candidate]:
        """The latest token profiles (one call)."""
        items = self._get_list("/token-profiles/latest/v1", PROFILES_ROUTE)
        return parse_each(PROFILES_ROUTE, items, parse_profile)

    def latest_boosts(self) -> Batch[Candidate]:
        """The latest boosted tokens (one call)."""
        items = self._get_list("/token-boosts/latest/v1", BOOSTS_ROUTE)
        return parse_each(BOOSTS_ROUTE, items, parse_boost)

    def feeds(self) -> tuple[Feed, ...]:
        """The two DexScreener discovery feeds."""
        return (Feed(PROFILES_ROUTE, self.latest_profiles), Feed(BOOSTS_ROUTE, self.latest_boosts))

    def tokens(self, chain: str, addresses: Sequence[str]) -> Batch[MarketData]:
        """Market data of up to 30 tokens of one chain, in one call; the best pair per token."""
        spec = chain_by_slug(chain)
        if spec is None:
            raise ValueError(f"unsupported chain {chain!r}")
        if not 1 <= len(addresses) <= MAX_ADDRESSES:
            raise ValueError(f"tokens/v1 takes 1 to {MAX_ADDRESSES} addresses, got {len(addresses)}")
        if not all(valid_address(spec, a) for a in addresses):
            raise ValueError(f"not every address is a {chain} address")
        joined = ",".join(addresses)
        items = self._get_list(f"/tokens/v1/{spec.slug}/{joined}", TOKENS_ROUTE)
        batch = parse_each(TOKENS_ROUTE, items, parse_pair)
        wanted = {normalize_address(spec, a) for a in addresses}
        on_chain = [pair for pair in batch.items if pair.chain == spec.slug]
        return Batch(best_pair_per_token(on_chain, wanted), batch.skipped)
