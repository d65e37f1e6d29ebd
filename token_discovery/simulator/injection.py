"""Tokens put on the feeds by tests through POST /_sim/tokens."""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from token_discovery.simulator.generation import CHAIN_WEIGHTS, make_token
from token_discovery.simulator.pumpfun import launched
from token_discovery.simulator.token import SimToken, evm_address, solana_address
from token_discovery.simulator.universe import Universe

MAX_TEXT = 20_000
MAX_TOKENS_PER_CALL = 500
MAX_NUMBER = 1e12  # any figure a spec gives (NaN and infinities are not between 0 and this)
MAX_DEV_BUY_SOL = 85.0  # what buys a whole pump.fun curve
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,44}")
_INJECT_LOCK = threading.Lock()


class InjectionError(ValueError):
    """A token spec that cannot be honoured."""


def _number(spec: dict[str, Any], key: str, default: float) -> float:
    """A non-negative number field."""
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_NUMBER:
        raise InjectionError(f"{key} must be a number from 0 to {MAX_NUMBER:g}")
    return float(value)


def _text(spec: dict[str, Any], key: str, required: bool) -> str | None:
    """A string field of any content (hostile names are the point), bounded in size."""
    value = spec.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InjectionError(f"{key} must be a string of at most {MAX_TEXT} characters")
    return value


def _links(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Links exactly as given (they may be hostile), as long as they are objects."""
    links = spec.get("links", [])
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        raise InjectionError("links must be a list of objects")
    return links


def _security(spec: dict[str, Any]) -> dict[str, Any] | str | None:
    """A GoPlus field overlay, "unindexed", or nothing."""
    security = spec.get("security")
    if security is None or security == "unindexed" or isinstance(security, dict):
        return security
    raise InjectionError('security must be an object of GoPlus fields, "unindexed" or null')


def build_token(universe: Universe, spec: Any, index: int) -> SimToken:
    """A new token from a spec, listed now, created `age_minutes` ago."""
    if not isinstance(spec, dict):
        raise InjectionError("each token must be a JSON object")
    chain = spec.get("chain")
    if not isinstance(chain, str) or chain not in CHAIN_WEIGHTS:
        raise InjectionError(f"chain must be one of {', '.join(CHAIN_WEIGHTS)}")
    now = universe.now()
    base = make_token(universe.seed, index, now)
    rng = random.Random(f"injected:{universe.seed}:{index}")
    evm = chain != "solana"
    return dataclasses.replace(
        base,
        chain=chain,
        address=evm_address(rng) if evm else solana_address(rng, pump=True),
        pair_address=evm_address(rng) if evm else solana_address(rng),
        second_pair=None,
        dex_id="uniswap" if evm else "raydium",
        name=_text(spec, "name", required=True) or "",
        symbol=_text(spec, "symbol", required=True) or "",
        description=_text(spec, "description", required=False),
        links=_links(spec),
        kind="clean",
        created_at=now - _number(spec, "age_minutes", 5.0) * 60,
        listed_at=now,
        liquidity_usd=_number(spec, "liquidity_usd", 25_000.0),
        security=_security(spec),
        sell_tax=0.0,
        buy_tax=0.0,
    )


@dataclass(frozen=True)
class Launch:
    """A pump.fun token to announce on the stream: who created it and what they bought at once."""

    token: SimToken
    creator: str
    buy_sol: float


def _launch(universe: Universe, spec: dict[str, Any], token: SimToken, index: int) -> Launch:
    """A spec with "source": "pumpfun": a Solana token launched on its curve now, by its creator."""
    if token.chain != "solana":
        raise InjectionError('"source": "pumpfun" is for solana tokens only')
    creator = spec.get("creator")
    if creator is None:
        creator = solana_address(random.Random(f"creator:{universe.seed}:{index}"))
    elif not isinstance(creator, str) or not _BASE58.fullmatch(creator):
        raise InjectionError("creator must be a Solana address")
    buy = _number(spec, "dev_buy_sol", 0.0)
    if buy > MAX_DEV_BUY_SOL:
        raise InjectionError(f"dev_buy_sol must be at most {MAX_DEV_BUY_SOL:g} (the whole curve)")
    return Launch(launched(dataclasses.replace(token, created_at=universe.now()), buy), creator, buy)


def _source(spec: Any) -> str | None:
    """Where the token is heard of: the polled feeds (absent) or the pump.fun stream."""
    source = spec.get("source") if isinstance(spec, dict) else None
    if source is not None and source != "pumpfun":
        raise InjectionError('source must be "pumpfun" or absent')
    return source


def inject(universe: Universe, body: Any, announce: Callable[[Launch], None]) -> list[dict[str, str]]:
    """Validate every spec first, then put the tokens on the feeds, or launch them on the pump.fun stream
    (`announce` sends their creation); answer their identities."""
    if not isinstance(body, list) or not 1 <= len(body) <= MAX_TOKENS_PER_CALL:
        raise InjectionError(f"body must be a JSON array of 1 to {MAX_TOKENS_PER_CALL} tokens")
    with _INJECT_LOCK:
        first = universe.next_injected_index()
        made: list[SimToken | Launch] = []
        for offset, spec in enumerate(body):
            token = build_token(universe, spec, first + offset)
            made.append(_launch(universe, spec, token, first + offset) if _source(spec) else token)
        for item in made:
            if isinstance(item, Launch):
                universe.register(item.token)
            else:
                universe.inject(item)
    for item in made:
        if isinstance(item, Launch):
            announce(item)
    tokens = [item.token if isinstance(item, Launch) else item for item in made]
    return [{"chain": t.chain, "address": t.address} for t in tokens]
