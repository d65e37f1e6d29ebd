"""Fault tests through the simulator: 429 storms, 4029, a store failing mid-scan, and the user-facing 429."""

from __future__ import annotations

import pytest
import requests

from tests.service_support import ADMIN, ManualClock, make_app, sim_config, sim_services
from token_discovery import events
from token_discovery.api.app import create_app, monitor_of, services_of
from token_discovery.simulator import SimulatorServer
from token_discovery.sources.budget import Budget
from token_discovery.sources.guard import CallGate
from token_discovery.store.base import StoreUnavailable
from token_discovery.store.sqlite import SQLiteStore

pytestmark = pytest.mark.integration


def fault(simulator: SimulatorServer, **spec: object) -> None:
    requests.post(f"{simulator.url}/_sim/faults", json=spec, timeout=5).raise_for_status()


def calls(simulator: SimulatorServer) -> dict[str, int]:
    return requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["calls"]


def test_a_429_storm_silences_the_route_until_retry_after_then_one_probe(simulator: SimulatorServer) -> None:
    clock = ManualClock()
    gate = CallGate(Budget(clock=clock), clock=clock, sleep=lambda s: None)
    services, _ = sim_services(simulator, gate=gate, DISCOVERY_MIN_INTERVAL="0", ANALYSIS_CACHE_TTL="0")
    try:
        fault(simulator, route="dexscreener.tokens", mode="429", retry_after=30)
        first = services.service.trigger_scan(max_tokens=20).to_json()
        assert calls(simulator)["dexscreener.tokens"] == 1  # the storm's first answer stopped the route
        assert any("429" in error for error in first["errors"])
        for record in services.store.recent(50):  # no DexScreener: safe only on liquidity another source measured
            evidence = record.data["analysis"]["evidence"]
            if record.risk_level == "safe":
                assert evidence["liquidity_source"] in {"geckoterminal", "goplus"}
            if evidence["liquidity_usd"] is None:
                assert record.risk_level != "safe"
        clock.now += 29
        services.service.trigger_scan(max_tokens=20).to_json()
        assert calls(simulator)["dexscreener.tokens"] == 1  # still cooling down: not one call
        clock.now += 2
        services.service.trigger_scan(max_tokens=20).to_json()
        assert calls(simulator)["dexscreener.tokens"] == 2  # one probe, answered 429 again
        stats = services.service.get_stats().to_json()["upstream"]
        assert stats["rate_limited"]["dexscreener.tokens"] == 2
    finally:
        services.close()


def test_goplus_4029_inside_a_200_marks_tokens_pending_and_stops_goplus(simulator: SimulatorServer) -> None:
    services, notifier = sim_services(simulator)
    try:
        fault(simulator, route="goplus.token_security", mode="4029")
        fault(simulator, route="goplus.solana_token_security", mode="4029")
        result = services.service.trigger_scan(max_tokens=30).to_json()
        goplus_calls = calls(simulator)["goplus.token_security"] + calls(simulator)["goplus.solana_token_security"]
        assert goplus_calls == 1  # the first 4029 emptied the GoPlus bucket: later batches were never sent
        records = services.store.recent(50)
        assert records and all(r.risk_level != "safe" and not r.complete for r in records)
        assert result["upstream"]["total_rate_limited"] == 1
        assert len(notifier.named(events.NEW_TOKEN)) == len(records)
    finally:
        services.close()


class FlakyStore(SQLiteStore):
    """An SQLite store whose upserts fail after a while, as a database that goes away mid-scan."""

    def __init__(self, fail_after: int) -> None:
        super().__init__(":memory:")
        self.fail_after, self.down = fail_after, True

    def upsert(self, *args, **kwargs):
        if self.down and self.fail_after <= 0:
            raise StoreUnavailable("database went away")
        self.fail_after -= 1
        return super().upsert(*args, **kwargs)


def test_a_store_failing_mid_scan_announces_nothing_unstored_and_recovers(simulator: SimulatorServer) -> None:
    store = FlakyStore(fail_after=3)
    services, notifier = sim_services(simulator, store=store, DISCOVERY_MIN_INTERVAL="0")
    try:
        failed = services.service.trigger_scan(max_tokens=10).to_json()
        assert not failed["success"] and "database went away" in failed["error"]
        announced = [p["seq"] for p in notifier.named(events.NEW_TOKEN)]
        assert announced == [r.seq for r in reversed(store.recent(50))] == [1, 2, 3]
        store.down = False
        recovered = services.service.trigger_scan(max_tokens=10).to_json()
        assert recovered["success"] and recovered["tokens_new"] == 10 and store.count() == 13
    finally:
        services.close()


def test_a_trigger_is_429_only_when_discovery_itself_cannot_be_paid(simulator: SimulatorServer) -> None:
    app = make_app(simulator, BUDGET_DEXSCREENER_DISCOVERY_PER_MINUTE="1", BUDGET_GECKOTERMINAL_PER_MINUTE="1",
                   DISCOVERY_MIN_INTERVAL="0", TRIGGER_BUDGET_SHARE="1")  # fmt: skip
    try:
        first = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 5})
        assert first.status_code == 200 and first.get_json()["tokens_stored"] == 5  # one feed of each was enough
        spent = sum(calls(simulator).values())
        response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 5})
        assert response.status_code == 429
        body = response.get_json()
        assert body == {"success": False, "error": body["error"], "balance": 0.0, "required": 1, "deficit": 1.0}
        assert response.headers["X-Token-Balance"] == "0.0" and response.headers["X-Token-Required"] == "1"
        assert int(response.headers["Retry-After"]) >= 1
        assert sum(calls(simulator).values()) == spent  # refused before any upstream call
    finally:
        services_of(app).close()


def test_triggers_at_their_share_leave_the_automatic_scans_theirs(simulator: SimulatorServer) -> None:
    from token_discovery.coordination.reports import Finished, Refused

    services, _ = sim_services(simulator, DISCOVERY_MIN_INTERVAL="0", BUDGET_DEXSCREENER_DISCOVERY_PER_MINUTE="4",
                               BUDGET_GECKOTERMINAL_PER_MINUTE="6", TRIGGER_BUDGET_SHARE="0.5")  # fmt: skip
    try:
        outcomes = [services.service.trigger_scan(max_tokens=3 + n, origin="api") for n in range(6)]
        assert isinstance(outcomes[-1], Refused)  # two addresses varying the parameters: their share is spent
        assert "within the 50% of it that scans users trigger may spend" in outcomes[-1].to_json()["error"]
        before = sum(calls(simulator).get(r, 0) for r in ("dexscreener.token_profiles", "geckoterminal.new_pools"))
        automatic = services.service.trigger_scan(max_tokens=2, origin="auto")
        after = sum(calls(simulator).get(r, 0) for r in ("dexscreener.token_profiles", "geckoterminal.new_pools"))
        assert isinstance(automatic, Finished) and automatic.report.success and after > before
        ledger = services.gate.ledger.snapshot()
        assert sum(ledger["reserved"].values()) >= 1  # the user scans' refusals, counted apart
    finally:
        services.close()


def test_a_429_on_the_candles_leaves_discovery_storing_tokens(simulator: SimulatorServer) -> None:
    app = make_app(simulator, DISCOVERY_MIN_INTERVAL="0", ANALYSIS_CACHE_TTL="0")
    try:
        fault(simulator, route="geckoterminal.ohlcv", mode="429", retry_after=600)
        first = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 40}).get_json()
        assert first["success"] and calls(simulator)["geckoterminal.ohlcv"] == 1  # one 429, then no more candles
        second = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 40})
        assert second.status_code == 200 and second.get_json()["tokens_stored"] > 0  # GeckoTerminal cools; scans go on
        assert calls(simulator)["geckoterminal.ohlcv"] == 1 and calls(simulator)["dexscreener.token_profiles"] == 2
    finally:
        services_of(app).close()


def test_a_starved_goplus_budget_degrades_the_scan_instead_of_refusing_it(simulator: SimulatorServer) -> None:
    app = make_app(simulator, BUDGET_GOPLUS_PER_MINUTE="1", TRIGGER_BUDGET_SHARE="1")
    try:
        response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 60})
        assert response.status_code == 200 and response.get_json()["tokens_stored"] > 20
        records = services_of(app).store.recent(100)
        pending = [r for r in records if "security" in r.data["analysis"]["missing"]]
        assert pending and all(r.risk_level != "safe" for r in pending)
        assert sum(not r.complete for r in pending) >= 20  # the batches GoPlus could not be paid for: re-checked later
        assert calls(simulator)["goplus.token_security"] + calls(simulator)["goplus.solana_token_security"] == 1
    finally:
        services_of(app).close()


def test_budget_settings_reach_the_running_service(simulator: SimulatorServer) -> None:
    config = sim_config(simulator, BUDGET_GECKOTERMINAL_PER_MINUTE="12", BUDGET_WINDOW_SECONDS="30")
    app = create_app(config, store=SQLiteStore(":memory:"), async_mode="threading")
    try:
        upstream = app.test_client().get("/api/discovery/stats").get_json()["stats"]["upstream"]
        assert upstream["budget"]["geckoterminal"]["capacity"] == 12
        assert upstream["budget"]["goplus"]["capacity"] == 30
    finally:
        services_of(app).close()


def test_the_ledger_counts_what_every_user_alone_would_have_cost(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator)
    try:
        first = services.service.trigger_scan(max_tokens=10).to_json()
        for _ in range(4):
            assert services.service.trigger_scan(max_tokens=10).to_json()["cached"]
        upstream = services.service.get_stats().to_json()["upstream"]
        assert upstream["total_calls"] == first["upstream_calls"]
        assert upstream["triggers_served"] == 5
        assert upstream["calls_if_each_user_scanned"] == 5 * first["upstream_calls"]
        assert upstream["calls_saved"] == 4 * first["upstream_calls"]
    finally:
        services.close()


def test_a_garbage_feed_is_a_bad_payload_not_retried_and_the_scan_goes_on(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator)
    try:
        fault(simulator, route="geckoterminal.new_pools", mode="garbage")
        result = services.service.trigger_scan(max_tokens=5).to_json()
        assert result["success"] and result["tokens_stored"] == 5
        assert any("not JSON" in error for error in result["errors"])
        assert calls(simulator)["geckoterminal.new_pools"] == 1
    finally:
        services.close()


def test_an_open_breaker_shows_in_admin_health(simulator: SimulatorServer) -> None:

    app = make_app(simulator)
    try:
        fault(simulator, route="geckoterminal.new_pools", mode="500")
        fault(simulator, route="geckoterminal.ohlcv", mode="500")  # GeckoTerminal is down as a whole
        client = app.test_client()
        client.post("/api/discovery/trigger", json={"max_tokens": 3})
        services_of(app).service.trigger_scan(max_tokens=4).to_json()  # another failed feed: five failures in all
        monitor_of(app).probe.refresh()  # the background probes' next round, without waiting for its period
        health = client.get("/api/admin/health", headers=ADMIN).get_json()["health"]
        assert health["upstream"]["breakers"]["geckoterminal"] == "open"
        assert health["status"] == "degraded"
    finally:
        services_of(app).close()
