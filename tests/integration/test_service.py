"""The shared scan: single-flight, cached, TTL-aware, streamed, bounded by a deadline, looped safely."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from tests.service_support import sim_services
from token_discovery import events
from token_discovery.bootstrap import Services
from token_discovery.events import RecordingNotifier
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration


@pytest.fixture
def wired(simulator: SimulatorServer) -> Iterator[tuple[Services, RecordingNotifier]]:
    services, notifier = sim_services(simulator)
    yield services, notifier
    services.close()


def sim_stats(simulator: SimulatorServer) -> dict:
    return requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()


def test_a_scan_discovers_enriches_stores_and_streams(wired, simulator: SimulatorServer) -> None:
    services, notifier = wired
    result = services.service.trigger_scan(max_tokens=20).to_json()
    assert result["success"] and not result["joined"] and not result["cached"]
    assert result["tokens_stored"] == 20 == services.store.count()
    names = [name for name, _ in notifier.events]
    assert names[0] == events.SCAN_STARTED and names[-1] == events.SCAN_COMPLETED
    first_token = names.index(events.NEW_TOKEN)
    assert events.SCAN_PROGRESS in names[first_token:]  # tokens stream out batch by batch
    seqs = [payload["seq"] for payload in notifier.named(events.NEW_TOKEN)]
    assert seqs == list(range(1, 21))
    assert sim_stats(simulator)["total_calls"] == result["upstream_calls"]


def test_concurrent_triggers_share_one_scan(wired, simulator: SimulatorServer) -> None:
    services, _ = wired
    results: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(40)

    def trigger() -> None:
        barrier.wait()
        result = services.service.trigger_scan(max_tokens=20).to_json()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=trigger) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["scan_id"] for r in results}) == 1
    assert sum(not r["joined"] and not r["cached"] for r in results) == 1
    assert services.store.scan_count() == 1
    assert sim_stats(simulator)["total_calls"] == results[0]["upstream_calls"]


def test_a_trigger_within_the_min_interval_costs_nothing(wired, simulator: SimulatorServer) -> None:
    services, _ = wired
    first = services.service.trigger_scan(max_tokens=10).to_json()
    calls = sim_stats(simulator)["total_calls"]
    again = services.service.trigger_scan(max_tokens=10).to_json()
    assert again["cached"] and again["scan_id"] == first["scan_id"]
    assert sim_stats(simulator)["total_calls"] == calls
    other = services.service.trigger_scan(max_tokens=5).to_json()  # other parameters: a new scan
    assert not other["cached"] and other["scan_id"] != first["scan_id"]


def test_tokens_seen_again_within_the_ttl_cost_no_upstream_call(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator, DISCOVERY_MIN_INTERVAL="0", TRIGGER_BUDGET_SHARE="1")
    try:
        first = services.service.trigger_scan(max_tokens=100).to_json()
        before = sim_stats(simulator)["calls"]
        second = services.service.trigger_scan(max_tokens=100).to_json()
        after = sim_stats(simulator)["calls"]
    finally:
        services.close()
    assert first["tokens_analysed"] > 0
    assert second["tokens_skipped_recent"] >= first["tokens_analysed"] - 2
    enrichment_routes = ("dexscreener.tokens", "goplus.token_security", "goplus.solana_token_security")
    new_tokens = second["tokens_analysed"]
    spent = sum(after[r] - before[r] for r in enrichment_routes)
    assert spent <= 2 * new_tokens  # only tokens listed since the first scan are enriched
    assert second["upstream_calls"] == 3 + spent


@pytest.mark.parametrize("mode", ["timeout", "slow"])
def test_a_hung_upstream_never_holds_the_scan_lock(simulator: SimulatorServer, mode: str) -> None:
    services, notifier = sim_services(simulator, DISCOVERY_SCAN_DEADLINE="5", HTTP_READ_TIMEOUT="30",
                                      HTTP_CALL_DEADLINE="60", DISCOVERY_MIN_INTERVAL="0")  # fmt: skip
    try:
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "dexscreener.tokens", "mode": mode}, timeout=5)
        hung = services.service.trigger_scan(max_tokens=5, wait=None).to_json()
        assert not hung["success"] and "deadline" in hung["error"]
        assert services.service.current_scan()["status"] == "failed"
        requests.delete(f"{simulator.url}/_sim/faults", timeout=5)
        fresh = services.service.trigger_scan(max_tokens=5).to_json()
        assert fresh["success"] and fresh["scan_id"] != hung["scan_id"]
        assert notifier.named(events.SCAN_ERROR)
    finally:
        services.close()


def test_a_failed_scan_is_reported_and_the_next_trigger_starts_afresh(wired, simulator: SimulatorServer) -> None:
    services, notifier = wired
    requests.post(f"{simulator.url}/_sim/faults", json={"route": "*", "mode": "500", "count": 9}, timeout=5)
    failed = services.service.trigger_scan(max_tokens=5).to_json()
    assert not failed["success"] and "every discovery feed failed" in failed["error"]
    assert sim_stats(simulator)["calls"]["dexscreener.token_profiles"] == 3  # a 500 is retried twice, no more
    retried = services.service.trigger_scan(max_tokens=5).to_json()
    assert retried["success"] and not retried["cached"]
    assert len(notifier.named(events.SCAN_ERROR)) == 1


def test_a_failed_security_batch_never_makes_a_token_safe(wired, simulator: SimulatorServer) -> None:
    services, _ = wired
    for route in ("goplus.token_security", "goplus.solana_token_security"):
        requests.post(f"{simulator.url}/_sim/faults", json={"route": route, "mode": "4029"}, timeout=5)
    result = services.service.trigger_scan(max_tokens=20).to_json()
    assert result["success"] and result["errors"]
    levels = {record.risk_level for record in services.store.recent(50)}
    assert "safe" not in levels


def test_the_auto_loop_survives_failures_and_stops(wired, simulator: SimulatorServer) -> None:
    services, _ = wired
    requests.post(f"{simulator.url}/_sim/faults", json={"route": "*", "mode": "500", "count": 9}, timeout=5)
    completed = threading.Event()
    reports: list[dict] = []

    def on_complete(report: dict) -> None:
        reports.append(report)
        if report["success"]:
            completed.set()

    services.service.on_scan_complete(on_complete)
    services.service.start_auto_discovery(interval_seconds=10, max_tokens=5)
    services.service.auto.interval = 0.05  # the public floor is 10 s; the loop itself takes any interval
    assert completed.wait(15)
    assert not reports[0]["success"] and reports[-1]["success"]
    assert services.service.get_status().to_json()["auto_discovery_active"]
    assert not services.service.start_auto_discovery()  # started once
    assert services.service.stop_auto_discovery()
    assert not services.service.get_status().to_json()["auto_discovery_active"]


def test_new_token_callbacks_get_each_record_once(wired) -> None:
    services, _ = wired
    seen: list[int] = []
    services.service.on_new_token(lambda record: seen.append(record["seq"]))
    services.service.on_new_token(lambda record: 1 / 0)  # a broken callback harms no one
    services.service.trigger_scan(max_tokens=8).to_json()
    assert seen == list(range(1, 9))


def test_scan_state_is_always_answered(wired) -> None:
    services, _ = wired
    assert services.service.current_scan()["status"] == "idle"
    services.service.trigger_scan(max_tokens=3).to_json()
    state = services.service.current_scan()
    assert state["status"] == "completed" and state["progress"] == {"done": 3, "total": 3}


def test_a_callback_that_reads_the_service_never_deadlocks_it(wired) -> None:
    services, _ = wired
    seen: list[dict] = []
    services.service.on_scan_complete(lambda report: seen.append(services.service.get_stats().to_json()))
    result = services.service.trigger_scan(max_tokens=2, wait=10).to_json()
    assert result["success"] and seen and seen[0]["total_scans"] == 1
    assert services.service.current_scan()["status"] == "completed"


def test_shutdown_finishes_a_running_scan(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator, HTTP_READ_TIMEOUT="30", HTTP_CALL_DEADLINE="60")
    requests.post(f"{simulator.url}/_sim/faults", json={"route": "dexscreener.tokens", "mode": "timeout"}, timeout=5)
    running = services.service.trigger_scan(max_tokens=3, wait=0.5).to_json()
    assert running["status"] == "running"
    services.service.shutdown()
    state = services.service.current_scan()
    assert state["status"] == "failed" and "shutting down" in state["error"]
    services.close()
