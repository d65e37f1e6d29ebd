"""What changed between two analyses of one token, in words a trader reads (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LIQUIDITY_DROP = 0.5
HISTORY_LIMIT = 20


def _evidence(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The evidence stored in a token_data document."""
    return (data.get("analysis") or {}).get("evidence") or {}


def _change(field: str, old: Any, new: Any, label: str) -> dict[str, Any]:
    """One change entry."""
    return {"field": field, "old": old, "new": new, "label": label}


def _tax_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Buy and sell taxes that moved."""
    changes = []
    for side in ("sell_tax", "buy_tax"):
        before, after = old.get(side), new.get(side)
        if before is not None and after is not None and abs(after - before) >= 0.005:
            verb = "raised" if after > before else "lowered"
            changes.append(_change(side, before, after, f"{side.replace('_', ' ').capitalize()} {verb} "
                                                        f"from {before:.0%} to {after:.0%}"))  # fmt: skip
    return changes


def _flag_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Became a honeypot, or can no longer be sold."""
    changes = []
    for flag, label in (("is_honeypot", "Became a honeypot"), ("cannot_sell_all", "Can no longer be sold in full")):
        before, after = (old.get("flags") or {}).get(flag), (new.get("flags") or {}).get(flag)
        if after is True and before is not True:
            changes.append(_change(flag, before, after, label))
    return changes


def _liquidity_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Liquidity that fell by more than half."""
    before, after = old.get("liquidity_usd"), new.get("liquidity_usd")
    if not before or after is None or after >= before * LIQUIDITY_DROP:
        return []
    return [_change("liquidity_usd", before, after, f"Liquidity fell from ${before:,.0f} to ${after:,.0f}")]


def _graduation(old_data: Mapping[str, Any], new_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A token that left its bonding curve for a DEX pool (a pump.fun migration)."""
    before, after = old_data.get("launch") or {}, new_data.get("launch") or {}
    if not after.get("migrated") or before.get("migrated"):
        return []
    pool = after.get("pool")
    where = "a PumpSwap pool" if pool == "pump-amm" else f"a {pool} pool" if isinstance(pool, str) else "a DEX pool"
    return [_change("migrated", False, True, f"Graduated from its bonding curve to {where}")]


def describe_changes(
    old_data: Mapping[str, Any], new_data: Mapping[str, Any], old_level: str, new_level: str
) -> list[dict[str, Any]]:
    """The material changes between two analyses; empty when nothing a trader cares about moved."""
    old, new = _evidence(old_data), _evidence(new_data)
    changes = _tax_changes(old, new) + _flag_changes(old, new) + _liquidity_change(old, new)
    changes += _graduation(old_data, new_data)
    if old_level != new_level:
        changes.append(_change("risk_level", old_level, new_level, f"Verdict changed from {old_level} to {new_level}"))
    return changes


def with_history(
    previous: Mapping[str, Any], data: Mapping[str, Any], changes: list[dict[str, Any]], at: str
) -> dict[str, Any] | None:
    """`data` carrying the token's earlier changes plus these (the newest HISTORY_LIMIT); None when there are none."""
    kept = list(previous.get("history") or [])
    if changes:
        kept = [*kept, {"at": at, "changes": changes}][-HISTORY_LIMIT:]
    return {**data, "history": kept} if kept else None
