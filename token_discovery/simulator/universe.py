"""The simulated market: a seeded, deterministic stream of tokens that appear as time passes."""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
RUG_LIQUIDITY_LEFT, RUG_PRICE_LEFT = 0.01, 0.03

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
QUOTES = {
    "solana": ("So11111111111111111111111111111111111111112", "Wrapped SOL", "SOL", 140.0),
    "ethereum": ("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "Wrapped Ether", "WETH", 3000.0),
    "bsc": ("0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c", "Wrapped BNB", "WBNB", 600.0),
    "base": ("0x4200000000000000000000000000000000000006", "Wrapped Ether", "WETH", 3000.0),
}
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
INITIAL_TOKENS = 150
INITIAL_SPAN = 72 * 3600.0
INJECTED_BASE = 1_000_000


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    """Pick a key with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def evm_address(rng: random.Random) -> str:
    """A random lowercase EVM address."""
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def solana_address(rng: random.Random, pump: bool = False) -> str:
    """A random base58 Solana address, pump.fun style when asked."""
    body = "".join(rng.choice(_B58) for _ in range(44))
    return body[:40] + "pump" if pump else body


def unit_noise(*parts: object) -> float:
    """A deterministic pseudo-random number in [0, 1) from the given parts."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class SimToken:
    """One simulated token and its main pool."""

    index: int
    seed: int
    chain: str
    address: str
    pair_address: str
    dex_id: str
    name: str
    symbol: str
    description: str | None
    links: list[dict[str, Any]]
    kind: str
    created_at: float
    listed_at: float
    has_profile: bool
    boost_amount: int | None
    price0: float
    drift: float
    liquidity_usd: float
    volume_per_hour: float
    buys_per_hour: float
    sells_per_hour: float
    sell_tax: float
    buy_tax: float
    security: dict[str, Any] | str | None = None
    second_pair: str | None = None
    quote_side: bool = False  # GeckoTerminal lists the pool the other way round: wrapped native / token
    rug_at: float | None = None  # when its liquidity is pulled (ground truth for grading verdicts)
    optional_missing: frozenset[str] = field(default_factory=frozenset)

    @property
    def injected(self) -> bool:
        """Whether the token was put on the feeds through /_sim/tokens."""
        return self.index >= INJECTED_BASE

    @property
    def evm(self) -> bool:
        """Whether the token lives on an EVM chain."""
        return self.chain != "solana"

    def rugged(self, when: float) -> bool:
        """Whether the liquidity has been pulled by this moment."""
        return self.rug_at is not None and when >= self.rug_at

    def liquidity_at(self, when: float) -> float:
        """The main pool's liquidity in USD at a moment: almost nothing once rugged."""
        return self.liquidity_usd * (RUG_LIQUIDITY_LEFT if self.rugged(when) else 1.0)

    def price_at(self, when: float) -> float:
        """The USD price at a moment; a smooth walk with hashed noise, never below zero; it collapses in a rug."""
        hours = max(0.0, when - self.created_at) / 3600.0
        wave = 0.25 * math.sin(hours / 3.0 + self.index) + 0.1 * math.sin(hours * 2.1 + self.seed % 7)
        jitter = 0.04 * (unit_noise(self.seed, self.index, int(when // 60)) - 0.5)
        collapse = RUG_PRICE_LEFT if self.rugged(when) else 1.0
        return self.price0 * collapse * math.exp(self.drift * math.log1p(hours) + wave + jitter)


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


class Universe:
    """Every token that has appeared by now: a seeded past plus one new token per spawn period."""

    def __init__(
        self,
        seed: int,
        clock: Callable[[], float],
        spawn_seconds: float = 15.0,
    ) -> None:
        self.seed = seed
        self._clock = clock
        self._spawn = spawn_seconds
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: the initial tokens, nothing injected, time restarts now."""
        with self._lock:
            self.started_at = self._clock()
            self._tokens: list[SimToken] = []
            self._injected: list[SimToken] = []
            self._by_address: dict[tuple[str, str], SimToken] = {}

    def now(self) -> float:
        """The current simulated wall-clock time, in unix seconds."""
        return self._clock()

    def _listed_at(self, index: int) -> float:
        """When token number `index` gets listed (its profile or first pool is published)."""
        if index < INITIAL_TOKENS:
            return self.started_at - INITIAL_SPAN * (INITIAL_TOKENS - index) / INITIAL_TOKENS
        return self.started_at + (index - INITIAL_TOKENS + 1) * self._spawn

    def _visible_count(self) -> int:
        """How many generated tokens are listed by now."""
        elapsed = self._clock() - self.started_at
        return INITIAL_TOKENS + max(0, int(elapsed // self._spawn))

    def _grow(self) -> None:
        """Generate the tokens that have appeared since the last look (call under the lock)."""
        for index in range(len(self._tokens), self._visible_count()):
            token = make_token(self.seed, index, self._listed_at(index))
            self._tokens.append(token)
            self._by_address[(token.chain, token.address)] = token

    def tokens(self) -> list[SimToken]:
        """Every visible token, injected ones first, then newest listing first."""
        with self._lock:
            self._grow()
            generated = sorted(self._tokens, key=lambda t: t.listed_at, reverse=True)
            return [*reversed(self._injected), *generated]

    def find(self, chain: str, address: str) -> SimToken | None:
        """The visible token with this address (EVM addresses compare case-insensitively)."""
        key = (chain, address.lower() if chain != "solana" else address)
        with self._lock:
            self._grow()
            return self._by_address.get(key)

    def find_pool(self, pool_address: str) -> SimToken | None:
        """The visible token one of whose pools has this address."""
        wanted = pool_address.lower()
        return next(
            (t for t in self.tokens() if wanted in {t.pair_address.lower(), (t.second_pair or "").lower()}),
            None,
        )

    def inject(self, token: SimToken) -> None:
        """Put a token at the head of every discovery feed."""
        with self._lock:
            self._injected.append(token)
            self._by_address[(token.chain, token.address)] = token

    def next_injected_index(self) -> int:
        """A fresh index for an injected token, outside the generated range."""
        with self._lock:
            return INJECTED_BASE + len(self._injected)
