"""Fields GoPlus writes the same way on every route: holder lists, DEX pools, addresses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from token_discovery.models import DexPool, Holder
from token_discovery.sources.parsing import clean_text, to_flag, to_float, to_fraction


def holders(raw: Any) -> tuple[Holder, ...]:
    """Top holders; rows without an address are dropped."""
    if not isinstance(raw, list):
        return ()
    found = []
    for row in raw[:20]:
        if not isinstance(row, Mapping):
            continue
        # Solana rows name the owner `account` and its token account `token_account`: keep the owner,
        # so that one wallet spread over several token accounts is seen as one holder.
        address = row.get("address") or row.get("account") or row.get("token_account")
        if isinstance(address, str) and address:
            found.append(
                Holder(
                    address=address[:64],
                    percent=to_fraction(row.get("percent")),
                    is_locked=to_flag(row.get("is_locked")),
                    is_contract=to_flag(row.get("is_contract")),
                    tag=clean_text(row.get("tag"), 40) or "",
                )
            )
    return tuple(found)


def dex_pools(raw: Any) -> tuple[DexPool, ...]:
    """The pools GoPlus lists: EVM entries give `liquidity` and `pair`, Solana ones `tvl` and `id`."""
    if not isinstance(raw, list):
        return ()
    pools = []
    for row in raw[:20]:
        if not isinstance(row, Mapping):
            continue
        liquidity = to_float(row.get("liquidity", row.get("tvl")))
        pair = row.get("pair", row.get("id"))
        pools.append(
            DexPool(
                name=clean_text(row.get("name", row.get("dex_name")), 40),
                pair=pair[:64] if isinstance(pair, str) and pair else None,
                liquidity_usd=liquidity if liquidity is not None and liquidity >= 0 else None,
            )
        )
    return tuple(pools)


def text_or_none(value: Any) -> str | None:
    """An address-like string as GoPlus gave it ("" stays "": it means no owner)."""
    return value[:64] if isinstance(value, str) else None
