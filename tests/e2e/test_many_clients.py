"""Many clients on the production configuration: 2,000 websocket clients held while /healthz keeps answering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live_server import LiveApp
from tests.swarm import HealthWatch, Swarm, uncapped_connections_env
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration
CLIENTS = 2000
TOKENS = 20
# Seconds: the bench's target is 200 ms on a quiet machine; a test shares 2 cores with 2,000 Node clients.
HEALTH_BOUND = 0.5


@pytest.fixture
def production(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    """gunicorn -c gunicorn.conf.py app:app on a free port, a fresh database, every client allowed from 127.0.0.1."""
    env = {
        **simulator.base_urls(),
        **uncapped_connections_env(CLIENTS),
        "SQLITE_PATH": str(tmp_path / "tokens.db"),
        "AUTO_START_DISCOVERY": "false",
        "DISCOVERY_TRIGGER_WAIT": "60",
        "ACCESS_LOG": "false",
    }
    app = LiveApp(env, server="gunicorn").start()
    yield app
    app.stop()


def test_2000_websocket_clients_each_get_every_new_token_once_while_healthz_answers(production: LiveApp) -> None:
    swarm = Swarm(production.url, CLIENTS, processes=2).launch()
    try:
        with HealthWatch(production.url) as health:
            swarm.connect(within=60)
            answer = requests.post(f"{production.url}/api/discovery/trigger", json={"max_tokens": TOKENS}, timeout=90)
            assert answer.json()["tokens_new"] == TOKENS
            assert swarm.await_tokens(TOKENS, within=60), "some clients did not get every token"
        report = swarm.report()
    finally:
        swarm.close()
    stored = requests.get(f"{production.url}/api/discovery/recent", params={"limit": TOKENS}, timeout=10).json()
    expected = sorted(record["seq"] for record in stored["tokens"])
    assert len(report.clients) == CLIENTS and report.lost == 0
    assert all(client.seqs == expected for client in report.clients)  # every token once, in seq order
    assert health.samples and health.failures == 0, "/healthz failed to answer 200"
    assert health.slowest() < HEALTH_BOUND, f"/healthz took {health.slowest() * 1000:.0f} ms"
    metrics = requests.get(f"{production.url}/metrics", timeout=10).text
    ways = {way: float(n) for way, n in re.findall(r'td_broadcast_deliveries_total\{way="(\w+)"\} (\S+)', metrics)}
    assert ways["direct"] + ways["queued"] >= CLIENTS * TOKENS  # the room's broadcasts: new tokens and the rest
    assert ways["direct"] > 0.8 * (ways["direct"] + ways["queued"])  # idle websockets got frames without a queue
