"""One round: a fresh server, the swarm, one measured scan of new tokens; the figures of that round."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.fanout_support.targets import Target, cpu_seconds, rss_kb
from tests.swarm import HealthWatch, Swarm, SwarmReport

SCAN_TOKENS = 20  # the first scan on a fresh database and a reset simulator: every one of them new
PHASE_TIMEOUT = 600.0


@dataclass(frozen=True)
class SwarmOptions:
    """How the swarm connects."""

    processes: int = 4
    concurrency: int = 25
    deflate: bool = True


@dataclass(frozen=True)
class RoundResult:
    """The figures of one server at one swarm size."""

    server: str
    clients: int
    expected: int  # deliveries: clients x new tokens
    delivered: int
    duplicates: int
    lost: int
    p50_ms: float
    p99_ms: float
    per_second: float
    kb_per_client: float
    connect_seconds: float
    server_cpu_seconds: float  # from the trigger to the last arrival
    client_cpu_seconds: float  # the swarm's, over the same time
    health_connect_ms: float
    health_deliver_ms: float
    health_failures: int
    round_index: int = 0  # which of the run's rounds at this swarm size (servers take turns within a round)

    @property
    def health_max_ms(self) -> float:
        """The slowest /healthz answer of the round."""
        return max(self.health_connect_ms, self.health_deliver_ms)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (share in 0..1); nan when empty."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def run_round(start: Callable[[], Target], clients: int, options: SwarmOptions) -> RoundResult:
    """Start the server, connect the swarm, broadcast one scan, stop everything."""
    target = start()
    try:
        with HealthWatch(target.url) as health:
            return _measure(target, clients, options, health)
    finally:
        target.stop()


@dataclass(frozen=True)
class Phases:
    """Monotonic times of a round: the swarm starts connecting, every client has joined, every token arrived."""

    began: float
    connected: float
    finished: float
    server_cpu: float  # the server's CPU seconds between connected and finished


def _measure(target: Target, clients: int, options: SwarmOptions, health: HealthWatch) -> RoundResult:
    """Connect, broadcast and collect, with /healthz polled throughout."""
    pid = target.server_pid()
    swarm = Swarm(target.url, clients, options.processes, options.concurrency, options.deflate)
    try:
        swarm.launch()
        before, began = rss_kb(pid), time.monotonic()
        swarm.connect(within=PHASE_TIMEOUT)
        connected, cpu_before = time.monotonic(), cpu_seconds(pid)
        tokens = target.trigger(SCAN_TOKENS)
        if tokens != SCAN_TOKENS:
            raise RuntimeError(f"{target.name}: the scan found {tokens} new tokens, not {SCAN_TOKENS}")
        swarm.await_tokens(tokens, within=PHASE_TIMEOUT)
        phases = Phases(began, connected, time.monotonic(), cpu_seconds(pid) - cpu_before)
        grown_kb = rss_kb(pid) - before
        report = swarm.report()
    finally:
        swarm.close()
    return _result(target.name, clients * tokens, report, grown_kb, phases, health)


def _result(
    server: str, expected: int, report: SwarmReport, grown_kb: int, phases: Phases, health: HealthWatch
) -> RoundResult:
    """The round's figures from what the clients received."""
    clients = len(report.clients)
    delays = sorted(delay for client in report.clients for delay in client.delays)
    busy = report.busy_seconds
    return RoundResult(
        server=server,
        clients=clients,
        expected=expected,
        delivered=sum(len(set(client.seqs)) for client in report.clients),
        duplicates=sum(len(client.seqs) - len(set(client.seqs)) for client in report.clients),
        lost=report.lost,
        p50_ms=percentile(delays, 0.50),
        p99_ms=percentile(delays, 0.99),
        per_second=len(delays) / busy if busy else math.nan,
        kb_per_client=grown_kb / max(1, clients),
        connect_seconds=phases.connected - phases.began,
        server_cpu_seconds=phases.server_cpu,
        client_cpu_seconds=report.cpu_seconds,
        health_connect_ms=health.slowest(phases.began, phases.connected) * 1000,
        health_deliver_ms=health.slowest(phases.connected, phases.finished) * 1000,
        health_failures=health.failures,
    )
