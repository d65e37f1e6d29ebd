"""GoPlus's Solana token_security entries, mapped onto the EVM flag names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from token_discovery.models import SECURITY_FLAGS, SecurityReport
from token_discovery.sources.chains import Chain
from token_discovery.sources.goplus_fields import dex_pools, holders, text_or_none
from token_discovery.sources.parsing import to_flag, to_float, to_fraction, to_int

# Solana status objects ({"status": "1", "authority": [...]}) mapped onto the EVM flag names.
STATUS_FLAGS = {
    "mintable": "is_mintable",
    "freezable": "freezable",
    "closable": "closable",
    "balance_mutable_authority": "owner_change_balance",
    "metadata_mutable": "metadata_mutable",
    "transfer_fee_upgradable": "slippage_modifiable",
}


def _status(raw: Any) -> bool | None:
    """The flag inside a Solana status object."""
    return to_flag(raw.get("status")) if isinstance(raw, Mapping) else None


def _solana_fee(raw: Any) -> float | None:
    """The current transfer fee as a fraction; the docs give both basis points and ratios."""
    if not isinstance(raw, Mapping):
        return None
    current = raw.get("current_fee_rate")
    if not raw or not isinstance(current, Mapping):
        return 0.0 if isinstance(raw, Mapping) and not raw else None
    rate = to_float(current.get("fee_rate"))
    if rate is None or rate < 0:
        return None
    return to_fraction(rate / 10_000 if rate > 1 else rate)


def _solana_flags(raw: Mapping[str, Any]) -> dict[str, bool | None]:
    """The EVM-named flags that a Solana entry answers; the rest stay unknown."""
    flags: dict[str, bool | None] = dict.fromkeys(SECURITY_FLAGS)
    for key, name in STATUS_FLAGS.items():
        flags[name] = _status(raw.get(key))
    flags["non_transferable"] = to_flag(raw.get("non_transferable", raw.get("none_transferable")))
    hook = raw.get("transfer_hook")
    flags["transfer_hook"] = bool(hook) if isinstance(hook, list) else None
    flags["trusted_token"] = to_flag(raw.get("trusted_token"))
    return flags


def parse_solana(chain: Chain, address: str, raw: Mapping[str, Any]) -> SecurityReport:
    """A report from a Solana token_security entry."""
    creators = raw.get("creators", raw.get("creator"))
    first = creators[0] if isinstance(creators, list) and creators else {}
    fee = _solana_fee(raw.get("transfer_fee"))
    return SecurityReport(
        chain=chain.slug,
        address=address,
        indexed=True,
        flags=_solana_flags(raw),
        buy_tax=fee,
        sell_tax=fee,
        transfer_tax=fee,
        holder_count=to_int(raw.get("holder_count")),
        holders=holders(raw.get("holders")),
        lp_holders=holders(raw.get("lp_holders")),
        creator_address=text_or_none(first.get("address")) if isinstance(first, Mapping) else None,
        creator_honeypots=_malicious_creators(creators),
        dex_pools=dex_pools(raw.get("dex")),
        raw=dict(raw),
    )


def _malicious_creators(creators: Any) -> int | None:
    """How many creators GoPlus flags as malicious; None when it does not say."""
    if not isinstance(creators, list):
        return None
    marks = [to_int(c.get("malicious_address")) for c in creators if isinstance(c, Mapping)]
    known = [mark for mark in marks if mark is not None]
    return sum(1 for mark in known if mark) if known else None
