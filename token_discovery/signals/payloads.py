"""A signal in its two forms: whole as it is sent (the token's full record, its JSON made once for every
watcher it matched), and in brief as it is kept in a watcher's history (a busy token matches hundreds of
watchers, and each kept copy of a 6 KB record would be written hundreds of times)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from token_discovery.records import EncodedRecord

RECORD_KEEP = ("seq", "token_address", "token_chain", "risk_level", "risk_score", "is_safe", "scanned_at")
DATA_KEEP = ("name", "symbol", "icon", "pages", "pool_created_at")
MARKET_KEEP = ("price_usd", "liquidity_usd", "fdv", "market_cap", "pair_created_at", "volume", "txns")


def brief_token(record: Mapping[str, Any]) -> dict[str, Any]:
    """The token as a watcher's history keeps it: who it is, its verdict and its market, without the evidence."""
    data = record.get("token_data") or {}
    market = data.get("market") or None
    brief_data = {key: data.get(key) for key in DATA_KEEP}
    brief_data["market"] = None if market is None else {key: market.get(key) for key in MARKET_KEEP}
    reasons = ((data.get("analysis") or {}).get("reasons") or [])[:3]
    brief_data["analysis"] = {"reasons": [{key: r.get(key) for key in ("code", "severity", "label")}
                                          for r in reasons if isinstance(r, Mapping)]}  # fmt: skip
    return {**{key: record.get(key) for key in RECORD_KEEP}, "token_data": brief_data}


class SignalMaker:
    """Makes the signals of one token: its JSON text encoded once, its brief once."""

    def __init__(self, token: Mapping[str, Any], at: datetime) -> None:
        self._token, self._at = token, at.isoformat()
        self._text = json.dumps(token, separators=(",", ":"))
        self._brief = brief_token(token)
        self._brief_text = json.dumps(self._brief, separators=(",", ":"))

    def make(self, watcher_id: str, watcher_name: str, matched: list[str]) -> tuple[EncodedRecord, EncodedRecord]:
        """The signal as sent (the contract's `signal`: watcher, token, why) and as kept, each with its JSON."""
        head = {"id": secrets.token_hex(8), "watcher_id": watcher_id, "watcher_name": watcher_name,
                "matched": matched, "at": self._at}  # fmt: skip
        start = json.dumps(head, separators=(",", ":"))[:-1] + ',"token":'
        return (EncodedRecord({**head, "token": self._token}, start + self._text + "}"),
                EncodedRecord({**head, "token": self._brief}, start + self._brief_text + "}"))  # fmt: skip
