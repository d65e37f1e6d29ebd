"""Latency measured where it happens: HTTP requests by route, and each broadcast handed to this process's clients."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Histogram

from token_discovery import events

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BROADCAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Telemetry:
    """The app's own Prometheus registry (nothing global) and the histograms filled on the hot paths."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.http = Histogram("td_http_request_seconds", "HTTP request latency by route, method and status class",
                              ["method", "route", "status"], registry=self.registry, buckets=HTTP_BUCKETS)  # fmt: skip
        self.broadcast = Histogram("td_broadcast_seconds", "Seconds to hand one broadcast to every client here",
                                   ["event"], registry=self.registry, buckets=BROADCAST_BUCKETS)  # fmt: skip
        self.lag = Histogram("td_new_token_lag_seconds", "From a token's scanned_at to its broadcast handed out here",
                             registry=self.registry, buckets=LAG_BUCKETS)  # fmt: skip

    def observe_request(self, method: str, route: str | None, status: int, started: float) -> None:
        """One HTTP request answered."""
        self.http.labels(method, route or "unmatched", f"{status // 100}xx").observe(time.perf_counter() - started)

    def observe_broadcast(self, event: str, data: Any, started: float) -> None:
        """One event handed to every client of this process; a new token's lag since it was scanned, too."""
        self.broadcast.labels(event).observe(time.perf_counter() - started)
        if event == events.NEW_TOKEN and isinstance(data, dict) and isinstance(data.get("scanned_at"), str):
            try:
                scanned = datetime.fromisoformat(data["scanned_at"]).timestamp()
            except ValueError:
                return
            self.lag.observe(max(0.0, time.time() - scanned))
