"""Incomplete tokens are re-checked on later scans; changes are announced; a rule change rescores the store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import requests

from tests.service_support import ADMIN, ManualClock, make_app, sim_services
from token_discovery import events
from token_discovery.analysis import RULES_VERSION
from token_discovery.analysis.changes import HISTORY_LIMIT, describe_changes, with_history
from token_discovery.api.app import services_of
from token_discovery.scan.rescore import rescore_stored
from token_discovery.simulator import SimulatorServer
from token_discovery.sources.budget import Budget
from token_discovery.sources.guard import CallGate
from token_discovery.store.sqlite import SQLiteStore


def analysis(**evidence: object) -> dict:
    return {"analysis": {"evidence": evidence}}


def test_changes_name_what_a_trader_cares_about() -> None:
    old = analysis(sell_tax=0.05, buy_tax=0.0, flags={"is_honeypot": False}, liquidity_usd=40_000.0)
    new = analysis(sell_tax=0.35, buy_tax=0.0, flags={"is_honeypot": True}, liquidity_usd=15_000.0)
    changes = describe_changes(old, new, "safe", "risky")
    assert [c["field"] for c in changes] == ["sell_tax", "is_honeypot", "liquidity_usd", "risk_level"]
    assert changes[0]["label"] == "Sell tax raised from 5% to 35%"
    assert changes[2]["label"] == "Liquidity fell from $40,000 to $15,000"


def test_history_keeps_the_newest_changes_and_nothing_when_nothing_changed() -> None:
    change = [{"field": "risk_level", "old": "safe", "new": "risky", "label": "Verdict changed"}]
    assert with_history({}, {"name": "A"}, [], "t0") is None
    data: dict = {}
    for i in range(HISTORY_LIMIT + 5):
        data = with_history(data, {"name": "A"}, change, f"t{i}") or {}
    assert len(data["history"]) == HISTORY_LIMIT and data["history"][-1]["at"] == f"t{HISTORY_LIMIT + 4}"
    assert with_history(data, {"name": "B"}, [], "later") == {"name": "B", "history": data["history"]}


def test_small_moves_are_not_changes() -> None:
    old = analysis(sell_tax=0.05, liquidity_usd=40_000.0, flags={})
    new = analysis(sell_tax=0.051, liquidity_usd=30_000.0, flags={})
    assert describe_changes(old, new, "safe", "safe") == []


@pytest.mark.integration
def test_incomplete_tokens_are_rechecked_and_the_update_announced(simulator: SimulatorServer) -> None:
    clock = ManualClock()
    services, notifier = sim_services(simulator, gate=CallGate(Budget(clock=clock)), DISCOVERY_MIN_INTERVAL="0")
    try:
        for route in ("goplus.token_security", "goplus.solana_token_security"):
            requests.post(f"{simulator.url}/_sim/faults", json={"route": route, "mode": "4029"}, timeout=5)
        first = services.service.trigger_scan(max_tokens=6).to_json()
        assert first["tokens_stored"] == 6
        assert {r.risk_level for r in services.store.recent(10)} <= {"unknown", "risky"}
        pending = [(r.chain, r.address) for r in services.store.incomplete(10)]
        assert len(pending) == 6
        requests.delete(f"{simulator.url}/_sim/faults", timeout=5)
        clock.now += 200  # past GoPlus's 60 s default cooldown (its 4029 has no Retry-After), and refilled
        services.service.trigger_scan(max_tokens=6 + 6).to_json()  # six new tokens, and room for the six to re-check
        assert services.store.incomplete(10) == []
        updated = {(u["token_chain"], u["token_address"]): u for u in notifier.named(events.TOKEN_UPDATED)}
        for key in pending:
            record = next(r for r in services.store.recent(50) if (r.chain, r.address) == key)
            if record.risk_level != "unknown":
                assert any(c["field"] == "risk_level" for c in updated[key]["changes"])
                (entry,) = record.data["history"]  # the change is kept with the token, for the detail panel
                assert entry["changes"] == updated[key]["changes"] and entry["at"]
                assert updated[key]["token_data"]["history"] == record.data["history"]
    finally:
        services.close()


@pytest.mark.integration
def test_rescore_recomputes_stored_verdicts_and_reports_differences(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        client = app.test_client()
        client.post("/api/discovery/trigger", json={"max_tokens": 5})
        store = services_of(app).store
        victim = store.recent(1)[0]
        stale = {**victim.data, "analysis": {**victim.data["analysis"], "score": 77, "level": "risky",
                                             "rules_version": "1.0"}}  # fmt: skip
        store.upsert(victim.chain, victim.address, stale, 77, "risky", True, victim.scanned_at)
        assert client.post("/api/admin/rescore").status_code == 401
        report = client.post("/api/admin/rescore", headers=ADMIN).get_json()
        assert report["checked"] == 5 and report["changed"] == 1
        (difference,) = report["differences"]
        assert difference["seq"] == victim.seq
        assert difference["old"]["score"] == 77 and difference["new"]["score"] == victim.risk_score
        restored = next(r for r in store.recent(10) if r.seq == victim.seq)
        assert restored.risk_score == victim.risk_score
        assert restored.data["history"][-1]["changes"][-1]["field"] == "risk_level"
        again = client.post("/api/admin/rescore", headers=ADMIN).get_json()
        assert again["changed"] == 0
    finally:
        services_of(app).close()


@pytest.mark.integration
def test_admin_stats_and_health(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        client = app.test_client()
        client.post("/api/discovery/trigger", json={"max_tokens": 3})
        assert client.get("/api/admin/stats").status_code == 401
        stats = client.get("/api/admin/stats", headers=ADMIN).get_json()
        assert stats["scans"][0]["tokens_stored"] == 3 and stats["rules_version"]
        health = client.get("/api/admin/health", headers=ADMIN).get_json()["health"]
        assert health["status"] == "ok" and health["store"]["ok"]
    finally:
        services_of(app).close()


def test_the_rules_3_evidence_change_shows_old_to_new_on_tokens_stored_under_rules_2() -> None:
    store, notifier = SQLiteStore(":memory:", 10), events.RecordingNotifier()
    clean = {"chain": "base", "age_hours": 5.0, "has_security": True, "buy_tax": 0.0, "sell_tax": 0.0,
             "flags": {"is_honeypot": False, "is_open_source": True}, "has_market": True, "links": 2}  # fmt: skip
    stored_under_2 = {
        "no_liquidity_key": {**clean, "liquidity_usd": None},  # rules 2.0 called these safe
        "twelve_dollars": {**clean, "liquidity_usd": 12.0},
    }
    for address, evidence in stored_under_2.items():
        data = {"analysis": {"evidence": evidence, "score": 0, "level": "safe", "rules_version": "2.0", "reasons": []}}
        store.upsert("base", address, data, 0, "safe", True, datetime(2026, 6, 1, tzinfo=UTC))
    report = rescore_stored(store, notifier, threading.Lock(), datetime(2026, 6, 2, tzinfo=UTC))
    changes = {d["address"]: (d["old"]["level"], d["new"]["level"], d["new"]["rules_version"]) for d in
               report["differences"]}  # fmt: skip
    assert changes == {"no_liquidity_key": ("safe", "unknown", RULES_VERSION),
                       "twelve_dollars": ("safe", "risky", RULES_VERSION)}  # fmt: skip
    assert len(notifier.named(events.TOKEN_UPDATED)) == 2
