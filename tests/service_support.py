"""Builders for service tests: the real service over the real clients, aimed at a simulator."""

from __future__ import annotations

from typing import Any

from flask import Flask

from token_discovery.api.app import create_app
from token_discovery.bootstrap import Services, build_services
from token_discovery.config import Config
from token_discovery.events import RecordingNotifier
from token_discovery.simulator import SimulatorServer
from token_discovery.store.sqlite import SQLiteStore


def sim_config(simulator: SimulatorServer, **env: str) -> Config:
    """A Config whose upstreams are the simulator, with short timeouts."""
    values = {
        **simulator.base_urls(),
        "HTTP_READ_TIMEOUT": "1",
        "HTTP_CALL_DEADLINE": "2",
        "DISCOVERY_MIN_INTERVAL": "30",
        **env,
    }
    return Config.from_env(values)


class ManualClock:
    """A clock the test moves by hand (monotonic-like by default, or starting at a unix time)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def sim_services(
    simulator: SimulatorServer, store: Any = None, gate: Any = None, lease: Any = None, **env: str
) -> tuple[Services, RecordingNotifier]:
    """Services with an in-memory SQLite store and a notifier that records every event."""
    notifier = RecordingNotifier()
    config = sim_config(simulator, **env)
    store = store or SQLiteStore(":memory:", config.discovery_db_capacity)
    services = build_services(config, store=store, notifier=notifier, gate=gate, lease=lease)
    return services, notifier


def calls_of_one_scan(stats: dict[str, Any]) -> int:
    """Sanity bound: a scan of at most 20 tokens on 4 chains costs 3 feed calls plus at most 8 batch calls."""
    return stats["total_calls"]


ADMIN = {"Authorization": "Bearer s3cret-admin-token"}


def make_app(simulator: SimulatorServer, **env: str) -> Flask:
    """The web app on the simulator, with an in-memory store and an admin token."""
    config = sim_config(simulator, **{"ADMIN_TOKEN": "s3cret-admin-token", **env})
    return create_app(config, store=SQLiteStore(":memory:", config.discovery_db_capacity), async_mode="threading")
