"""Helpers for tests of the pump.fun stream: launch tokens on the simulator's stream, watch what clients get."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import socketio

from token_discovery.simulator import SimulatorServer


def launch(simulator: SimulatorServer, count: int = 1, **spec: Any) -> list[str]:
    """Launch `count` pump.fun tokens on the simulator's stream; their addresses."""
    body = [{"chain": "solana", "name": f"Pump {n}", "symbol": f"PMP{n}", "source": "pumpfun", **spec}
            for n in range(count)]  # fmt: skip
    answer = requests.post(f"{simulator.url}/_sim/tokens", json=body, timeout=10)
    answer.raise_for_status()
    return [item["address"] for item in answer.json()]


def sim_stats(simulator: SimulatorServer) -> dict[str, Any]:
    """The simulator's counters."""
    return requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()


def until(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll a figure another process keeps until it is truthy (it has no event to await); its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(every)


class TokenWatcher:
    """A Socket.IO client joined to the discovery room, keeping every new_token and token_updated it gets."""

    def __init__(self, url: str) -> None:
        self.tokens: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("new_token", lambda record: self._keep(self.tokens, record))
        self.client.on("token_updated", lambda record: self._keep(self.updates, record))
        joined = threading.Event()
        self.client.on("joined_discovery", lambda data: joined.set())
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.client.emit("join_discovery")
        assert joined.wait(10)

    def _keep(self, into: list[dict[str, Any]], record: dict[str, Any]) -> None:
        with self._changed:
            into.append(record)
            self._changed.notify_all()

    def wait_for(self, addresses: set[str], timeout: float = 20.0, updates: bool = False) -> list[dict[str, Any]]:
        """Wait until a token (or an update) arrived for each address; those records."""
        kept = self.updates if updates else self.tokens
        with self._changed:
            arrived = self._changed.wait_for(lambda: addresses <= {r["token_address"] for r in kept}, timeout)
            assert arrived, f"{len(addresses - {r['token_address'] for r in kept})} of {len(addresses)} never came"
            return [r for r in kept if r["token_address"] in addresses]

    def close(self) -> None:
        self.client.disconnect()
