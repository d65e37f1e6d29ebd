"""A simulated token and its main pool: identity, kind, prices over time, and its rug (ground truth)."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any

QUOTES = {
    "solana": ("So11111111111111111111111111111111111111112", "Wrapped SOL", "SOL", 140.0),
    "ethereum": ("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "Wrapped Ether", "WETH", 3000.0),
    "bsc": ("0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c", "Wrapped BNB", "WBNB", 600.0),
    "base": ("0x4200000000000000000000000000000000000006", "Wrapped Ether", "WETH", 3000.0),
}
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RUG_LIQUIDITY_LEFT, RUG_PRICE_LEFT = 0.01, 0.03
INJECTED_BASE = 1_000_000


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
