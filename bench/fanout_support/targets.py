"""The servers bench/fanout.py measures: the app under gunicorn, the app's demo server, and a plain Node socket.io."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import requests

from tests.live_server import ROOT, LiveApp, free_port
from tests.swarm import uncapped_connections_env
from token_discovery.simulator import SimulatorServer

NODE_REFERENCE = ROOT / "bench" / "node_reference"
TRIGGER_TIMEOUT = 300.0


class Target(Protocol):
    """A running server the swarm connects to."""

    name: str
    url: str

    def server_pid(self) -> int:
        """The process that holds the connections."""
        ...

    def trigger(self, max_tokens: int) -> int:
        """Broadcast a scan's new tokens; how many."""
        ...

    def stop(self) -> None:
        """Stop the server."""
        ...


def app_env(workdir: Path, clients: int, simulator: SimulatorServer | None) -> dict[str, str]:
    """A fresh database, no auto-discovery, limits that let one address hold the swarm and trigger at will."""
    env = {
        "SQLITE_PATH": str(workdir / f"fanout-{time.monotonic_ns()}.db"),
        "AUTO_START_DISCOVERY": "false",
        "DISCOVERY_MIN_INTERVAL": "0",
        "DISCOVERY_TRIGGER_WAIT": "120",  # the trigger answers once the scan has stored (and broadcast) its tokens
        "RATE_LIMIT_TRIGGER": "100000 per minute",
        "RATE_LIMIT_DEFAULT": "100000 per minute",
        "ACCESS_LOG": "false",  # keeps the bench's stdout to the table; one line per request is not what is measured
        **uncapped_connections_env(clients),
    }
    return {**env, **simulator.base_urls()} if simulator is not None else env


def children(pid: int) -> list[int]:
    """The child processes of a process."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


class AppTarget:
    """The app as a real server process: `production` (gunicorn -c gunicorn.conf.py app:app) or `demo` (--demo)."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        server, args = ("gunicorn", ()) if name == "production" else ("werkzeug", ("--demo",))
        self.app = LiveApp(env, server=server, args=args).start(ready_within=60)
        self.url = self.app.url

    def server_pid(self) -> int:
        """gunicorn's worker (the master holds no connection), or app.py itself."""
        assert self.app.process is not None
        pid = self.app.process.pid
        return children(pid)[0] if self.name == "production" else pid

    def trigger(self, max_tokens: int) -> int:
        """POST /api/discovery/trigger and wait for the scan; its new tokens."""
        answer = requests.post(f"{self.url}/api/discovery/trigger", json={"max_tokens": max_tokens},
                               timeout=TRIGGER_TIMEOUT)  # fmt: skip
        body = answer.json()
        if answer.status_code != 200 or not body.get("success"):
            raise RuntimeError(f"{self.name}: the trigger answered {answer.status_code} {body}")
        return int(body["tokens_new"])

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The newest stored records, oldest first."""
        answer = requests.get(f"{self.url}/api/discovery/recent", params={"limit": limit}, timeout=30)
        return list(reversed(answer.json()["tokens"]))

    def stop(self) -> None:
        """Stop the server; its stderr goes with it."""
        self.app.stop()


def install_node_reference() -> None:
    """npm install in bench/node_reference when its node_modules is missing (from package-lock.json)."""
    assert shutil.which("node") and shutil.which("npm"), "Node.js and npm are needed: run `make system-deps`"
    if not (NODE_REFERENCE / "node_modules" / "socket.io").is_dir():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_REFERENCE, check=True)


class NodeTarget:
    """bench/node_reference/server.js: socket.io 4.8 broadcasting the given records, stamped as it emits them."""

    name = "node"

    def __init__(self, records: Path, ready_within: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["node", str(NODE_REFERENCE / "server.js"), str(self.port), str(records)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        if first_line(self.process, ready_within).get("event") != "listening":
            self.stop()
            raise RuntimeError("the Node reference server did not start")

    def server_pid(self) -> int:
        """node itself."""
        return self.process.pid

    def trigger(self, max_tokens: int) -> int:
        """POST /trigger: every record, at once; how many."""
        return int(requests.post(f"{self.url}/trigger", timeout=TRIGGER_TIMEOUT).json()["tokens_new"])

    def stop(self) -> None:
        """Terminate node and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def first_line(process: subprocess.Popen[str], within: float) -> dict[str, Any]:
    """The first JSON line a process writes on stdout; {} when none comes in time."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        return dict(json.loads(lines.get(timeout=within) or "{}"))
    except queue.Empty:
        return {}


def capture_records(simulator: SimulatorServer, workdir: Path, count: int) -> Path:
    """`count` records exactly as the app broadcasts them, from one scan of a production server, as a JSON file."""
    requests.post(f"{simulator.url}/_sim/reset", timeout=5)
    target = AppTarget("production", app_env(workdir, 0, simulator))
    try:
        target.trigger(count)
        records = target.recent(count)
    finally:
        target.stop()
    path = workdir / "records.json"
    path.write_text(json.dumps(records))
    return path


def rss_kb(pid: int) -> int:
    """Resident memory of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
