"""The scanner grades itself: the simulator's rug schedule, run on a hand-moved clock, shows in the outcomes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from flask import Flask

from tests.service_support import ManualClock, sim_config
from token_discovery import events
from token_discovery.api.app import create_app, services_of
from token_discovery.bootstrap import build_services
from token_discovery.events import RecordingNotifier
from token_discovery.scan.pipeline import ScanCancelled, ScanState
from token_discovery.simulator import SimulatorApp, SimulatorServer
from token_discovery.sources.budget import Budget
from token_discovery.sources.guard import CallGate
from token_discovery.store.sqlite import SQLiteStore

pytestmark = pytest.mark.integration
ADMIN = {"Authorization": "Bearer s3cret-admin-token"}
FOLLOW_UP_HOURS = (1.05, 1.1, 1.15, 6.05, 6.1, 6.15, 24.05, 24.1, 24.15)


@pytest.fixture
def world() -> Iterator[tuple[Flask, SimulatorServer, ManualClock]]:
    """An app and a simulator sharing one clock that the test moves by hand (hours pass in an instant)."""
    clock = ManualClock(time.time())
    simulator = SimulatorServer(SimulatorApp(seed=11, clock=clock)).start()
    config = sim_config(simulator, ADMIN_TOKEN="s3cret-admin-token", ANALYSIS_CACHE_TTL="0", DISCOVERY_MIN_INTERVAL="0",
                        GOPLUS_BATCH_SIZE="30")  # fmt: skip
    app = create_app(config, store=SQLiteStore(":memory:", 1000), async_mode="threading",
                     gate=CallGate(Budget(window=60, clock=clock)),
                     clock=lambda: datetime.fromtimestamp(clock.now, UTC))  # fmt: skip
    yield app, simulator, clock
    services_of(app).close()
    simulator.stop()


def sim_calls(simulator: SimulatorServer) -> dict[str, int]:
    return requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["calls"]


def scan(app: Flask, max_tokens: int) -> None:
    response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": max_tokens})
    assert response.status_code == 200 and response.get_json()["success"], response.get_json()


def test_rugs_on_the_simulators_schedule_are_graded_against_the_verdicts(world) -> None:
    app, simulator, clock = world
    start = clock.now
    scan(app, 100)
    first = {(r.chain, r.address): r for r in services_of(app).store.recent(1000)}
    before = sim_calls(simulator)
    for hours in FOLLOW_UP_HOURS:
        clock.now = start + hours * 3600
        scan(app, 1)  # one new token a scan: the follow-ups of the first batch fill the calls
    spent = {route: n - before.get(route, 0) for route, n in sim_calls(simulator).items()}
    goplus = spent["goplus.token_security"] + spent["goplus.solana_token_security"]
    assert goplus <= len(FOLLOW_UP_HOURS)  # follow-ups add no GoPlus call: they ride in the scan's own batch
    assert spent["dexscreener.tokens"] <= len(FOLLOW_UP_HOURS) * 4  # 30 follow-ups: one market call per chain
    documents = services_of(app).store.outcomes_for(first)
    assert len(documents) == len(first) > 40
    universe = simulator.app.universe
    for key, document in documents.items():
        token = universe.find(*key)
        finished = document["outcome"] == "rugged" or set(document["checks"]) == {"1h", "6h", "24h"}
        assert finished and document["next_due"] is None, key  # followed to the end, or to its rug
        rugged_after_verdict = token.rug_at is not None and start < token.rug_at <= clock.now
        assert (document["outcome"] == "rugged") == rugged_after_verdict, (token.kind, document)
        if token.kind == "clean":
            assert document["outcome"] == "alive"
    report = app.test_client().get("/api/discovery/outcomes?hours=48").get_json()
    rugged = sum(1 for d in documents.values() if d["outcome"] == "rugged")
    assert report["success"] and rugged >= 5 and report["rugged"] >= rugged
    assert report["levels"]["safe"]["rugged"] == 0 and report["safe_rug_rate"] == 0.0
    assert report["rug_catch_rate"] >= 0.75
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'td_outcome_tokens{level="risky",outcome="rugged"}' in metrics and "td_safe_rug_rate 0.0" in metrics
    admin = app.test_client().get("/api/admin/stats", headers=ADMIN).get_json()
    day = app.test_client().get("/api/discovery/outcomes").get_json()
    assert day["hours"] == 24 and admin["outcomes"]["levels"] == day["levels"]


@pytest.mark.parametrize("hours", ["0", "721", "abc", "-1"])
def test_a_bad_outcome_window_is_a_400(world, hours: str) -> None:
    app, _, _ = world
    response = app.test_client().get(f"/api/discovery/outcomes?hours={hours}")
    assert response.status_code == 400 and "hours" in response.get_json()["error"]


def test_a_scan_abandoned_half_way_still_tracks_what_it_stored(simulator: SimulatorServer) -> None:
    class CancelAfterFirstBatch(RecordingNotifier):
        state: ScanState | None = None

        def broadcast(self, event: str, payload: dict) -> None:
            super().broadcast(event, payload)
            if event == events.SCAN_PROGRESS and payload["done"] > 0 and self.state is not None:
                self.state.cancelled.set()

    notifier = CancelAfterFirstBatch()
    services = build_services(sim_config(simulator, GOPLUS_BATCH_SIZE="5"), store=SQLiteStore(":memory:", 200),
                              notifier=notifier)  # fmt: skip
    try:
        state = ScanState(max_tokens=20, chain=None, started_at=datetime.now(UTC), started_monotonic=0.0)
        notifier.state = state
        with pytest.raises(ScanCancelled):
            services.service._scanner.run(state)
        stored = services.store.recent(200)
        assert 0 < len(stored) < 20
        assert set(services.store.outcomes_for((r.chain, r.address) for r in stored)) == {
            (r.chain, r.address) for r in stored
        }
    finally:
        services.close()
