"""Typed values that flow through a scan: candidates, market data, security reports, candles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")

WINDOWS = ("m5", "h1", "h6", "h24")

# GoPlus boolean checks, named as on the EVM endpoint; Solana answers are mapped onto them.
SECURITY_FLAGS = (
    "is_honeypot",
    "cannot_buy",
    "cannot_sell_all",
    "is_mintable",
    "owner_change_balance",
    "hidden_owner",
    "can_take_back_ownership",
    "is_proxy",
    "selfdestruct",
    "transfer_pausable",
    "is_blacklisted",
    "trading_cooldown",
    "slippage_modifiable",
    "personal_slippage_modifiable",
    "is_open_source",
    "external_call",
    "is_in_dex",
    "freezable",
    "closable",
    "metadata_mutable",
    "non_transferable",
    "transfer_hook",
    "trusted_token",
)


@dataclass(frozen=True)
class Link:
    """A link published for a token, with its kind (website, twitter, telegram, ...)."""

    kind: str
    url: str
    label: str | None = None


@dataclass(frozen=True)
class BondingCurve:
    """What a pump.fun creation (or a later migration) says of a token's launch: its creator, its curve, its pool.
    None is "not said"."""

    creator: str | None = None
    signature: str | None = None
    pool: str | None = None  # "pump" (the pump.fun curve), "bonk", ...; "pump-amm" once migrated
    market_cap_sol: float | None = None
    progress: float | None = None  # share of the curve's tokens sold, 0 to 1 (pump curves only)
    creator_buy_share: float | None = None  # share of the supply the creator bought in the creating transaction
    creator_buy_sol: float | None = None
    metadata_uri: str | None = None
    migrated: bool = False

    def to_json(self) -> dict[str, Any]:
        """The curve as stored in token_data["pumpfun"]."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Candidate:
    """A token seen on a discovery feed, before enrichment."""

    chain: str
    address: str
    source: str
    name: str | None = None
    symbol: str | None = None
    description: str | None = None
    links: tuple[Link, ...] = ()
    icon: str | None = None
    pool_address: str | None = None
    pool_created_at: datetime | None = None
    boost_amount: float | None = None
    pool_reserve_usd: float | None = None  # GeckoTerminal's reserve of the pool the token was found in
    pool_trades_h24: int | None = None
    pool_price_usd: float | None = None
    curve: BondingCurve | None = None  # seen on the pump.fun stream
    creator_launches: int | None = None  # tokens its creator launched on the stream in the last day, this one too

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the token: (chain, address)."""
        return (self.chain, self.address)


@dataclass(frozen=True)
class TxnCounts:
    """Buys and sells over one time window."""

    buys: int
    sells: int


@dataclass(frozen=True)
class MarketData:
    """DexScreener market data of a token's most liquid pair."""

    chain: str
    address: str
    pair_address: str
    dex_id: str | None
    name: str | None
    symbol: str | None
    quote_symbol: str | None
    price_usd: float | None
    price_native: float | None
    liquidity_usd: float | None
    fdv: float | None
    market_cap: float | None
    pair_created_at: datetime | None
    volume: Mapping[str, float] = field(default_factory=dict)
    txns: Mapping[str, TxnCounts] = field(default_factory=dict)
    price_change: Mapping[str, float] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    image_url: str | None = None
    boosts_active: int | None = None
    labels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the token: (chain, address)."""
        return (self.chain, self.address)


@dataclass(frozen=True)
class Holder:
    """One of the largest holders of a token or of its liquidity-pool token."""

    address: str
    percent: float | None
    is_locked: bool | None
    is_contract: bool | None
    tag: str = ""


@dataclass(frozen=True)
class DexPool:
    """A pool GoPlus lists for a token, with its liquidity in USD."""

    name: str | None
    pair: str | None
    liquidity_usd: float | None


@dataclass(frozen=True)
class SecurityReport:
    """GoPlus contract security of one token; every unknown answer is None, never False."""

    chain: str
    address: str
    indexed: bool
    flags: Mapping[str, bool | None] = field(default_factory=dict)
    buy_tax: float | None = None
    sell_tax: float | None = None
    transfer_tax: float | None = None
    holder_count: int | None = None
    holders: tuple[Holder, ...] = ()
    lp_holder_count: int | None = None
    lp_holders: tuple[Holder, ...] = ()
    owner_address: str | None = None
    owner_percent: float | None = None
    creator_address: str | None = None
    creator_percent: float | None = None
    creator_honeypots: int | None = None
    dex_pools: tuple[DexPool, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def flag(self, name: str) -> bool | None:
        """The value of one boolean check: True, False, or None when GoPlus did not say."""
        return self.flags.get(name)

    @classmethod
    def unindexed(cls, chain: str, address: str) -> SecurityReport:
        """The report for a token GoPlus has not indexed yet: everything unknown."""
        return cls(chain=chain, address=address, indexed=False, flags=dict.fromkeys(SECURITY_FLAGS))


@dataclass(frozen=True)
class Candle:
    """One OHLCV candle; `ts` is the interval start in unix seconds."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True)
class Batch(Generic[T]):
    """The items parsed from one upstream answer, and how many malformed items were skipped."""

    items: tuple[T, ...]
    skipped: int = 0


@dataclass(frozen=True)
class Discovered:
    """A token seen on one or more feeds in one scan: the merged candidate and every feed that saw it."""

    candidate: Candidate
    sources: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the token: (chain, address)."""
        return self.candidate.key


@dataclass(frozen=True)
class TokenRecord:
    """A stored token, as REST, Socket.IO and the stores all see it."""

    seq: int
    chain: str
    address: str
    data: Mapping[str, Any]
    risk_score: int
    risk_level: str
    scanned_at: datetime
    complete: bool = True

    @property
    def is_safe(self) -> bool:
        """True only for "safe"."""
        return self.risk_level == "safe"


@dataclass(frozen=True)
class StoredToken:
    """The outcome of an upsert: the record as stored, whether it is new, and its previous level."""

    record: TokenRecord
    created: bool
    previous: TokenRecord | None = None

    @property
    def previous_level(self) -> str | None:
        """The risk level before this upsert, None for a new token."""
        return None if self.previous is None else self.previous.risk_level
