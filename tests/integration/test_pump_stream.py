"""The pump.fun stream in the running app, against the simulator's stream: creations reach browsers with no
trigger, faults are survived with nothing lost after reconnection, a burst never overspends the budget, and the
recorded real session goes through whole."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.live_server import LiveApp
from tests.service_support import sim_services
from tests.stream_support import TokenWatcher, launch, sim_stats, until
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration
ADMIN = "stream-admin-token-1"
FAST = {"STREAM_FLUSH_SECONDS": "0.3", "ADMIN_TOKEN": ADMIN,  # batches 0.4 s apart at most, not the default 8 s
        "BUDGET_GOPLUS_PER_MINUTE": "600", "BUDGET_DEXSCREENER_MARKET_PER_MINUTE": "600"}  # fmt: skip


@pytest.fixture
def app(simulator: SimulatorServer, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveApp]:
    env = {**simulator.base_urls(), **FAST, "SQLITE_PATH": str(tmp_path / "tokens.db"),
           **getattr(request, "param", {})}  # fmt: skip
    live = LiveApp(env, server="gunicorn").start()
    try:
        until(lambda: sim_stats(simulator)["connections"] == 1)  # the app holds its one connection
        yield live
    finally:
        live.stop()


def stream_figures(app: LiveApp) -> dict:
    """The app's stream figures from the admin API."""
    answer = requests.get(f"{app.url}/api/admin/stats", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=5)
    return answer.json()["stream"]


def test_a_creation_reaches_a_connected_client_with_its_launch_and_no_scan(app: LiveApp, simulator) -> None:
    watcher = TokenWatcher(app.url)
    try:
        creator = "4xRNycRejhP3wPjNwJAH6CdDQU44mXCbHApx1H8KcxcA"
        (address,) = launch(simulator, creator=creator, dev_buy_sol=2.0)
        (record,) = watcher.wait_for({address}, timeout=10)
    finally:
        watcher.close()
    launch_facts = record["token_data"]["launch"]
    assert record["token_chain"] == "solana" and record["token_data"]["sources"] == ["pumpportal.stream"]
    assert launch_facts["creator"] == creator and launch_facts["pool"] == "pump"
    assert launch_facts["progress"] == pytest.approx(0.0846, abs=1e-4) and launch_facts["creator_launches_24h"] == 1
    assert record["risk_level"] != "safe" or record["token_data"]["security"] is not None
    status = requests.get(f"{app.url}/api/discovery/status", timeout=5).json()["status"]
    assert status["total_scans"] == 0  # nobody triggered anything
    calls = sim_stats(simulator)["calls"]
    assert calls["dexscreener.tokens"] == 1 and calls["goplus.solana_token_security"] == 1
    assert sum(calls.values()) == 2  # one batched market call and one security call, no discovery feed


def test_a_serial_launcher_is_called_one(app: LiveApp, simulator) -> None:
    watcher = TokenWatcher(app.url)
    try:
        creator = "8sxf7tQ6nRWe6KYc8qqzVzzD1EJsu4gBvV8zSvwsJmvd"
        addresses = [launch(simulator, creator=creator)[0] for _ in range(3)]
        records = {r["token_address"]: r for r in watcher.wait_for(set(addresses), timeout=15)}
    finally:
        watcher.close()
    third = records[addresses[2]]
    assert third["token_data"]["launch"]["creator_launches_24h"] == 3 and third["risk_level"] == "risky"
    labels = [reason["label"] for reason in third["token_data"]["analysis"]["reasons"]]
    assert "Its creator launched 3 tokens on pump.fun in the last 24 h" in labels
    assert records[addresses[0]]["token_data"]["launch"]["creator_launches_24h"] == 1


def test_a_migration_updates_the_token(app: LiveApp, simulator) -> None:
    watcher = TokenWatcher(app.url)
    try:
        (address,) = launch(simulator, dev_buy_sol=20.0)
        watcher.wait_for({address}, timeout=10)
        requests.post(f"{simulator.url}/_sim/migrations", json=[{"address": address}], timeout=5).raise_for_status()
        (updated,) = watcher.wait_for({address}, timeout=10, updates=True)
    finally:
        watcher.close()
    facts = updated["token_data"]["launch"]
    assert "Graduated from its bonding curve to a PumpSwap pool" in [c["label"] for c in updated["changes"]]
    assert facts["migrated"] is True and facts["pool"] == "pump-amm" and facts["creator"]
    assert updated["token_data"]["market"]["dex_id"] == "pumpswap"


@pytest.mark.parametrize("app", [{"STREAM_SILENCE_SECONDS": "1.5"}], indirect=True)
@pytest.mark.parametrize("mode", ["drop", "silent", "garbage"])
def test_a_fault_is_survived_and_nothing_sent_after_reconnection_is_lost(app: LiveApp, simulator, mode: str) -> None:
    watcher = TokenWatcher(app.url)
    try:
        opened = sim_stats(simulator)["stream"]["opened"]
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "pumpportal.stream", "mode": mode, "count": 1},
                      timeout=5).raise_for_status()  # fmt: skip
        if mode == "garbage":  # the same connection goes on, the frames counted and dropped
            until(lambda: stream_figures(app)["messages"]["malformed"] >= 7)
        else:  # a new connection once the old one is closed, or heard nothing for the silence allowed
            until(lambda: sim_stats(simulator)["stream"]["opened"] > opened and sim_stats(simulator)["connections"])
        addresses = launch(simulator, count=5)
        watcher.wait_for(set(addresses), timeout=15)
    finally:
        watcher.close()
    figures = stream_figures(app)
    assert figures["state"] == "live" and figures["tokens_stored"] == 5
    if mode == "silent":
        assert figures["silences"] == 1
    if mode == "garbage":
        assert figures["reconnects"] == 0 and figures["messages"]["malformed"] == 7


BURST_BUDGET = {"BUDGET_GOPLUS_PER_MINUTE": "20", "BUDGET_DEXSCREENER_MARKET_PER_MINUTE": "20",
                "STREAM_QUEUE_SIZE": "300", "STREAM_FLUSH_TOKENS": "20", "GOPLUS_BATCH_SIZE": "20",
                "STREAM_BUDGET_SHARE": "0.5"}  # fmt: skip


@pytest.mark.parametrize("app", [BURST_BUDGET], indirect=True)
def test_a_burst_of_500_creations_never_spends_past_the_budget(app: LiveApp, simulator) -> None:
    started = time.monotonic()
    launch(simulator, count=500)
    until(lambda: stream_figures(app)["messages"]["creation"] == 500)
    until(lambda: stream_figures(app)["tokens_stored"] >= 40)  # a second batch, 6 s after the first
    figures, calls, elapsed = stream_figures(app), sim_stats(simulator)["calls"], time.monotonic() - started
    # The stream spends only from the top half of each bucket (STREAM_BUDGET_SHARE), paced over the window: a
    # batch every 60 / (20 x 0.5) = 6 s at most, one market and one security call each.
    assert calls["goplus.solana_token_security"] == calls["dexscreener.tokens"] == figures["batches"]
    assert figures["batches"] <= 1 + elapsed / 6 and figures["batches"] <= 10
    assert sum(sim_stats(simulator)["rate_limited"].values()) == 0
    stored = figures["tokens_stored"]
    assert stored == 20 * figures["batches"]  # whole batches of 20, one call each
    assert figures["dropped"] + stored + figures["waiting"] == 500  # none lost without being counted
    assert figures["dropped"] >= 500 - 300 - stored and figures["waiting"] <= 300  # the queue held, oldest out
    budget = requests.get(f"{app.url}/api/discovery/stats", timeout=5).json()["stats"]["upstream"]["budget"]
    assert budget["goplus"]["balance"] >= 10 - 1e-6  # the scans' half is untouched
    assert requests.get(f"{app.url}/healthz", timeout=5).status_code == 200


REAL_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "pumpportal"
RECORDED = REAL_DIR / "session_2026-07-03.jsonl"


SESSION_ENV = {"STREAM_FLUSH_TOKENS": "30", "STREAM_QUEUE_SIZE": "1000", "BUDGET_GOPLUS_PER_MINUTE": "600",
               "BUDGET_DEXSCREENER_MARKET_PER_MINUTE": "600"}  # fmt: skip  # about reading, not about the budget


@pytest.mark.parametrize("app", [SESSION_ENV], indirect=True)
def test_a_recorded_real_session_goes_through_whole_and_nothing_unverified_is_safe(app: LiveApp, simulator) -> None:
    frames = [json.loads(line)["raw"] for line in RECORDED.read_text(encoding="utf-8").splitlines()]
    creates = [json.loads(f) for f in frames if '"txType":"create"' in f]
    real = {c["mint"] for c in creates} - {"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"}
    watcher = TokenWatcher(app.url)
    try:
        answer = requests.post(f"{simulator.url}/_sim/stream/replay", json=frames, timeout=10).json()
        assert answer["delivered"] == len(frames)
        records = watcher.wait_for(real, timeout=60)  # the simulator knows none of them: no market, no security
    finally:
        watcher.close()
    figures = stream_figures(app)
    # notices: the 2 acknowledgements of the app's own subscriptions, then the session's 2 and its error
    assert figures["messages"] == {"creation": 188, "migration": 7, "notice": 5, "malformed": 10}
    assert len(records) == len(real) == 188 and not [r for r in records if r["risk_level"] == "safe"]
    risky = [r for r in records if r["risk_level"] == "risky"]  # on the launch facts alone, nothing else is known
    codes = {reason["code"] for r in risky for reason in r["token_data"]["analysis"]["reasons"]}
    assert risky and codes & {"serial_launcher", "creator_launch_buy_high"}
    bonk = next(r for r in records if r["token_data"]["launch"]["pool"] == "bonk")
    assert bonk["token_data"]["launch"]["progress"] is None  # a bonk launch has no pump.fun curve
    named_blank = [r for r in records if r["token_data"]["name"] is None]
    assert len(named_blank) == 1
    migrated_in_session = {m["mint"] for m in map(json.loads, frames) if m.get("txType") == "migrate"} & real
    assert figures["migrations_unknown"] == 7 - len(migrated_in_session)


def test_a_polled_look_at_a_token_the_stream_saw_keeps_its_launch_facts(simulator: SimulatorServer) -> None:
    polled = [{"chain": "solana", "name": "Seen Twice", "symbol": "TWICE"}]  # on the feeds, not on the stream
    (injected,) = requests.post(f"{simulator.url}/_sim/tokens", json=polled, timeout=5).json()
    services, _ = sim_services(simulator, PUMPPORTAL_WS_URL="")
    try:
        launch_facts = {"creator": "8sxf7tQ6nRWe6KYc8qqzVzzD1EJsu4gBvV8zSvwsJmvd", "pool": "pump", "progress": 0.4,
                        "creator_buy_share": 0.3, "migrated": False, "creator_launches_24h": 4}  # fmt: skip
        at = datetime.now(UTC) - timedelta(hours=1)
        services.store.upsert("solana", injected["address"], {"name": "Seen Twice", "launch": launch_facts}, 50,
                              "risky", False, at)  # fmt: skip
        services.service.trigger_scan(max_tokens=20)
        (record,) = [r for r in services.store.recent(200) if r.address == injected["address"]]
    finally:
        services.close()
    codes = {reason["code"] for reason in record.data["analysis"]["reasons"]}
    assert {"serial_launcher", "creator_launch_buy_high"} <= codes and record.risk_level == "risky"
    assert record.data["launch"]["creator_launches_24h"] == 4 and "pumpportal.stream" not in record.data["sources"]


def test_a_second_creation_of_a_known_mint_changes_nothing(app: LiveApp, simulator) -> None:
    watcher = TokenWatcher(app.url)
    try:
        (address,) = launch(simulator, name="The Real One")
        (first,) = watcher.wait_for({address}, timeout=10)
        item = json.loads((REAL_DIR / "create_65R6MSmd_2gr4Vt.json").read_text(encoding="utf-8"))
        forged = [json.dumps({**item, "mint": address, "name": "Forged Name", "signature": "5" * 87}),
                  json.dumps({**item, "mint": address, "name": "Forged Again", "signature": "6" * 87})]  # fmt: skip
        assert requests.post(f"{simulator.url}/_sim/stream/replay", json=forged, timeout=5).json()["delivered"] == 2
        until(lambda: stream_figures(app)["repeated"] == 2)
    finally:
        watcher.close()
    stored = requests.get(f"{app.url}/api/discovery/recent?limit=10", timeout=5).json()["tokens"]
    (record,) = [r for r in stored if r["token_address"] == address]
    assert record["token_data"]["name"] == "The Real One" and record["seq"] == first["seq"]
    assert not watcher.updates  # nothing was re-analysed or announced again


def test_a_launch_once_heard_is_kept_when_a_later_analysis_did_not_hear_it() -> None:
    from token_discovery.events import RecordingNotifier
    from token_discovery.scan.publisher import Publisher
    from token_discovery.store.sqlite import SQLiteStore

    store = SQLiteStore(":memory:", 10)
    publisher, at = Publisher(store, RecordingNotifier()), datetime.now(UTC)
    heard = {"name": "Pumped", "launch": {"creator": "someone", "creator_launches_24h": 4}}
    publisher.publish(("solana", "MintA"), heard, 60, "risky", True, at)
    publisher.publish(("solana", "MintA"), {"name": "Pumped", "launch": None}, 60, "risky", True, at)
    (record,) = store.recent(1)
    assert record.data["launch"] == heard["launch"]
