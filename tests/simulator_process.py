"""The simulator in a process of its own, for benchmarks: the clients measured never slow its answers down."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from tests.live_server import ROOT, free_port


class SimulatorProcess:
    """The simulator in a process of its own, so the clients measured here never slow its answers down."""

    def __init__(self, seed: int, latency_ms: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "token_discovery.simulator", "--port", str(self.port), "--seed", str(seed),
                   "--spawn-seconds", "10000000", "--latency-ms", str(latency_ms)]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/_sim/stats", timeout=0.5)
                return
            except requests.ConnectionError:
                time.sleep(0.05)  # readiness probe: not listening yet
        raise SystemExit("the simulator did not start")

    def base_urls(self) -> dict[str, str]:
        """The upstream base URLs (and the pump.fun stream's) as environment variables."""
        return {"DEXSCREENER_BASE_URL": self.url, "GECKOTERMINAL_BASE_URL": f"{self.url}/api/v2",
                "GOPLUS_BASE_URL": f"{self.url}/api/v1", "TELEGRAM_API_BASE_URL": self.url,
                "PUMPPORTAL_WS_URL": "ws" + self.url.removeprefix("http") + "/api/data"}  # fmt: skip

    def stop(self) -> None:
        """End the process."""
        self.process.terminate()
        self.process.wait(10)
