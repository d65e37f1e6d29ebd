"""Two app processes sharing Redis and a database make one scan between them and both stream its tokens."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
import socketio

from tests.live_server import LiveApp
from tests.own_redis import OwnRedis
from tests.stream_support import TokenWatcher, launch, sim_stats, until
from tests.webhook_receiver import WebhookReceiver
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


def test_two_deployments_on_one_redis_leak_nothing(simulator: SimulatorServer, tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    base = {**simulator.base_urls(), "REDIS_URL": REDIS_URL, "DISCOVERY_MIN_INTERVAL": "0"}
    # No REDIS_PREFIX: each derives its own from its database's name (td:alpha: and td:beta:).
    alpha = LiveApp({**base, "SQLITE_PATH": str(tmp_path / "alpha.db")}).start()
    beta = LiveApp({**base, "SQLITE_PATH": str(tmp_path / "beta.db")}).start()
    clients, got = {}, {"alpha": threading.Event(), "beta": threading.Event()}
    try:
        for name, app in (("alpha", alpha), ("beta", beta)):
            client = socketio.Client(reconnection=False)
            client.on("new_token", lambda record, name=name: got[name].set())
            joined = threading.Event()
            client.on("joined_discovery", lambda data, joined=joined: joined.set())
            client.connect(app.url, transports=["websocket"], wait_timeout=10)
            client.emit("join_discovery")
            assert joined.wait(10)
            clients[name] = client
        answer = requests.post(f"{beta.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=60).json()
        assert answer["success"] and answer["tokens_stored"] == 5
        assert got["beta"].wait(10)  # beta's own client hears its tokens over the shared Redis...
        assert not got["alpha"].wait(1.0)  # ...alpha's client hears nothing of them
        alpha_status = requests.get(f"{alpha.url}/api/discovery/status", timeout=5).json()["status"]
        assert alpha_status["total_scans"] == 0 and alpha_status["tokens_in_database"] == 0
        keys = {key.decode() for key in redis.Redis.from_url(REDIS_URL).keys("*")}
        assert keys and all(key.startswith(("td:alpha:", "td:beta:")) for key in keys), keys
        assert any(key.startswith("td:beta:") for key in keys) and not any(k.startswith("td:alpha:scan") for k in keys)
    finally:
        for client in clients.values():
            client.disconnect()
        alpha.stop()
        beta.stop()


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"])
def test_sigterm_hands_the_scan_lease_over_within_seconds(simulator, tmp_path: Path, server: str) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "shared.db"), "REDIS_URL": REDIS_URL,
           "DISCOVERY_MIN_INTERVAL": "0", "HTTP_READ_TIMEOUT": "30", "HTTP_CALL_DEADLINE": "60",
           "DISCOVERY_TRIGGER_WAIT": "0"}  # fmt: skip
    holder, other = LiveApp(env, server=server).start(), LiveApp(env, server=server).start()
    try:
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "*", "mode": "slow", "count": 500},
                      timeout=5).raise_for_status()  # fmt: skip
        started = requests.post(f"{holder.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=5).json()
        lease = redis.Redis.from_url(REDIS_URL).get("td:shared:scan:lease")
        assert lease is not None and started["scan_id"].encode() in lease  # the holder's scan hangs upstream
        holder_log = holder.output() if hasattr(holder, "output") else ""
        holder.stop()  # SIGTERM
        requests.delete(f"{simulator.url}/_sim/faults", timeout=5)
        began = time.monotonic()
        answer = requests.post(f"{other.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=30).json()
        assert answer["success"] and answer["scan_id"] != started["scan_id"], (answer, holder_log, other.output())
        assert time.monotonic() - began < 5  # not waiting out the stopped holder's deadline
    finally:
        holder.stop()
        other.stop()


def test_after_a_redis_restart_every_client_of_every_process_gets_every_token_once_in_order(
    simulator: SimulatorServer, tmp_path: Path
) -> None:
    own = OwnRedis(tmp_path).start()
    # After the restart the budget takes a window as spent: a short window keeps the test short.
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "shared.db"), "REDIS_URL": own.url,
           "DISCOVERY_MIN_INTERVAL": "0", "ANALYSIS_CACHE_TTL": "0", "BUDGET_WINDOW_SECONDS": "2"}  # fmt: skip
    scanner, follower = LiveApp(env).start(), LiveApp(env).start()
    received: list[int] = []
    client = socketio.Client(reconnection=False)
    client.on("new_token", lambda record: received.append(record["seq"]))
    joined = threading.Event()
    client.on("joined_discovery", lambda data: joined.set())
    try:
        client.connect(follower.url, transports=["websocket"], wait_timeout=10)
        client.emit("join_discovery")
        assert joined.wait(10)
        assert requests.post(f"{scanner.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=60).json()[
            "success"
        ]
        own.kill()  # Redis goes away, with the queue's subscriptions...
        own.start()  # ...and comes back empty: the follower's listener is backing off
        scans, deadline = 0, time.monotonic() + 30
        while scans < 3:  # the first tries may be refused: the budget Redis forgot is taken as spent for a window
            answer = requests.post(f"{scanner.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=60).json()
            scans += int(bool(answer.get("success")) and answer.get("tokens_stored", 0) > 0)
            assert time.monotonic() < deadline, answer
            time.sleep(0.5)
        newest = requests.get(f"{scanner.url}/api/discovery/recent?limit=1", timeout=5).json()["tokens"][0]["seq"]
        deadline = time.monotonic() + 20
        while len(received) < newest and time.monotonic() < deadline:
            time.sleep(0.1)  # the follower fills from the store what the queue lost
        assert received == list(range(1, newest + 1))  # every token once, in order
    finally:
        client.disconnect()
        scanner.stop()
        follower.stop()
        own.kill()


def test_a_cluster_makes_each_signal_once_and_every_process_delivers_it(simulator: SimulatorServer,
                                                                          tmp_path: Path) -> None:  # fmt: skip
    redis.Redis.from_url(REDIS_URL).flushdb()
    receiver = WebhookReceiver().start()
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "shared.db"), "REDIS_URL": REDIS_URL,
           "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "TELEGRAM_BOT_TOKEN": "123456789:cluster-test-bot-token-abcdef",
           "DISCOVERY_MIN_INTERVAL": "0"}  # fmt: skip
    apps = [LiveApp(env).start(), LiveApp(env).start()]
    got: list[str] = []
    arrived = threading.Condition()

    def on_signal(signal: dict) -> None:
        with arrived:
            got.append(signal["id"])
            arrived.notify_all()

    client = socketio.Client(reconnection=False)
    client.on("signal", on_signal)
    try:
        made = requests.post(f"{apps[0].url}/api/watchers", timeout=5, json={
            "name": "all", "rules": {}, "webhook_url": receiver.url, "telegram_chat_id": 5150}).json()  # fmt: skip
        client.connect(apps[1].url, transports=["websocket"], wait_timeout=10)  # the other process's socket
        assert client.call("join_signals", {"owner_key": made["owner_key"]}, timeout=10)["success"]
        scan = requests.post(f"{apps[0].url}/api/discovery/trigger", json={"max_tokens": 10}, timeout=60).json()
        new = scan["tokens_stored"]
        assert new > 0 and receiver.wait_for(new, 20)
        with arrived:
            assert arrived.wait_for(lambda: len(got) >= new, 20)
        deadline = time.monotonic() + 20
        messages = requests.get(f"{simulator.url}/_sim/telegram", timeout=5).json()["messages"]
        while sum(m["text"].count("🔔") for m in messages) < new and time.monotonic() < deadline:
            time.sleep(0.2)  # a chat gets what waited for it 3 s later, in one message
            messages = requests.get(f"{simulator.url}/_sim/telegram", timeout=5).json()["messages"]
    finally:
        client.disconnect()
        for app in apps:
            app.stop()
        receiver.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()
    hooks = [post.headers["X-Signal-Id"] for post in receiver.received]
    assert len(hooks) == len(set(hooks)) == new  # one webhook call per signal, not one per process
    assert sorted(got) == sorted(hooks)  # the socket on the other process got each one, once
    assert sum(m["text"].count("🔔") for m in messages) == new  # and the chat each one, once


def test_two_processes_hold_one_stream_connection_and_the_survivor_takes_it_over(simulator, tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "shared.db"), "REDIS_URL": REDIS_URL,
           "STREAM_FLUSH_SECONDS": "0.3", "ADMIN_TOKEN": "cluster-admin-token-1",
           "BUDGET_GOPLUS_PER_MINUTE": "600", "BUDGET_DEXSCREENER_MARKET_PER_MINUTE": "600"}  # fmt: skip
    apps = [LiveApp(env, server="gunicorn").start(), LiveApp(env, server="gunicorn").start()]
    watchers: list[TokenWatcher] = []
    try:
        until(lambda: sim_stats(simulator)["connections"] == 1)
        watchers = [TokenWatcher(app.url) for app in apps]
        first = set(launch(simulator, count=3))
        for watcher in watchers:  # each client hears each token once, whichever process holds the stream
            watcher.wait_for(first)
            assert sorted(r["token_address"] for r in watcher.tokens) == sorted(first)
        assert sim_stats(simulator)["connections"] == 1  # one connection for the whole deployment, all along
        holder = next(app for app in apps if stream_state(app) == "live")
        survivor = next(app for app in apps if app is not holder)
        assert stream_state(survivor) == "standby"
        opened = sim_stats(simulator)["stream"]["opened"]
        assert holder.process is not None
        holder.process.kill()  # no goodbye: the lease lapses and the other process takes the stream over
        until(lambda: sim_stats(simulator)["stream"]["opened"] > opened and stream_state(survivor) == "live", 30)
        assert sim_stats(simulator)["connections"] == 1
        later = set(launch(simulator, count=2))
        survivor_watcher = watchers[apps.index(survivor)]
        survivor_watcher.wait_for(later)
        assert len([r for r in survivor_watcher.tokens if r["token_address"] in later]) == 2
    finally:
        for watcher in watchers:
            watcher.client.disconnect()
        for app in apps:
            app.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()


def stream_state(app: LiveApp) -> str:
    """Whether this process holds the stream ("live") or waits for it ("standby")."""
    answer = requests.get(f"{app.url}/api/admin/stats", headers={"Authorization": "Bearer cluster-admin-token-1"},
                          timeout=5)  # fmt: skip
    return answer.json()["stream"]["state"]
