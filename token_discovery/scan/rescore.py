"""Rescore stored tokens from their kept evidence with the current rules, and report old -> new."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.analysis import DEFAULT_POLICY, RULES_VERSION, Evidence, Policy, evaluate
from token_discovery.analysis.changes import describe_changes, with_history
from token_discovery.models import TokenRecord
from token_discovery.records import assessment_json, iso, record_json
from token_discovery.store.base import TokenStore


def _verdict_of(analysis: dict[str, Any]) -> dict[str, Any]:
    """The part of a stored analysis that a rescore compares."""
    return {
        "score": analysis.get("score"),
        "level": analysis.get("level"),
        "rules_version": analysis.get("rules_version"),
        "reasons": sorted(reason.get("code", "") for reason in analysis.get("reasons") or []),
    }


def _unchanged(store: TokenStore, record: TokenRecord) -> bool:
    """Whether the token is still stored exactly as it was read."""
    current = store.since_seq(record.seq - 1, 1)
    return bool(current) and current[0].seq == record.seq and current[0].scanned_at == record.scanned_at


def rescore_stored(
    store: TokenStore,
    notifier: events.Notifier,
    publish_lock: threading.Lock,
    at: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """Recompute every stored verdict; store and announce the ones that changed."""
    checked, skipped, differences = 0, 0, []
    for record in store.recent(store.capacity):
        analysis = dict(record.data.get("analysis") or {})
        if not analysis.get("evidence"):
            skipped += 1
            continue
        checked += 1
        evidence = Evidence.from_json(analysis["evidence"])
        new_analysis = assessment_json(evaluate(evidence, policy), evidence)
        old, new = _verdict_of(analysis), _verdict_of(new_analysis)
        if old == new:
            continue
        data = {**record.data, "analysis": new_analysis}
        changes = describe_changes(record.data, data, record.risk_level, new_analysis["level"])
        data = with_history(record.data, data, changes, iso(at) or "") or data
        with publish_lock:
            if not _unchanged(store, record):  # a scan updated or evicted it since we read it: leave it
                continue
            outcome = store.upsert(record.chain, record.address, data, new_analysis["score"], new_analysis["level"],
                                   record.complete, record.scanned_at)  # fmt: skip
            notifier.broadcast(events.TOKEN_UPDATED, {**record_json(outcome.record), "changes": changes})
        differences.append(
            {"seq": record.seq, "chain": record.chain, "address": record.address, "old": old, "new": new}
        )
    return {
        "rules_version": RULES_VERSION,
        "checked": checked,
        "changed": len(differences),
        "skipped_without_evidence": skipped,
        "differences": differences,
    }
