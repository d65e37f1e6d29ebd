"""What the operator watches: per-minute series, throughput, health, and the admin snapshot pushed live."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from token_discovery.monitoring.health import HealthProbe
from token_discovery.monitoring.series import MinuteSeries
from token_discovery.sources.budget import PUBLISHED_LIMITS

if TYPE_CHECKING:
    from token_discovery.bootstrap import Services

THROUGHPUT_MINUTES = 10
SERIES_KINDS = ("calls", "rate_limited", "refused")
OUTCOME_HOURS = 24  # the window of the outcome table the console and /metrics show


class Monitor:
    """Uptime, connected clients, tokens per minute, and the snapshot the admin console shows live."""

    def __init__(self, services: Services, clock: Callable[[], float] = time.time) -> None:
        self._services, self._clock = services, clock
        self.started_at = clock()
        self.tokens = MinuteSeries(clock=clock)
        self.count_clients: Callable[[], int] = lambda: 0  # the Socket.IO namespace installs its own count
        self.capacity: int | None = None  # the clients this process's open-file limit allows, found at start
        self.probe = HealthProbe(services, clock)
        services.service.on_new_token(lambda record: self.tokens.add("tokens"))

    @property
    def connected_clients(self) -> int:
        """Socket.IO connections open on this process."""
        return self.count_clients()

    def uptime_seconds(self) -> float:
        """Seconds since this process started serving."""
        return round(self._clock() - self.started_at, 1)

    def tokens_per_minute(self) -> float:
        """New tokens stored per minute over the last ten minutes (or the uptime, when shorter)."""
        minutes = min(THROUGHPUT_MINUTES, max(1.0, self.uptime_seconds() / 60))
        return round(self.tokens.total("tokens", THROUGHPUT_MINUTES) / minutes, 2)

    def vitals(self) -> dict[str, Any]:
        """The top-level figures of GET /api/admin/stats."""
        return {
            "timestamp": datetime.fromtimestamp(self._clock(), UTC).isoformat(),
            "uptime_seconds": self.uptime_seconds(),
            "tokens_per_minute": self.tokens_per_minute(),
            "connected_clients": self.connected_clients,
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything the admin console shows, in one event."""
        service = self._services.service
        return {
            **self.vitals(),
            "status": service.get_status().to_json(),
            "stats": service.get_stats().to_json(),
            "budget": self.budget(),
            "tokens_history": self.tokens.series(["tokens"]),
            "health": self.health(),
            "scans": service.recent_scans(10),
            "outcomes": service.outcomes(OUTCOME_HOURS),
            "signals": None if self._services.signals is None else self._services.signals.stats(),
            "stream": None if self._services.stream is None else self._services.stream.stats(),
        }

    def budget(self) -> dict[str, Any]:
        """Per route class: the bucket now, its limit a minute, and calls / 429s / refusals per minute."""
        gate, config = self._services.gate, self._services.config
        buckets = gate.budget.snapshot()
        window = max(1.0, config.budget_window)
        answer = {}
        for name, state in buckets.items():
            keys = [f"{kind}:{name}" for kind in SERIES_KINDS]
            minutes = [
                {"minute": m["minute"], **{kind: m[f"{kind}:{name}"] for kind in SERIES_KINDS}}
                for m in gate.ledger.history.series(keys)
            ]
            limit = round(state["capacity"] * 60 / window, 1)
            answer[name] = {**state, "limit_per_minute": limit, "published_limit": PUBLISHED_LIMITS.get(name),
                            "minutes": minutes}  # fmt: skip
        return answer

    def health(self) -> dict[str, Any]:
        """The background probes' latest answer, with the scan, the schedule and each upstream's state."""
        app = self._services
        scan = app.service.current_scan()
        return {
            **self.probe.latest(),
            "last_scan": {key: scan.get(key) for key in ("status", "scan_id", "error")},
            "auto_discovery_active": app.service.auto.active,
            "upstream": app.gate.health(),
        }
