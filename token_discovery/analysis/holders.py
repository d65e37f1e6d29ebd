"""Who holds a token: plain wallets apart from burn addresses, lockers and pools (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from token_discovery.models import Holder

# Addresses nobody can spend from: tokens sent there are burned, not held.
BURN_ADDRESSES = frozenset({
    "0x0000000000000000000000000000000000000000",
    "0x0000000000000000000000000000000000000001",
    "0x000000000000000000000000000000000000dead",
    "0xdead000000000000000042069420694206942069",
    "1nc1nerator11111111111111111111111111111111",  # the Solana incinerator
    "11111111111111111111111111111111",  # the Solana system program
})  # fmt: skip
# Programs that own the vaults of many pools at once: a Solana holder keyed by owner is this authority, not the
# pool, so the pool's own address does not match it.
POOL_AUTHORITIES = frozenset({
    "5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1",  # Raydium AMM v4 authority
    "GpMZbSM2GgvTKHJirzeGfMFoaZ8UR2X7F4v8vHTvxFbL",  # Raydium CPMM authority
})  # fmt: skip
# Words GoPlus puts in the tag of a locker or of a pool; a tagged holder is never a plain wallet either.
LOCKER_WORDS = ("lock", "unicrypt", "pinksale", "team finance", "teamfinance", "sablier", "vesting", "streamflow")
POOL_WORDS = ("uniswap", "pancake", "sushi", "raydium", "orca", "meteora", "pump", "aerodrome", "curve", "pool")


def is_burn(address: str) -> bool:
    """Whether an address is a burn, zero or dead address."""
    return address in BURN_ADDRESSES or address.lower() in BURN_ADDRESSES


def _tagged_as(holder: Holder, words: Iterable[str]) -> bool:
    """Whether the holder's tag names one of the words."""
    tag = holder.tag.lower()
    return bool(tag) and any(word in tag for word in words)


def is_locked_or_pool(holder: Holder, pools: frozenset[str]) -> bool:
    """Whether a holder is a locker, a pool or a contract rather than someone who can sell."""
    if holder.is_locked or holder.is_contract or holder.address.lower() in pools:
        return True
    if holder.address in POOL_AUTHORITIES:
        return True
    if holder.is_contract is None and holder.tag:
        return True
    return _tagged_as(holder, LOCKER_WORDS) or _tagged_as(holder, POOL_WORDS)


@dataclass(frozen=True)
class Holdings:
    """The supply split: the largest plain wallet (per owner), and the shares burned and locked."""

    top_address: str | None
    top_percent: float | None
    burned_percent: float | None
    locked_percent: float | None


def _share(holders: Iterable[Holder]) -> float | None:
    """The summed share of some holders, None when there are none."""
    shares = [h.percent for h in holders if h.percent is not None]
    return round(min(1.0, sum(shares)), 6) if shares else None


def holdings(holders: Iterable[Holder], pools: Iterable[str]) -> Holdings:
    """Split the top holders; a wallet listed several times (Solana token accounts) is summed per owner."""
    pool_set = frozenset(p.lower() for p in pools if p)
    listed = [h for h in holders if h.percent is not None]
    burned = [h for h in listed if is_burn(h.address)]
    locked = [h for h in listed if not is_burn(h.address) and is_locked_or_pool(h, pool_set) and h.is_locked]
    per_owner: dict[str, float] = {}
    spelled: dict[str, str] = {}
    for holder in listed:
        if is_burn(holder.address) or is_locked_or_pool(holder, pool_set):
            continue
        key = holder.address.lower() if holder.address.startswith("0x") else holder.address
        per_owner[key] = per_owner.get(key, 0.0) + (holder.percent or 0.0)
        spelled.setdefault(key, holder.address)
    top = max(per_owner, key=lambda key: per_owner[key], default=None)
    top_percent = None if top is None else round(min(1.0, per_owner[top]), 6)
    return Holdings(spelled.get(top) if top else None, top_percent, _share(burned), _share(locked))


def locked_lp_share(lp_holders: Iterable[Holder]) -> float | None:
    """Share of the LP tokens locked or burned, when GoPlus says for at least one holder."""
    known = [h for h in lp_holders if h.percent is not None and (h.is_locked is not None or is_burn(h.address))]
    if not known:
        return None
    return round(min(1.0, sum(h.percent or 0.0 for h in known if h.is_locked or is_burn(h.address))), 6)
