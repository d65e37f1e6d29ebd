"""The commands of the contract run as processes and do what they say."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
import socketio

from tests.live_server import ROOT, LiveApp, free_port
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration


def test_scanner_once_prints_the_scan_report(simulator: SimulatorServer, tmp_path: Path) -> None:
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "t.db"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "token_discovery_service.py", "--once", "--max-tokens", "4"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["success"] and report["tokens_stored"] == 4 and report["upstream_calls"] >= 3


def test_scanner_refuses_a_bad_configuration(tmp_path: Path) -> None:
    env = {"DISCOVERY_INTERVAL": "abc", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "token_discovery_service.py", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0
    assert "DISCOVERY_INTERVAL must be an integer between 10 and 86400, got 'abc'" in done.stderr


def test_the_simulator_runs_alone_as_a_server() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "token_discovery.simulator", "--port", str(port), "--seed", "3"],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert "simulated upstream on" in process.stderr.readline()  # type: ignore[union-attr]
        profiles = requests.get(f"http://127.0.0.1:{port}/token-profiles/latest/v1", timeout=5).json()
        assert len(profiles) == 30
    finally:
        process.terminate()
        process.wait(10)


def test_the_demo_streams_tokens_to_a_browser_client_within_seconds(tmp_path: Path) -> None:
    demo = LiveApp({"SQLITE_PATH": str(tmp_path / "demo.db")}, args=("--demo",)).start()
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("new_token", lambda record: arrived.set())
    try:
        client.connect(demo.url, transports=["websocket"], wait_timeout=10)
        client.emit("join_discovery", {"last_seq": 0})  # tokens stored before we joined are replayed
        assert arrived.wait(20)
        assert requests.get(f"{demo.url}/api/discovery/status", timeout=5).json()["status"]["auto_discovery_active"]
        assert f"admin console {demo.url}/admin, token " in demo.output()
    finally:
        client.disconnect()
        demo.stop()


def test_without_gevent_the_app_serves_with_threads_and_says_so(simulator: SimulatorServer, tmp_path: Path) -> None:
    blocker = tmp_path / "no_gevent" / "gevent"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('gevent is not installed here')\n")
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "t.db"), "PYTHONPATH": str(blocker.parent),
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    app = LiveApp(env).start()
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("new_token", lambda record: arrived.set())
    try:
        client.connect(app.url, transports=["websocket"], wait_timeout=10)
        client.emit("join_discovery")
        requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 2}, timeout=30).raise_for_status()
        assert arrived.wait(10)
        assert "gevent is not installed: serving with threads" in app.output()
    finally:
        client.disconnect()
        app.stop()
