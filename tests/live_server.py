"""Start the app as a real server process on a free loopback port, and stop it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveApp:
    """`python app.py` in a subprocess, configured by environment variables."""

    def __init__(
        self, env: dict[str, str], port: int | None = None, server: str = "werkzeug", args: tuple[str, ...] = ()
    ) -> None:
        self.server, self.args = server, args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        defaults = {"ALLOWED_ORIGINS": "", "LOG_LEVEL": "WARNING", "HOST": "127.0.0.1", "PORT": str(self.port),
                    "ACCESS_LOG": "false"}  # fmt: skip
        self.env = {**os.environ, **defaults, **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.log: Any = None

    def start(self, ready_within: float = 20.0) -> LiveApp:
        """Start and wait until /healthz answers."""
        command = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(self.port), *self.args]
        if self.server == "gunicorn":
            bind = f"127.0.0.1:{self.port}"
            command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", bind, "app:app"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - a file, not a pipe: a chatty server never blocks on it
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=self.log)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app exited: {self.output()[-2000:]}")
            try:
                requests.get(f"{self.url}/healthz", timeout=0.5)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.05)  # readiness probe: the server is not listening or not answering yet
        self.stop()
        raise RuntimeError("app did not start in time")

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.log is not None:
            self.log.close()
            self.log = None

    def output(self) -> str:
        """What the server wrote to stderr so far."""
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def top_up_tokens(database: Path, wanted: int = 200) -> int:
    """Store copies of the tokens already in a SQLite file, under new addresses, until it holds `wanted`.

    A second connection writes them, as another process would; returns how many tokens the file holds.
    """
    from token_discovery.store.sqlite import SQLiteStore

    store = SQLiteStore(str(database), wanted)
    try:
        scanned = store.recent(wanted)
        for n in range(wanted - len(scanned)):
            model = scanned[n % len(scanned)]
            store.upsert(model.chain, f"{model.address[:-6]}{n:06d}", model.data, model.risk_score,
                         model.risk_level, model.complete, model.scanned_at)  # fmt: skip
        return store.count()
    finally:
        store.close()
