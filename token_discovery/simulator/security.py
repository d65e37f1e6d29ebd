"""Simulated GoPlus token_security entries, EVM and Solana, shaped like the real answers."""

from __future__ import annotations

import random
from typing import Any

from token_discovery.simulator.token import SimToken, evm_address, solana_address

ZERO = "0x0000000000000000000000000000000000000000"
DEAD = "0x000000000000000000000000000000000000dead"
_CLEAN_FLAGS = (
    "anti_whale_modifiable", "can_take_back_ownership", "cannot_buy", "cannot_sell_all",
    "external_call", "hidden_owner", "is_anti_whale", "is_blacklisted", "is_honeypot",
    "is_mintable", "is_proxy", "is_whitelisted", "owner_change_balance",
    "personal_slippage_modifiable", "selfdestruct", "slippage_modifiable", "trading_cooldown",
    "transfer_pausable",
)  # fmt: skip
_CLOSED_SOURCE_KEEPS = ("token_name", "token_symbol", "total_supply", "holder_count", "holders",
                        "is_open_source", "is_in_dex", "dex", "lp_holder_count", "lp_holders",
                        "creator_address", "creator_balance", "creator_percent")  # fmt: skip


def _percent(value: float) -> str:
    """GoPlus writes shares as long decimal strings (1 = 100%)."""
    return f"{value:.18f}".rstrip("0").rstrip(".") or "0"


def _holder_shares(rng: random.Random, kind: str) -> list[float]:
    """Top-10 holder shares; concentrated tokens have whales."""
    if kind == "concentrated":
        head = [rng.uniform(0.35, 0.6), rng.uniform(0.1, 0.2)]
    else:
        head = [rng.uniform(0.02, 0.06), rng.uniform(0.01, 0.04)]
    return head + sorted((rng.uniform(0.002, 0.02) for _ in range(8)), reverse=True)


def _evm_holders(rng: random.Random, token: SimToken) -> list[dict[str, Any]]:
    """Holders as GoPlus lists them: the pool first, then wallets; ints for the 0/1 fields."""
    pool_share = rng.uniform(0.1, 0.3)
    rows = [
        {
            "address": token.pair_address,
            "tag": "UniswapV2",
            "is_contract": 1,
            "balance": f"{pool_share * 1e9:.6f}",
            "percent": _percent(pool_share),
            "is_locked": 0,
        }
    ]
    for share in _holder_shares(rng, token.kind)[:9]:
        rows.append(
            {
                "address": evm_address(rng),
                "tag": "",
                "is_contract": 0,
                "balance": f"{share * 1e9:.6f}",
                "percent": _percent(share),
                "is_locked": 0,
            }
        )
    return rows


def _lp_holders(rng: random.Random, token: SimToken) -> list[dict[str, Any]]:
    """LP holders: burned or locked for most tokens, a plain wallet for unlocked liquidity."""
    if token.kind == "unlocked_liquidity":
        owner_share = rng.uniform(0.9, 0.99)
        return [
            {
                "address": evm_address(rng),
                "tag": "",
                "value": None,
                "is_contract": 0,
                "balance": "1.0",
                "percent": _percent(owner_share),
                "NFT_list": None,
                "is_locked": 0,
            }
        ]
    return [
        {
            "address": DEAD,
            "tag": "",
            "value": None,
            "is_contract": 0,
            "balance": "0.92",
            "percent": "0.999999999999998915",
            "NFT_list": None,
            "is_locked": 1,
        },
        {
            "address": ZERO,
            "tag": "Null Address",
            "value": None,
            "is_contract": 0,
            "balance": "0.000000000000001",
            "percent": "0.000000000000001084",
            "NFT_list": None,
            "is_locked": 1,
        },
    ]


def _tax(rng: random.Random, value: float) -> str:
    """A tax as GoPlus writes it; now and then the blank string real replies carry."""
    return "" if rng.random() < 0.05 else _percent(value)


def _apply_kind(entry: dict[str, Any], rng: random.Random, token: SimToken) -> None:
    """Turn the clean baseline into the token's risk profile."""
    kind = token.kind
    if kind == "honeypot":
        entry.update(is_honeypot="1", cannot_sell_all="1", sell_tax="1")
    elif kind == "high_tax":
        entry["slippage_modifiable"] = "1" if rng.random() < 0.5 else "0"
    elif kind == "mintable":
        entry.update(is_mintable="1", owner_address=evm_address(rng), owner_percent="0.05")
    elif kind == "owner_privileged":
        for flag in rng.sample(
            [
                "owner_change_balance",
                "hidden_owner",
                "can_take_back_ownership",
                "transfer_pausable",
                "is_blacklisted",
            ],
            k=2,
        ):
            entry[flag] = "1"
        entry.update(owner_address=evm_address(rng), owner_percent="0.12")
    elif kind == "creator_serial":
        entry["honeypot_with_same_creator"] = str(rng.randint(2, 9))


def evm_entry(token: SimToken) -> dict[str, Any]:
    """The token_security entry of an EVM token."""
    rng = random.Random(f"goplus:{token.seed}:{token.index}")
    entry: dict[str, Any] = dict.fromkeys(_CLEAN_FLAGS, "0")
    entry.update(
        token_name=token.name, token_symbol=token.symbol, total_supply="1000000000",
        holder_count=str(rng.randint(15, 5000)), holders=_evm_holders(rng, token),
        is_open_source="1", is_in_dex="1", lp_holders=_lp_holders(rng, token),
        dex=[{"liquidity_type": "UniV2", "name": token.dex_id, "liquidity": f"{token.liquidity_usd:.8f}",
              "pair": token.pair_address}],
        owner_address=ZERO, owner_balance="0", owner_percent="0",
        creator_address=evm_address(rng), creator_balance="0", creator_percent="0.000000",
        honeypot_with_same_creator="0", buy_tax=_tax(rng, token.buy_tax), sell_tax=_tax(rng, token.sell_tax),
    )  # fmt: skip
    entry["lp_holder_count"] = str(len(entry["lp_holders"]))
    entry["lp_total_supply"] = "0.921954445729288731"
    if rng.random() < 0.1:
        del entry["is_proxy"]
    _apply_kind(entry, rng, token)
    if token.kind == "closed_source":
        entry = {key: entry[key] for key in _CLOSED_SOURCE_KEEPS}
        entry["is_open_source"] = "0"
    return entry


def _status(on: bool, rng: random.Random) -> dict[str, Any]:
    """A Solana capability object: status "1" when the capability exists."""
    authority = [{"address": solana_address(rng), "malicious_address": 0}] if on else []
    return {"status": "1" if on else "0", "authority": authority}


def _solana_holders(rng: random.Random, token: SimToken, lp: bool) -> list[dict[str, Any]]:
    """Holder rows as the Solana endpoint writes them (token_account, percent as string)."""
    if lp:
        locked = 0 if token.kind == "unlocked_liquidity" else 1
        return [
            {
                "token_account": solana_address(rng),
                "tag": "",
                "balance": "1773.69",
                "percent": "0.97" if locked == 0 else "1.0",
                "is_locked": locked,
            }
        ]
    return [
        {
            "token_account": solana_address(rng),
            "tag": "",
            "balance": f"{s * 1e9:.2f}",
            "percent": _percent(s),
            "is_locked": 0,
        }
        for s in _holder_shares(rng, token.kind)
    ]


def solana_entry(token: SimToken) -> dict[str, Any]:
    """The solana/token_security entry of a Solana token."""
    rng = random.Random(f"goplus-sol:{token.seed}:{token.index}")
    kind = token.kind
    fee = {} if kind != "high_tax" else {
        "current_fee_rate": {"fee_rate": str(int(token.sell_tax * 10_000)), "maximum_fee": "1000000000"},
        "scheduled_fee_rate": [],
    }  # fmt: skip
    return {
        "metadata": {"name": token.name, "symbol": token.symbol, "description": token.description or "",
                     "uri": f"https://arweave.net/{token.address[:16]}"},
        "total_supply": "1000000000", "holder_count": str(rng.randint(15, 5000)),
        "creators": [{"address": solana_address(rng), "malicious_address": int(kind == "creator_serial")}],
        "mintable": _status(kind == "mintable", rng),
        "freezable": _status(kind == "honeypot", rng),
        "closable": _status(kind == "owner_privileged", rng),
        "balance_mutable_authority": _status(kind == "owner_privileged", rng),
        "metadata_mutable": {"status": "1" if rng.random() < 0.5 else "0", "metadata_upgrade_authority": []},
        "default_account_state": "2" if kind == "honeypot" else "1",
        "default_account_state_upgradable": _status(False, rng),
        "non_transferable": "0", "transfer_fee": fee,
        "transfer_fee_upgradable": _status(kind == "high_tax", rng),
        "transfer_hook": [], "transfer_hook_upgradable": _status(False, rng),
        "holders": _solana_holders(rng, token, lp=False), "lp_holders": _solana_holders(rng, token, lp=True),
        "dex": [{"dex_name": token.dex_id, "type": "Standard", "id": token.pair_address,
                 "tvl": f"{token.liquidity_usd:.8f}", "open_time": str(int(token.created_at))}],
    }  # fmt: skip


def security_entry(token: SimToken) -> dict[str, Any] | None:
    """The GoPlus entry of a token, None when GoPlus has not indexed it."""
    if token.security == "unindexed" or (token.security is None and token.kind == "unindexed"):
        return None
    entry = evm_entry(token) if token.evm else solana_entry(token)
    if isinstance(token.security, dict):
        entry.update(token.security)
    return entry
