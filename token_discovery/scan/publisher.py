"""Persist, then announce: each analysed token is stored before anyone hears of it; replay to late joiners."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.analysis.changes import describe_changes, with_history
from token_discovery.models import TokenRecord
from token_discovery.records import iso, record_json
from token_discovery.store.base import TokenStore

log = logging.getLogger(__name__)


def run_callback(callback: Callable[[dict[str, Any]], None], payload: dict[str, Any]) -> None:
    """Run a user callback; its failure never breaks a scan or the service."""
    try:
        callback(payload)
    except Exception:
        log.exception("a callback failed")


def with_launch_kept(previous: Mapping[str, Any], data: Mapping[str, Any]) -> Mapping[str, Any]:
    """`data`, keeping what the pump.fun stream said of the token's launch when this analysis did not hear it
    (a feed found the token again): a launch once heard is never forgotten."""
    if data.get("launch") is None and previous.get("launch"):
        return {**data, "launch": previous["launch"]}
    return data


class Publisher:
    """Stores tokens and tells the room, under one lock so a replay never misses or repeats a token."""

    def __init__(self, store: TokenStore, notifier: events.Notifier) -> None:
        self._store, self._notifier = store, notifier
        self.lock = threading.Lock()
        self.new_token_callbacks: list[Callable[[dict[str, Any]], None]] = []

    def publish(
        self, key: tuple[str, str], data: dict[str, Any], score: int, level: str, complete: bool, at: datetime
    ) -> bool:
        """Store one analysed token, then announce it (new_token, or token_updated when it moved); True when new."""
        with self.lock:
            outcome = self._store.upsert(*key, data, score, level, complete, at)
            if outcome.created:
                payload = record_json(outcome.record)
                self._notifier.broadcast(events.NEW_TOKEN, payload)
            elif outcome.previous is not None:
                self._update(outcome.previous, outcome.record, complete)
        if outcome.created:
            for callback in self.new_token_callbacks:
                run_callback(callback, payload)
        return outcome.created

    def _update(self, previous: TokenRecord, record: TokenRecord, complete: bool) -> None:
        """Keep the token's history of changes; token_updated when something a trader cares about moved."""
        changes = describe_changes(previous.data, record.data, previous.risk_level, record.risk_level)
        data = with_launch_kept(previous.data, record.data)
        merged = with_history(previous.data, data, changes, iso(record.scanned_at) or "")
        if merged is None and data is not record.data:  # no history to keep, but the launch to keep
            merged = dict(data)
        if merged is not None:
            at = record.scanned_at
            record = self._store.upsert(record.chain, record.address, merged, record.risk_score, record.risk_level,
                                        complete, at).record  # fmt: skip
        if changes:
            self._notifier.broadcast(events.TOKEN_UPDATED, {**record_json(record), "changes": changes})
