"""Done-when checks against the app running as a real server process and the simulator over HTTP."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import engineio
import pytest
import requests
import socketio

from tests.live_server import LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration
JS_DIR = Path(__file__).parents[1] / "js"


@pytest.fixture
def app_env(simulator: SimulatorServer, tmp_path: Path) -> dict[str, str]:
    return {
        **simulator.base_urls(),
        "SQLITE_PATH": str(tmp_path / "tokens.db"),
        "DISCOVERY_MIN_INTERVAL": "30",
        "DISCOVERY_INTERVAL": "3600",
        "AUTO_START_DISCOVERY": "false",
        "RATE_LIMIT_TRIGGER": "1000 per minute",  # every simulated user shares 127.0.0.1
        "SOCKET_MAX_PER_ADDRESS": "0",  # and so does every simulated browser
    }


@pytest.fixture
def live(app_env: dict[str, str]) -> Iterator[LiveApp]:
    server = LiveApp(app_env).start()
    yield server
    server.stop()


def sim_stats(simulator: SimulatorServer) -> dict:
    return requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()


def test_100_concurrent_triggers_and_the_auto_loop_make_one_scan(app_env, simulator: SimulatorServer) -> None:
    server = LiveApp({**app_env, "AUTO_START_DISCOVERY": "true"}).start()
    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            post = lambda _: requests.post(f"{server.url}/api/discovery/trigger", json={}, timeout=60)  # noqa: E731
            answers = list(pool.map(post, range(100)))
        bodies = [a.json() for a in answers]
        assert {a.status_code for a in answers} == {200}
        assert len({b["scan_id"] for b in bodies}) == 1
        assert {b["total_scans"] for b in bodies} == {1}
        status = requests.get(f"{server.url}/api/discovery/status", timeout=5).json()["status"]
        assert status["total_scans"] == 1 and status["auto_discovery_active"]
        assert sim_stats(simulator)["total_calls"] == bodies[0]["upstream_calls"]
    finally:
        server.stop()


class Listener:
    """A python-socketio client over websocket that records the seq of every new_token."""

    def __init__(self, url: str, expected: int) -> None:
        self.seqs: list[int] = []
        self.expected = expected
        self.complete = threading.Event()
        self.joined = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("new_token", self._on_token)
        self.client.on("joined_discovery", lambda data: self.joined.set())
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.client.emit("join_discovery")

    def _on_token(self, record: dict) -> None:
        self.seqs.append(record["seq"])
        if len(self.seqs) >= self.expected:
            self.complete.set()


def test_50_clients_each_receive_every_new_token_once_in_order(live: LiveApp, simulator: SimulatorServer) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        listeners = list(pool.map(lambda _: Listener(live.url, expected=12), range(50)))
    try:
        assert all(listener.joined.wait(10) for listener in listeners)
        result = requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 12}, timeout=60).json()
        assert result["tokens_new"] == 12
        assert all(listener.complete.wait(15) for listener in listeners)
        expected = list(range(1, 13))
        for listener in listeners:
            assert listener.seqs == expected
    finally:
        with ThreadPoolExecutor(max_workers=50) as pool:  # each disconnect waits out its own close handshake
            list(pool.map(lambda listener: listener.client.disconnect(), listeners))


def test_stored_tokens_survive_a_restart_with_their_seq(app_env: dict[str, str]) -> None:
    first = LiveApp(app_env).start()
    try:
        requests.post(f"{first.url}/api/discovery/trigger", json={"max_tokens": 7}, timeout=60)
        before = requests.get(f"{first.url}/api/discovery/recent", timeout=5).json()["tokens"]
    finally:
        first.stop()
    second = LiveApp(app_env).start()
    try:
        after = requests.get(f"{second.url}/api/discovery/recent", timeout=5).json()["tokens"]
        assert [(t["seq"], t["token_address"]) for t in after] == [(t["seq"], t["token_address"]) for t in before]
        assert len(after) == 7
    finally:
        second.stop()


@pytest.fixture(params=["werkzeug", "gunicorn"])
def any_server(request: pytest.FixtureRequest, app_env: dict[str, str]) -> Iterator[LiveApp]:
    """The app under the built-in server and under gunicorn with the gevent worker."""
    server = LiveApp(app_env, server=request.param).start()
    yield server
    server.stop()


def test_the_official_javascript_client_receives_new_tokens_over_websocket(any_server: LiveApp) -> None:
    live = any_server
    assert shutil.which("node"), "Node.js is needed: run `make system-deps`"
    assert (JS_DIR / "node_modules" / "socket.io-client").is_dir(), "run `make system-deps` (npm install)"
    command = ["node", str(JS_DIR / "receive_new_token.mjs"), live.url, "3", "20000"]
    node = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in node.stdout:  # type: ignore[union-attr]
            lines.append(json.loads(line))
            if lines[-1]["event"] in ("joined", "done"):
                break
        assert lines[-1]["event"] == "joined", lines
        assert lines[0] == {"event": "connected", "transport": "websocket"}
        requests.post(f"{live.url}/api/discovery/trigger", json={"max_tokens": 3}, timeout=60)
        done = json.loads(node.stdout.read().strip().splitlines()[-1])  # type: ignore[union-attr]
        assert node.wait(30) == 0, done
        assert done["transport"] == "websocket" and done["tokens"] == [1, 2, 3]
    finally:
        if node.poll() is None:
            node.kill()
        node.stdout.close()  # type: ignore[union-attr]


def test_socket_connections_from_other_origins_are_refused(live: LiveApp) -> None:
    stranger = socketio.Client(reconnection=False)
    with pytest.raises((socketio.exceptions.ConnectionError, engineio.exceptions.ConnectionError)):
        stranger.connect(live.url, transports=["websocket"], headers={"Origin": "https://evil.test"}, wait_timeout=5)
    friend = socketio.Client(reconnection=False)
    friend.connect(live.url, transports=["websocket"], wait_timeout=5)  # the client sends the app's own origin
    assert friend.connected
    friend.disconnect()


def test_a_15_second_sqlite_lock_keeps_healthz_fast_and_degraded_under_gunicorn(app_env: dict[str, str]) -> None:
    app = LiveApp(app_env, server="gunicorn").start()
    try:
        holder = sqlite3.connect(app_env["SQLITE_PATH"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock for 15 s
        locked_at, seen = time.monotonic(), []
        while time.monotonic() - locked_at < 15:
            started = time.monotonic()
            body = requests.get(f"{app.url}/healthz", timeout=5).json()
            assert time.monotonic() - started < 0.5, "a locked store slowed /healthz down"
            seen.append(body["status"])
            time.sleep(0.25)  # a load balancer's polling pace
        assert seen[-1] == "degraded" and "degraded" in seen[: len(seen) // 2 + 1]  # said within the first 7.5 s
        holder.execute("ROLLBACK")
        holder.close()
        deadline = time.monotonic() + 15
        while requests.get(f"{app.url}/healthz", timeout=5).json()["status"] != "ok":
            assert time.monotonic() < deadline, "health did not recover once the lock was gone"
            time.sleep(0.25)
    finally:
        app.stop()


def test_a_scan_blocked_on_a_locked_sqlite_file_freezes_nobody_under_gunicorn(app_env: dict[str, str]) -> None:
    app = LiveApp({**app_env, "DISCOVERY_TRIGGER_WAIT": "0"}, server="gunicorn").start()
    try:
        holder = sqlite3.connect(app_env["SQLITE_PATH"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # the scan's writes now wait 5 s each for the lock
        assert requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=5).status_code == 202
        slowest = 0.0
        for _ in range(20):  # meanwhile the worker keeps answering everybody else
            for path in ("/healthz", "/api/discovery/status", "/api/discovery/recent?limit=5", "/"):
                started = time.monotonic()
                assert requests.get(f"{app.url}{path}", timeout=5).status_code == 200
                slowest = max(slowest, time.monotonic() - started)
        assert slowest < 0.5, f"a request waited {slowest:.2f} s behind the locked database"
        holder.execute("ROLLBACK")
        holder.close()
    finally:
        app.stop()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def churn(url: str, clients: int) -> None:
    """Connect `clients` Socket.IO clients, join the room, and disconnect them all."""

    def one(_: int) -> None:
        client = socketio.Client(reconnection=False)
        joined = threading.Event()
        client.on("joined_discovery", lambda data: joined.set())
        client.connect(url, transports=["websocket"], wait_timeout=10)
        client.emit("join_discovery")
        assert joined.wait(10)
        client.disconnect()

    with ThreadPoolExecutor(max_workers=25) as pool:
        list(pool.map(one, range(clients)))


def test_an_address_at_its_socket_cap_is_refused_with_a_reason_then_admitted_when_one_closes(
    app_env: dict[str, str],
) -> None:
    app = LiveApp({**app_env, "SOCKET_MAX_PER_ADDRESS": "3"}).start()
    try:
        held = [socketio.Client(reconnection=False) for _ in range(3)]
        for client in held:
            client.connect(app.url, transports=["websocket"], wait_timeout=5)
        refused = socketio.Client(reconnection=False)
        reasons: list[object] = []
        refused.on("connect_error", reasons.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            refused.connect(app.url, transports=["websocket"], wait_timeout=5)
        assert reasons and "too many connections from this address: at most 3" in str(reasons[0])
        forged = socketio.Client(reconnection=False)  # with no trusted proxy, X-Forwarded-For is not believed
        with pytest.raises(socketio.exceptions.ConnectionError):
            forged.connect(app.url, transports=["websocket"], headers={"X-Forwarded-For": "203.0.113.9"},
                           wait_timeout=5)  # fmt: skip
        assert requests.get(f"{app.url}/healthz", timeout=5).status_code == 200  # the service goes on
        held.pop().disconnect()
        admitted = socketio.Client(reconnection=False)
        deadline = time.monotonic() + 5  # the server hears of the close a moment after the client
        while not admitted.connected:
            try:
                admitted.connect(app.url, transports=["websocket"], wait_timeout=5)
            except socketio.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "the closed connection was never released"
        with ThreadPoolExecutor(4) as pool:  # each client takes a few seconds to close
            list(pool.map(lambda client: client.disconnect(), [*held, admitted]))
    finally:
        app.stop()


def test_behind_a_trusted_proxy_the_socket_cap_counts_each_real_client(app_env: dict[str, str]) -> None:
    app = LiveApp({**app_env, "SOCKET_MAX_PER_ADDRESS": "1", "TRUSTED_PROXY_COUNT": "1"}).start()
    clients = []
    try:
        for address in ("203.0.113.1", "203.0.113.2"):  # two traders behind the same proxy
            client = socketio.Client(reconnection=False)
            client.connect(app.url, transports=["websocket"], headers={"X-Forwarded-For": address}, wait_timeout=5)
            clients.append(client)
        again = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            again.connect(app.url, transports=["websocket"], headers={"X-Forwarded-For": "203.0.113.1"},
                          wait_timeout=5)  # fmt: skip
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda client: client.disconnect(), clients))
    finally:
        app.stop()


def test_make_runs_server_keeps_its_memory_flat_under_client_churn(app_env: dict[str, str]) -> None:
    app = LiveApp(app_env).start()  # python app.py: gevent since it monkey-patches at start
    try:
        for _ in range(3):  # warm-up: the first connections fill pools and caches, and the collector, which
            churn(app.url, 100)  # runs less often in a server process, reaches its steady state
        before = rss_mb(app.process.pid)
        sizes = []
        for _ in range(3):
            churn(app.url, 100)
            sizes.append(round(rss_mb(app.process.pid) - before, 1))
        assert sizes[-1] < 6, f"MB more after each 100 connections came and went: {sizes}"
        stats = requests.get(f"{app.url}/metrics", timeout=5).text
        assert "td_socket_clients 0.0" in stats  # every closed socket left the count
    finally:
        app.stop()


def test_a_restart_never_lets_a_window_exceed_its_limit(app_env: dict[str, str], simulator: SimulatorServer) -> None:
    env = {**app_env, "BUDGET_GOPLUS_PER_MINUTE": "2", "DISCOVERY_MIN_INTERVAL": "0", "ANALYSIS_CACHE_TTL": "0",
           "TRIGGER_BUDGET_SHARE": "1"}  # fmt: skip

    def goplus_calls() -> int:
        calls = sim_stats(simulator)["calls"]
        return calls["goplus.token_security"] + calls["goplus.solana_token_security"]

    first = LiveApp(env).start()
    try:
        assert requests.post(f"{first.url}/api/discovery/trigger", json={"max_tokens": 60}, timeout=60).ok
    finally:
        first.stop()
    assert goplus_calls() == 2  # the minute's limit is spent
    second = LiveApp(env).start()  # a new process, the same database folder, within the minute
    try:
        answer = requests.post(f"{second.url}/api/discovery/trigger", json={"max_tokens": 60}, timeout=60).json()
        assert answer["success"] and answer["tokens_stored"] > 0  # discovery goes on...
        assert goplus_calls() == 2  # ...but GoPlus gets no call the previous process already spent
    finally:
        second.stop()
