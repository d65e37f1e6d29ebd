"""The operator's view: vitals in /api/admin/stats, per-minute series, and the live admin feed over Socket.IO."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from flask import Flask

from tests.service_support import ADMIN, make_app, sim_config
from token_discovery import events
from token_discovery.api.app import create_app, monitor_of, services_of, socketio_of
from token_discovery.monitoring.series import MinuteSeries
from token_discovery.simulator import SimulatorServer
from token_discovery.store.base import StoreUnavailable
from token_discovery.store.sqlite import SQLiteStore


class WallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_minute_series_counts_per_minute_with_zeros_and_forgets_old_minutes() -> None:
    clock = WallClock()
    series = MinuteSeries(minutes=5, clock=clock)
    series.add("calls", 3)
    clock.now += 60
    series.add("calls")
    series.add("rate_limited")
    points = series.series(["calls", "rate_limited"])
    assert len(points) == 5
    assert [p["calls"] for p in points] == [0, 0, 0, 3, 1] and points[-1]["rate_limited"] == 1
    assert points[-1]["minute"].endswith("+00:00")
    assert series.total("calls", 2) == 4 and series.total("calls", 1) == 1
    clock.now += 10 * 60
    series.add("calls")
    assert series.total("calls", 30) == 1  # the old minutes are gone


@pytest.fixture
def app(simulator: SimulatorServer) -> Iterator[Flask]:
    application = make_app(simulator)
    yield application
    services_of(application).close()


@pytest.mark.integration
def test_admin_stats_carry_the_vitals_of_the_seed(app: Flask) -> None:
    client = app.test_client()
    client.post("/api/discovery/trigger", json={"max_tokens": 4})
    body = client.get("/api/admin/stats", headers=ADMIN).get_json()
    assert body["timestamp"].endswith("+00:00") and body["uptime_seconds"] >= 0
    assert body["tokens_per_minute"] == 4.0  # four stored in the first minute of uptime
    assert body["connected_clients"] == 0
    socket = socketio_of(app).test_client(app)
    assert client.get("/api/admin/stats", headers=ADMIN).get_json()["connected_clients"] == 1
    socket.disconnect()


@pytest.mark.integration
def test_the_admin_feed_needs_the_session_and_pushes_budget_per_minute(app: Flask) -> None:
    client = app.test_client()
    client.post("/api/discovery/trigger", json={"max_tokens": 4})
    stranger = socketio_of(app).test_client(app)
    stranger.get_received()
    stranger.emit(events.JOIN_ADMIN, {"token": ADMIN["Authorization"].split()[1]})  # no token over the socket
    assert not stranger.is_connected()  # told why, then disconnected: no admin_stats, no second guess

    assert client.post("/admin/login", data={"token": ADMIN["Authorization"].split()[1]}).status_code == 303
    admin = socketio_of(app).test_client(app, flask_test_client=client)
    admin.emit(events.JOIN_ADMIN)
    (snapshot,) = [m["args"][0] for m in admin.get_received() if m["name"] == events.ADMIN_STATS]
    assert snapshot["connected_clients"] == 1 and snapshot["tokens_per_minute"] == 4.0
    goplus = snapshot["budget"]["goplus"]
    assert goplus["limit_per_minute"] == 30 and len(goplus["minutes"]) == 30
    made = services_of(app).gate.ledger.snapshot()["calls"]
    assert goplus["minutes"][-1]["calls"] == sum(n for r, n in made.items() if r.startswith("goplus"))
    assert snapshot["health"]["store"]["ok"] and snapshot["health"]["redis"] == {"configured": False}
    assert snapshot["status"]["tokens_in_database"] == 4 and snapshot["stats"]["database_usage"] == "4/200"
    admin.disconnect()
    assert monitor_of(app).connected_clients == 0


@pytest.mark.integration
def test_a_logged_in_console_joins_with_its_session_cookie(app: Flask) -> None:
    client = app.test_client()
    token = ADMIN["Authorization"].split()[1]
    assert client.post("/admin/login", data={"token": token}).status_code == 303
    socket = socketio_of(app).test_client(app, flask_test_client=client)
    socket.emit(events.JOIN_ADMIN)
    assert any(m["name"] == events.ADMIN_STATS for m in socket.get_received())
    socket.disconnect()


def test_health_names_a_rate_limited_upstream_with_the_time_it_comes_back(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "goplus.token_security", "mode": "4029"},
                      timeout=5).raise_for_status()  # fmt: skip
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "goplus.solana_token_security", "mode": "4029"},
                      timeout=5).raise_for_status()  # fmt: skip
        answer = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 10}).get_json()
        assert answer["success"] and answer["tokens_stored"] == 10  # the scan went on without GoPlus
        monitor_of(app).probe.refresh()
        health = app.test_client().get("/healthz").get_json()
        assert health["status"] == "degraded"
        assert any(reason.startswith("goplus rate-limited until ") for reason in health["reasons"]), health
    finally:
        services_of(app).close()


def test_health_says_when_the_store_cannot_be_written_and_recovers(simulator: SimulatorServer, tmp_path) -> None:
    path = tmp_path / "tokens.db"
    app = create_app(sim_config(simulator, SQLITE_PATH=str(path)), async_mode="threading")
    try:
        assert app.test_client().get("/healthz").get_json()["status"] == "ok"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        monitor_of(app).probe.refresh()
        started = time.perf_counter()
        health = app.test_client().get("/healthz").get_json()
        assert time.perf_counter() - started < 0.1
        assert health["status"] == "degraded" and health["reasons"][0].startswith("store not writable: database is")
        holder.execute("ROLLBACK")
        holder.close()
        monitor_of(app).probe.refresh()
        assert app.test_client().get("/healthz").get_json()["status"] == "ok"
        path.unlink()  # the file deleted under the running app
        monitor_of(app).probe.refresh()
        assert "is missing" in app.test_client().get("/healthz").get_json()["reasons"][0]
    finally:
        services_of(app).close()


CHATTR = shutil.which("chattr")


@pytest.mark.skipif(CHATTR is None or os.geteuid() != 0, reason="needs chattr and root to make a file read-only")
def test_a_store_read_only_at_start_writes_again_once_the_file_is_writable(tmp_path) -> None:
    path = tmp_path / "tokens.db"
    SQLiteStore(str(path)).close()
    subprocess.run([CHATTR, "+i", str(path)], check=True)  # read-only even for root
    try:
        store = SQLiteStore(str(path))
        with pytest.raises(StoreUnavailable, match="readonly"):
            store.upsert("base", "0x1", {}, 0, "unknown", False, datetime.now(UTC))
        with pytest.raises(StoreUnavailable):
            store.check_writable()
    finally:
        subprocess.run([CHATTR, "-i", str(path)], check=True)
    stored = store.upsert("base", "0x1", {}, 0, "unknown", False, datetime.now(UTC))  # no restart needed
    assert stored.created and store.count() == 1
    store.check_writable()
    store.close()
