"""Two app processes sharing Redis and a database make one scan between them and both stream its tokens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
import socketio

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration
REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def cluster(simulator: SimulatorServer, tmp_path: Path) -> Iterator[list[LiveApp]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **simulator.base_urls(),
        "SQLITE_PATH": str(tmp_path / "shared.db"),
        "REDIS_URL": REDIS_URL,
        "DISCOVERY_MIN_INTERVAL": "30",
        "RATE_LIMIT_TRIGGER": "1000 per minute",  # every simulated user shares 127.0.0.1
    }
    apps = [LiveApp(env).start(), LiveApp(env).start()]
    for app in apps:  # each process accepts browsers from either origin
        app.env["ALLOWED_ORIGINS"] = ",".join(a.url for a in apps)
    yield apps
    for app in apps:
        app.stop()
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_triggers_on_two_processes_share_one_scan_and_both_stream(cluster: list[LiveApp], simulator) -> None:
    first, second = cluster
    received: list[int] = []
    done = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("new_token", lambda record: (received.append(record["seq"]), len(received) >= 10 and done.set()))
    joined = threading.Event()
    client.on("joined_discovery", lambda data: joined.set())
    client.connect(second.url, transports=["websocket"], wait_timeout=10)
    client.emit("join_discovery")
    assert joined.wait(10)
    try:
        urls = [first.url, second.url] * 25
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(lambda url: requests.post(f"{url}/api/discovery/trigger",
                                                              json={"max_tokens": 10}, timeout=60), urls))  # fmt: skip
        bodies = [a.json() for a in answers]
        assert {a.status_code for a in answers} == {200}, bodies[:3]
        assert len({b["scan_id"] for b in bodies}) == 1
        stats = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()
        assert stats["total_calls"] == bodies[0]["upstream_calls"]
        assert done.wait(15)
        assert received == list(range(1, 11))  # broadcast through the Redis message queue, once each
        for app in cluster:
            status = requests.get(f"{app.url}/api/discovery/status", timeout=5).json()["status"]
            assert status["total_scans"] == 1 and status["tokens_in_database"] == 10
    finally:
        client.disconnect()
