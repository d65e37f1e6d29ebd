"""The markdown table of bench/fanout.py and its targets, checked."""

from __future__ import annotations

import math
import statistics

from bench.fanout_support.measure import RoundResult

HEADER = (
    "| server | clients | delivered | p50 ms | p99 ms | deliveries/s | kB per client | connect s "
    "| /healthz max ms (connect / deliver) | server CPU s | clients CPU s | p50 vs Node | p99 vs Node |"
)
ALIGN = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
HEALTH_BOUND_MS = 200.0
HELD_CLIENTS = 5000
P99_BOUND = {"production": 1.2, "demo": 1.5}
P99_FROM_CLIENTS = 1000


def _ratio(ours: float, node: float | None) -> str:
    """ours / node, or n/a."""
    if node is None or not node or math.isnan(ours):
        return "n/a"
    return f"{ours / node:.2f}"


def _node(rows: list[RoundResult], clients: int, round_index: int = 0) -> RoundResult | None:
    """The Node row at the same swarm size, in the same round."""
    return next((row for row in rows if row.server == "node" and row.clients == clients
                 and row.round_index == round_index), None)  # fmt: skip


def _line(row: RoundResult, node: RoundResult | None) -> str:
    """One table line."""
    delivered = f"{row.delivered:,}/{row.expected:,}" + (f" ({row.duplicates} twice)" if row.duplicates else "")
    health = f"{row.health_connect_ms:.0f} / {row.health_deliver_ms:.0f}"
    if row.health_failures:
        health += f" ({row.health_failures} failed)"
    return (
        f"| {row.server} | {row.clients:,} | {delivered} | {row.p50_ms:.0f} | {row.p99_ms:.0f} | "
        f"{row.per_second:,.0f} | {row.kb_per_client:.1f} | {row.connect_seconds:.1f} | {health} | "
        f"{row.server_cpu_seconds:.1f} | {row.client_cpu_seconds:.1f} | "
        f"{_ratio(row.p50_ms, node.p50_ms if node else None)} | {_ratio(row.p99_ms, node.p99_ms if node else None)} |"
    )


def table(rows: list[RoundResult]) -> str:
    """The markdown table, one line per server and swarm size."""
    return "\n".join([HEADER, ALIGN, *(_line(row, _node(rows, row.clients, row.round_index)) for row in rows)])


def _held(rows: list[RoundResult]) -> str:
    """5,000 clients on one production process, every one served, /healthz fast (the median round's slowest
    answer) and never failing."""
    held = [r for r in rows if r.server == "production" and r.clients >= HELD_CLIENTS]
    if not held:
        return f"- {HELD_CLIENTS:,} clients held by one process: not measured"
    served = all(r.delivered == r.expected and not r.lost and not r.duplicates for r in held)
    slowest = [r.health_max_ms for r in held]
    fast = statistics.median(slowest) < HEALTH_BOUND_MS and not any(r.health_failures for r in held)
    verdict = "met" if served and fast else "missed"
    return (
        f"- {held[0].clients:,} clients held by one process with /healthz under {HEALTH_BOUND_MS:.0f} ms: {verdict} "
        f"(every token to every client: {'yes' if served else 'no'}; /healthz max {_spread(slowest, ' ms')})"
    )


def _spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    """The median of some rounds' figures, with their range when there are several."""
    median = f"{statistics.median(values):.{digits}f}{unit}"
    if len(values) == 1:
        return median
    return f"{median} median of {len(values)} rounds, {min(values):.{digits}f} to {max(values):.{digits}f}"


def _p99(rows: list[RoundResult], server: str) -> str:
    """The p99 bound of one server against Node in the same round, on the median round, at every measured size
    from 1,000 clients."""
    ratios: dict[int, list[float]] = {}
    for row in rows:
        node = _node(rows, row.clients, row.round_index)
        if row.server == server and row.clients >= P99_FROM_CLIENTS and node is not None:
            ratios.setdefault(row.clients, []).append(row.p99_ms / node.p99_ms)
    if not ratios:
        return f"- {server}: p99 within {P99_BOUND[server]}x of Node: not measured"
    verdict = "met" if all(statistics.median(r) <= P99_BOUND[server] for r in ratios.values()) else "missed"
    shown = ", ".join(f"{_spread(r, 'x', 2)} at {clients:,}" for clients, r in ratios.items())
    bound = f"p99 within {P99_BOUND[server]}x of Node from {P99_FROM_CLIENTS:,} clients"
    return f"- {server}: {bound}: {verdict} ({shown})"


def targets(rows: list[RoundResult]) -> str:
    """Each target of the issue with met or missed."""
    return "\n".join([_held(rows), _p99(rows, "production"), _p99(rows, "demo")])
