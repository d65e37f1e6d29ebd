"""PumpPortal's data stream (wss://pumpportal.fun/api/data): what to send to subscribe, and each message it sends
read into a creation, a migration or a notice. Anything else raises Malformed: the stream counts it and goes on.

The shapes are those of recorded sessions (tests/fixtures/real/pumpportal): a pump.fun creation carries the
curve's virtual reserves, a "bonk" one its pool's; older messages lack `pool` and `solAmount`; some lack the
name, the symbol and the URI; a migration has four keys. No message carries a time: a creation is dated when
it arrives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from token_discovery.models import BondingCurve, Candidate
from token_discovery.sources.chains import CHAINS, SOLANA, is_quote_asset, valid_address
from token_discovery.sources.parsing import NAME_MAX, SYMBOL_MAX, Malformed, clean_text, safe_url, to_float

ROUTE = "pumpportal.stream"
SUBSCRIPTIONS = ({"method": "subscribeNewToken"}, {"method": "subscribeMigration"})
MESSAGE_MAX_BYTES = 16_384  # the largest recorded message is under 1 KB
CURVE_VIRTUAL_TOKENS = 1_073_000_000  # a fresh pump.fun curve's virtual token reserves
CURVE_SALE_TOKENS = 793_100_000  # the tokens the curve sells before the token graduates to a DEX
TOTAL_SUPPLY = 1_000_000_000
NOTICE_MAX = 300
_SIGNATURE = re.compile(r"[1-9A-HJ-NP-Za-km-z]{64,90}")
_POOL = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class Creation:
    """A token created on pump.fun (or another launchpad PumpPortal follows)."""

    candidate: Candidate
    signature: str


@dataclass(frozen=True)
class Migration:
    """A token that left its bonding curve for a DEX pool."""

    address: str
    signature: str
    pool: str | None


@dataclass(frozen=True)
class Notice:
    """A message from PumpPortal itself: a subscription's acknowledgement, or an error (`errors`)."""

    text: str
    error: bool


Message = Creation | Migration | Notice


def read_message(raw: str | bytes) -> Message:
    """One stream message read; Malformed when it is none of the known kinds or its values cannot be trusted."""
    if len(raw) > MESSAGE_MAX_BYTES:
        raise Malformed(f"message of {len(raw)} bytes")
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError):
        raise Malformed("message is not JSON") from None
    if not isinstance(item, Mapping):
        raise Malformed("message is not a JSON object")
    kind = item.get("txType")
    if kind == "create":
        return _creation(item)
    if kind == "migrate":
        return Migration(_address(item, "mint"), _signature(item), _pool(item))
    if kind is None and ("message" in item or "errors" in item):
        return _notice(item)
    raise Malformed(f"unknown message kind {str(kind)[:20]!r}")


def _creation(item: Mapping[str, Any]) -> Creation:
    """A create message: the token as a candidate, its curve as evidence."""
    address, signature = _address(item, "mint"), _signature(item)
    if is_quote_asset(SOLANA, address):  # recorded: creates naming the USDC mint, which nobody can create
        raise Malformed("a creation of a known quote asset")
    candidate = Candidate(chain=SOLANA, address=address, source=ROUTE, name=clean_text(item.get("name"), NAME_MAX),
                          symbol=clean_text(item.get("symbol"), SYMBOL_MAX), curve=_curve(item, signature))  # fmt: skip
    return Creation(candidate, signature)


def _curve(item: Mapping[str, Any], signature: str) -> BondingCurve:
    """The launch as evidence: creator, market cap in SOL, how far along its curve, what the creator bought."""
    creator = item.get("traderPublicKey")
    creator = creator if isinstance(creator, str) and valid_address(CHAINS[SOLANA], creator) else None
    bought = _amount(item.get("initialBuy"))
    virtual_tokens = _amount(item.get("vTokensInBondingCurve"))
    progress = None
    if virtual_tokens is not None and virtual_tokens <= CURVE_VIRTUAL_TOKENS:
        progress = round(min(1.0, (CURVE_VIRTUAL_TOKENS - virtual_tokens) / CURVE_SALE_TOKENS), 4)
    return BondingCurve(
        creator=creator,
        signature=signature,
        pool=_pool(item),
        market_cap_sol=_amount(item.get("marketCapSol")),
        progress=progress,
        creator_buy_share=None if bought is None else round(min(1.0, bought / TOTAL_SUPPLY), 4),
        creator_buy_sol=_amount(item.get("solAmount")),
        metadata_uri=safe_url(item.get("uri")),
    )


def _address(item: Mapping[str, Any], key: str) -> str:
    """A Solana address field, required."""
    value = item.get(key)
    if not isinstance(value, str) or not valid_address(CHAINS[SOLANA], value):
        raise Malformed(f"{key} is not a Solana address")
    return value


def _signature(item: Mapping[str, Any]) -> str:
    """The transaction's signature (64 bytes in base58: up to 88 characters), required: it names the event."""
    value = item.get("signature")
    if not isinstance(value, str) or not _SIGNATURE.fullmatch(value):
        raise Malformed("signature is missing or not base58")
    return value


def _pool(item: Mapping[str, Any]) -> str | None:
    """The pool or launchpad name ("pump", "bonk", "pump-amm"), when given and plain."""
    value = item.get("pool")
    return value if isinstance(value, str) and _POOL.fullmatch(value) else None


def _amount(value: Any) -> float | None:
    """A non-negative finite number, or None."""
    number = to_float(value) if isinstance(value, int | float) else None
    return number if number is not None and number >= 0 else None


def _notice(item: Mapping[str, Any]) -> Notice:
    """An acknowledgement or an error, its text bounded and cleaned."""
    error = "errors" in item
    text = clean_text(item.get("errors" if error else "message"), NOTICE_MAX)
    if text is None:
        raise Malformed("a notice without text")
    return Notice(text, error or "subscribed to" not in text.lower())
