"""How right the verdicts are: the confusion table (truth x verdict) on the simulator's ground truth and on real tokens.

.venv/bin/python bench/verdicts.py [--seeds 7 11 23]

Simulator: for each seed, the app scans a fresh simulated market on a clock moved by hand, then follows every token
for 25 hours (follow-ups at +1 h, +6 h and +24 h ride in later scans). Truth comes from the simulator: a token whose
liquidity its schedule pulls after the verdict is a "rug"; another non-clean kind is a "trap" that did not rug;
the rest are "clean". Real corpus: the recorded answers of tests/fixtures/real, read through the real clients over
a local HTTP server; truth is the label in the corpus table ("scam", "established", "other").
Figures: rugs and scams called safe (target 0), the rug rate among safe verdicts, the share of rugs caught
(called risky), tokens without security or liquidity evidence that were not "unknown" or "risky" (target 0), and
established tokens called risky (target at most 1 in 6).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.test_real_corpus import CASES, NOW, Clients, read_case  # noqa: E402
from tests.recorded_upstream import recorded_upstream  # noqa: E402
from tests.service_support import ManualClock, sim_config  # noqa: E402
from tests.support import FAST_LIMITS  # noqa: E402
from token_discovery.analysis import assess, gather  # noqa: E402
from token_discovery.bootstrap import build_services  # noqa: E402
from token_discovery.simulator import SimulatorApp, SimulatorServer  # noqa: E402
from token_discovery.simulator.token import SimToken  # noqa: E402
from token_discovery.sources import DexScreenerSource, GeckoTerminalSource, GoPlusSecurity  # noqa: E402
from token_discovery.sources.budget import Budget  # noqa: E402
from token_discovery.sources.guard import CallGate  # noqa: E402
from token_discovery.sources.http import new_session  # noqa: E402
from token_discovery.store.sqlite import SQLiteStore  # noqa: E402

LEVELS = ("safe", "risky", "unknown")
FOLLOW_UP_HOURS = (1.05, 1.1, 1.15, 6.05, 6.1, 6.15, 24.05, 24.1, 24.15)


def naive_level(evidence: dict[str, Any]) -> str:
    """The baseline: the usual bot's check, "safe" when GoPlus says no honeypot and taxes under 10%."""
    if not evidence.get("has_security"):
        return "unknown"
    flags = evidence.get("flags") or {}
    taxes = [t for t in (evidence.get("buy_tax"), evidence.get("sell_tax")) if t is not None]
    if flags.get("is_honeypot") or any(t >= 0.1 for t in taxes):
        return "risky"
    return "safe"


def sim_truth(token: SimToken, discovered: float, graded_until: float) -> str:
    """What the simulator knows of a token: it rugged after its verdict, is a trap that did not, or is clean."""
    if token.rug_at is not None and discovered < token.rug_at <= graded_until:
        return "rug"
    clean = token.kind == "clean" or (token.kind == "closed_source" and token.chain == "solana")
    return "clean" if clean else "trap"


Row = tuple[str, str, bool]


def run_seed(seed: int) -> tuple[list[Row], list[Row], dict[str, Any]]:
    """(truth, verdict, evidence complete) per token of one simulated market, the baseline's, and the outcomes."""
    clock = ManualClock(time.time())
    simulator = SimulatorServer(SimulatorApp(seed=seed, clock=clock)).start()
    config = sim_config(simulator, ANALYSIS_CACHE_TTL="0", DISCOVERY_MIN_INTERVAL="0", GOPLUS_BATCH_SIZE="30")
    gate = CallGate(Budget(window=60, clock=clock))
    services = build_services(config, store=SQLiteStore(":memory:", 1000), gate=gate,
                              clock=lambda: datetime.fromtimestamp(clock.now, UTC))  # fmt: skip
    try:
        start = clock.now
        services.service.trigger_scan(max_tokens=100).to_json()
        first = services.store.recent(1000)
        for hours in FOLLOW_UP_HOURS:
            clock.now = start + hours * 3600
            services.service.trigger_scan(max_tokens=1).to_json()
        documents = services.store.outcomes_for((r.chain, r.address) for r in first)
        rows, naive = [], []
        for record in first:
            token = simulator.app.universe.find(record.chain, record.address)
            assert token is not None, f"{record.address} is not in the simulated universe"
            truth = sim_truth(token, start, clock.now)
            level = documents[(record.chain, record.address)]["level"]  # the verdict as graded
            complete = not ({"security", "liquidity"} & set(record.data["analysis"]["missing"]))
            rows.append((truth, level, complete))
            naive.append((truth, naive_level(record.data["analysis"]["evidence"]), complete))
        return rows, naive, services.service.outcomes(48)
    finally:
        services.close()
        simulator.stop()


def real_corpus() -> tuple[list[Row], list[Row]]:
    """(truth, verdict, evidence complete) per real token of the corpus table, and the baseline's."""
    rows, naive = [], []
    with recorded_upstream() as upstream:
        clients = Clients(
            DexScreenerSource(new_session(), upstream.url, FAST_LIMITS),
            GeckoTerminalSource(new_session(), f"{upstream.url}/api/v2", FAST_LIMITS),
            GoPlusSecurity(new_session(), f"{upstream.url}/api/v1", FAST_LIMITS, batch_size=20),
        )
        for case in CASES:
            inputs = read_case(upstream, clients, case)
            verdict = assess(*inputs, NOW)
            truth = "scam" if case.scam else "established" if case.established else "other"
            complete = not ({"security", "liquidity"} & set(verdict.missing))
            rows.append((truth, verdict.level, complete))
            naive.append((truth, naive_level(gather(*inputs, (), NOW).to_json()), complete))
    return rows, naive


def confusion(title: str, rows: list[tuple[str, str, bool]], truths: tuple[str, ...]) -> None:
    """Print the truth x verdict table."""
    counts = Counter((truth, level) for truth, level, _ in rows)
    print(f"\n{title}\n")
    print("| truth \\ verdict | " + " | ".join(LEVELS) + " | total |")
    print("|---|" + "---:|" * (len(LEVELS) + 1))
    for truth in truths:
        cells = [counts[(truth, level)] for level in LEVELS]
        print(f"| {truth} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")


def share(part: int, whole: int) -> str:
    """A share as 'part / whole (pct)'."""
    return f"{part} / {whole}" + (f" ({part / whole:.0%})" if whole else "")


def figures(rows: list[tuple[str, str, bool]], rug: str, bad: tuple[str, ...]) -> dict[str, str]:
    """The headline figures of one table: `rug` is the truth that is graded, `bad` every truth never to call safe."""
    safe = [t for t, level, _ in rows if level == "safe"]
    rugs = [level for t, level, _ in rows if t == rug]
    unverified = [level for _, level, complete in rows if not complete]
    return {
        f"{' or '.join(bad)} called safe (target 0)": str(sum(1 for t in safe if t in bad)),
        f"{rug} rate among safe verdicts": share(sum(1 for t in safe if t == rug), len(safe)),
        f"{rug}s caught (called risky)": share(sum(1 for level in rugs if level == "risky"), len(rugs)),
        "no security or liquidity evidence, yet safe (target 0)": str(sum(1 for v in unverified if v == "safe")),
    }


def report(
    title: str, rows: list[Row], naive: list[Row], truths: tuple[str, ...], rug: str, bad: tuple[str, ...]
) -> None:
    """Both tables of one data set, and the figures of each."""
    for label, data in ((title, rows), (f"{title}: baseline (safe = no honeypot and taxes under 10%)", naive)):
        confusion(label, data, truths)
        for name, value in figures(data, rug, bad).items():
            print(f"- {name}: {value}")
        established = [level for truth, level, _ in data if truth == "established"]
        if established:
            risky = sum(1 for level in established if level == "risky")
            print(f"- established tokens called risky (target at most 1 in 6): {share(risky, len(established))}")


def main() -> None:
    """Run both data sets and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"date {datetime.now(UTC).date()}")  # fmt: skip
    sim_rows: list[Row] = []
    sim_naive: list[Row] = []
    for seed in args.seeds:
        rows, naive, outcomes = run_seed(seed)
        sim_rows, sim_naive = sim_rows + rows, sim_naive + naive
        print(f"seed {seed}: {len(rows)} tokens; outcomes API: safe_rug_rate {outcomes['safe_rug_rate']}, "
              f"rug_catch_rate {outcomes['rug_catch_rate']}")  # fmt: skip
    report(f"Simulator ground truth, seeds {args.seeds}", sim_rows, sim_naive, ("rug", "trap", "clean"), "rug",
           ("rug", "trap"))  # fmt: skip
    real, real_naive = real_corpus()
    report("Real recorded corpus", real, real_naive, ("scam", "established", "other"), "scam", ("scam",))


if __name__ == "__main__":
    main()
