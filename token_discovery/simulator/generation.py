"""How the simulated market makes token number N of a seed: chain, kind, names, taxes, links and rug schedule."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from token_discovery.simulator.token import SimToken, evm_address, solana_address

CHAIN_WEIGHTS = {"solana": 40, "ethereum": 20, "bsc": 20, "base": 20}

# Risk profile of a token; the simulated GoPlus answers follow from it.
KIND_WEIGHTS = {
    "clean": 30,
    "honeypot": 8,
    "high_tax": 12,
    "mintable": 8,
    "owner_privileged": 8,
    "concentrated": 8,
    "unlocked_liquidity": 8,
    "unindexed": 10,
    "closed_source": 4,
    "creator_serial": 4,
}

# Ground truth: the share of each kind whose liquidity is pulled some hours after launch. Clean tokens live.
RUG_SHARE = {
    "honeypot": 1.0, "high_tax": 0.8, "unlocked_liquidity": 0.9, "creator_serial": 0.9, "owner_privileged": 0.7,
    "concentrated": 0.6, "mintable": 0.5, "closed_source": 0.5, "unindexed": 0.4, "clean": 0.0,
}  # fmt: skip
RUG_HOURS = (0.5, 20.0)  # a rug comes this many hours after the pool opens

_ADJECTIVES = (
    "Moon", "Baby", "Based", "Turbo", "Giga", "Sad", "Happy", "Dark", "Golden", "Tiny",
    "Mega", "Wild", "Frosty", "Lucky", "Sleepy", "Cyber", "Royal", "Funky", "Silent", "Hyper",
)  # fmt: skip
_NOUNS = (
    "Pepe", "Doge", "Cat", "Frog", "Shiba", "Panda", "Otter", "Whale", "Rocket", "Goblin",
    "Wizard", "Banana", "Hamster", "Penguin", "Dragon", "Sloth", "Llama", "Bonk", "Koala", "Mochi",
)  # fmt: skip
_DEXES = {
    "solana": ("raydium", "pumpswap", "orca", "meteora"),
    "ethereum": ("uniswap",),
    "bsc": ("pancakeswap",),
    "base": ("uniswap", "aerodrome"),
}


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    """Pick a key with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _links(rng: random.Random, symbol: str, no_socials: bool) -> list[dict[str, Any]]:
    """DexScreener-style links: sometimes typed, sometimes labelled, sometimes bare."""
    if no_socials:
        return []
    handle = symbol.lower()
    links: list[dict[str, Any]] = [{"type": "twitter", "url": f"https://x.com/{handle}_coin"}]
    if rng.random() < 0.7:
        links.append({"type": "telegram", "url": f"https://t.me/{handle}portal"})
    website = f"https://{handle}.example.org"
    links.insert(0, {"label": "Website", "url": website} if rng.random() < 0.6 else {"url": website})
    return links


def _taxes(rng: random.Random, kind: str) -> tuple[float, float]:
    """(buy tax, sell tax) as fractions for a risk profile."""
    if kind == "high_tax":
        return round(rng.uniform(0.0, 0.1), 2), round(rng.uniform(0.10, 0.99), 2)
    if kind == "honeypot":
        return 0.0, 1.0
    return (0.0, 0.0) if rng.random() < 0.8 else (0.01, round(rng.uniform(0.01, 0.05), 2))


def _identity(rng: random.Random, chain: str) -> tuple[str, str, str | None]:
    """Token address, pair address and an optional second pair address."""
    if chain == "solana":
        address = solana_address(rng, pump=rng.random() < 0.5)
        pairs = solana_address(rng), solana_address(rng)
    else:
        address, pairs = evm_address(rng), (evm_address(rng), evm_address(rng))
    return address, pairs[0], pairs[1] if rng.random() < 0.25 else None


def _optional_missing(rng: random.Random) -> frozenset[str]:
    """Which optional Pair fields this token's answers leave out, as real captures do."""
    optional = {"fdv": 0.15, "marketCap": 0.3, "labels": 0.7, "info": 0.15, "liquidity": 0.03}
    return frozenset(name for name, share in optional.items() if rng.random() < share)


def make_token(seed: int, index: int, listed_at: float) -> SimToken:
    """Token number `index` of the universe with this seed; the same inputs give the same token."""
    rng = random.Random(f"{seed}:{index}")
    chain = _weighted(rng, CHAIN_WEIGHTS)
    kind = _weighted(rng, KIND_WEIGHTS)
    name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    symbol = "".join(word[: rng.randint(2, 4)] for word in name.split()).upper()
    address, pair_address, second_pair = _identity(rng, chain)
    late_listing = rng.random() < 0.2
    delay = rng.uniform(3, 60) * 3600 if late_listing else rng.uniform(30, 40 * 60)
    buy_tax, sell_tax = _taxes(rng, kind)
    liquidity = math.exp(rng.uniform(math.log(800), math.log(400_000)))
    token = SimToken(
        index=index,
        seed=seed,
        chain=chain,
        address=address,
        pair_address=pair_address,
        dex_id=rng.choice(_DEXES[chain]),
        name=name,
        symbol=symbol,
        description=None if rng.random() < 0.2 else f"{name} is the next {symbol} on {chain}.",
        links=_links(rng, symbol, no_socials=rng.random() < 0.15),
        kind=kind,
        created_at=listed_at - delay,
        listed_at=listed_at,
        has_profile=rng.random() < 0.75,
        boost_amount=rng.choice((10, 30, 50, 100, 500)) if rng.random() < 0.3 else None,
        price0=math.exp(rng.uniform(math.log(1e-7), math.log(0.5))),
        drift=rng.uniform(0.3, 0.9) if kind == "honeypot" else rng.uniform(-0.6, 0.5),
        liquidity_usd=liquidity * (0.05 if kind == "unlocked_liquidity" else 1.0),
        volume_per_hour=liquidity * rng.uniform(0.05, 3.0),
        buys_per_hour=rng.uniform(20, 900),
        sells_per_hour=rng.uniform(0, 3) if kind == "honeypot" else rng.uniform(10, 700),
        sell_tax=sell_tax,
        buy_tax=buy_tax,
        second_pair=second_pair,
        optional_missing=_optional_missing(rng),
        quote_side=rng.random() < 0.15,
    )
    visible = not (kind == "closed_source" and chain == "solana")  # Solana has no source check: that one is clean
    if rng.random() < RUG_SHARE.get(kind, 0.0) and visible:
        token.rug_at = token.created_at + rng.uniform(*RUG_HOURS) * 3600
    return token
