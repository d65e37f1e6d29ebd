"""GET /metrics in the Prometheus text format, read from the services at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from token_discovery.bootstrap import Services
from token_discovery.monitoring.monitor import OUTCOME_HOURS, Monitor
from token_discovery.realtime.direct import WAYS
from token_discovery.realtime.packets import REFUSALS
from token_discovery.sources.budget import ROUTE_CLASS
from token_discovery.sources.streamed_json import TRIMMED
from token_discovery.store.base import StoreUnavailable

bp = Blueprint("metrics", __name__)

LEDGER_METRICS = {
    "calls": "Upstream calls sent",
    "rate_limited": "Upstream rate-limit answers (429, 4029, error_code 429)",
    "refused": "Upstream calls not sent (budget exhausted, circuit open or scan abandoned)",
    "reserved": "Upstream calls of a user's scan not sent, to keep the automatic scans' share of the budget",
    "retries": "Upstream calls retried after a transient failure",
    "failures": "Upstream calls that failed (timeouts, resets, 5xx)",
}


class ServiceCollector:
    """Collects every metric from the live services when Prometheus scrapes."""

    def __init__(self, services: Services, monitor: Monitor) -> None:
        self._services, self._monitor = services, monitor

    def collect(self) -> Iterator[Metric]:
        """The metric families."""
        yield from self._upstream()
        yield from self._store()
        yield from self._outcomes()
        yield from self._service()
        yield from self._signals()
        yield from self._stream()

    def _upstream(self) -> Iterator[Metric]:
        """Ledger counters, bucket balances and breaker states."""
        ledger = self._services.gate.ledger.snapshot()
        for kind, help_text in LEDGER_METRICS.items():
            family = CounterMetricFamily(f"td_upstream_{kind}", help_text, labels=["route"])
            counts = {**dict.fromkeys(ROUTE_CLASS, 0), **ledger[kind]}  # every known route, from zero
            for route, count in sorted(counts.items()):
                family.add_metric([route], count)
            yield family
        health = self._services.gate.health()
        balance = GaugeMetricFamily("td_budget_balance", "Tokens left in each budget bucket", labels=["route_class"])
        for name, state in health["budget"].items():
            balance.add_metric([name], state["balance"])
        yield balance
        breaker = GaugeMetricFamily(
            "td_breaker_open", "1 when an upstream's circuit is not closed", labels=["upstream"]
        )
        for name, state in health["breakers"].items():
            breaker.add_metric([name], 0.0 if state == "closed" else 1.0)
        yield breaker

    def _store(self) -> Iterator[Metric]:
        """Stored tokens by level, tokens and scans ever, and whether the store answers."""
        store = self._services.store
        up = GaugeMetricFamily("td_store_up", "1 when the token store answers")
        tokens = GaugeMetricFamily("td_tokens_stored", "Stored tokens by risk level", labels=["level"])
        discovered = CounterMetricFamily("td_tokens_discovered", "Tokens ever discovered (the newest seq)")
        scans = CounterMetricFamily("td_scans", "Scans ever finished")
        try:
            for level, count in sorted(store.level_counts().items()):
                tokens.add_metric([level], count)
            newest = store.recent(1)
            discovered.add_metric([], newest[0].seq if newest else 0)
            scans.add_metric([], store.scan_count())
            up.add_metric([], 1.0)
        except StoreUnavailable:
            up.add_metric([], 0.0)
        yield from (up, tokens, discovered, scans)

    def _outcomes(self) -> Iterator[Metric]:
        """What became of the last day's tokens, per verdict level, and the two rates."""
        try:
            report = self._services.service.outcomes(OUTCOME_HOURS)
        except StoreUnavailable:
            return
        tokens = GaugeMetricFamily("td_outcome_tokens", "Tokens discovered in the last 24 h by verdict and outcome",
                                   labels=["level", "outcome"])  # fmt: skip
        for level, row in sorted(report["levels"].items()):
            for outcome in ("rugged", "alive", "unknown"):
                tokens.add_metric([level, outcome], row[outcome])
        yield tokens
        for name, key, help_text in (
            ("td_safe_rug_rate", "safe_rug_rate", "Share of graded safe verdicts of the last 24 h that rugged"),
            ("td_rug_catch_rate", "rug_catch_rate", "Share of the last 24 h's rugs that had been called risky"),
        ):
            if report[key] is not None:
                gauge = GaugeMetricFamily(name, help_text)
                gauge.add_metric([], report[key])
                yield gauge

    def _signals(self) -> Iterator[Metric]:
        """Watchers, signals made and delivered by channel, the outbox's backlog and the matching time."""
        dispatcher = self._services.signals
        if dispatcher is None:
            return
        try:
            stats = dispatcher.stats()
        except StoreUnavailable:
            return
        watchers = GaugeMetricFamily("td_watchers_active", "Watchers every new token is matched against")
        watchers.add_metric([], stats["watchers"])
        made = CounterMetricFamily("td_signals_made", "Signals made (a token matching a watcher)")
        made.add_metric([], stats["signals_made"])
        deliveries = CounterMetricFamily("td_signal_deliveries", "Signal deliveries by channel and outcome "
                                         "(dead: failed for good after its retries)",
                                         labels=["channel", "outcome"])  # fmt: skip
        for channel, outcomes in stats["channels"].items():
            for outcome, count in outcomes.items():
                deliveries.add_metric([channel, outcome], count)
        throttled = CounterMetricFamily("td_signals_throttled", "Signals kept but not sent: SIGNALS_PER_MINUTE")
        throttled.add_metric([], stats["throttled"])
        dropped = CounterMetricFamily("td_signal_tokens_dropped", "Tokens never matched: the matching queue was full")
        dropped.add_metric([], stats["tokens_dropped"])
        backlog = GaugeMetricFamily("td_signal_outbox_backlog", "Webhook and Telegram deliveries not finished with")
        backlog.add_metric([], stats["backlog"])
        timing = GaugeMetricFamily("td_signal_match_seconds", "Time to match one token against every watcher, over "
                                   "the last 1,000 tokens", labels=["quantile"])  # fmt: skip
        for quantile, key in (("0.5", "p50"), ("0.99", "p99")):
            if stats["match_ms"][key] is not None:
                timing.add_metric([quantile], stats["match_ms"][key] / 1000)
        yield from (watchers, made, deliveries, throttled, dropped, backlog, timing)

    def _stream(self) -> Iterator[Metric]:
        """The pump.fun stream: held here or not, messages by kind, reconnections, the intake's queue."""
        stream = self._services.stream
        if stream is None:
            return
        stats = stream.stats()
        live = GaugeMetricFamily("td_stream_connected", "1 while this process holds a live pump.fun stream")
        live.add_metric([], 1 if stats["state"] == "live" else 0)
        messages = CounterMetricFamily("td_stream_messages", "pump.fun stream messages by kind (malformed: dropped)",
                                       labels=["kind"])  # fmt: skip
        for kind, count in stats["messages"].items():
            messages.add_metric([kind], count)
        events = CounterMetricFamily("td_stream_events", "Stream connections made, reconnections and silences seen",
                                     labels=["event"])  # fmt: skip
        for event in ("connections", "reconnects", "silences"):
            events.add_metric([event], stats[event])
        waiting = GaugeMetricFamily("td_stream_waiting", "Streamed tokens waiting for the pipeline (and the budget)")
        waiting.add_metric([], stats["waiting"])
        dropped = CounterMetricFamily("td_stream_dropped", "Streamed tokens dropped, oldest first: the queue was full")
        dropped.add_metric([], stats["dropped"])
        stored = CounterMetricFamily("td_stream_tokens_stored", "Streamed tokens analysed and stored")
        stored.add_metric([], stats["tokens_stored"])
        yield from (live, messages, events, waiting, dropped, stored)

    def _service(self) -> Iterator[Metric]:
        """Scans, triggers and connected clients."""
        service = self._services.service
        usage = service.upstream_usage()
        triggers = CounterMetricFamily("td_triggers_served", "Scan triggers answered (started, joined or cached)")
        triggers.add_metric([], usage["triggers_served"])
        yield triggers
        saved = CounterMetricFamily("td_upstream_calls_saved", "Calls N users scanning alone would have added")
        saved.add_metric([], usage["calls_saved"])
        yield saved
        auto = GaugeMetricFamily("td_auto_discovery_active", "1 while the periodic scan runs")
        auto.add_metric([], 1.0 if service.auto.active else 0.0)
        yield auto
        clients = GaugeMetricFamily("td_socket_clients", "Connected Socket.IO clients")
        clients.add_metric([], self._monitor.connected_clients)
        yield clients
        if self._monitor.capacity is not None:
            capacity = GaugeMetricFamily("td_socket_capacity", "Clients this process's open-file limit allows")
            capacity.add_metric([], self._monitor.capacity)
            yield capacity
        refused = CounterMetricFamily("td_socket_refused_packets", "Socket.IO packets refused (binary or malformed)")
        refused.add_metric([], REFUSALS.count)
        yield refused
        ways = CounterMetricFamily("td_broadcast_deliveries", "Broadcast deliveries by way: written at once into an "
                                   "idle websocket, or through the connection's queue", labels=["way"])  # fmt: skip
        ways.add_metric(["direct"], WAYS.direct)
        ways.add_metric(["queued"], WAYS.queued)
        yield ways
        trimmed = CounterMetricFamily("td_upstream_trimmed", "Array elements and string tails left out of upstream "
                                      "answers over HTTP_MAX_RESPONSE_BYTES (streamed)", labels=["route"])  # fmt: skip
        for route, count in sorted(TRIMMED.by_route.items()):
            trimmed.add_metric([route], count)
        yield trimmed
        uptime = GaugeMetricFamily("td_uptime_seconds", "Seconds since this process started serving")
        uptime.add_metric([], self._monitor.uptime_seconds())
        yield uptime
        healthy = GaugeMetricFamily("td_healthy", "1 when the health probes find nothing wrong")
        latest = self._monitor.probe.latest()
        healthy.add_metric([], 1.0 if latest["status"] == "ok" else 0.0)
        yield healthy
        if latest.get("redis", {}).get("configured"):
            redis_up = GaugeMetricFamily("td_redis_up", "1 when Redis answers a ping quickly (health probe)")
            redis_up.add_metric([], 1.0 if latest["redis"].get("ok") else 0.0)
            yield redis_up


def install_metrics(services: Services, monitor: Monitor, registry: CollectorRegistry) -> CollectorRegistry:
    """The app's own registry (nothing global, so several apps can live in one process), with the services added."""
    registry.register(ServiceCollector(services, monitor))
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    """The Prometheus exposition."""
    registry: CollectorRegistry = current_app.extensions["token_discovery.metrics"]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
