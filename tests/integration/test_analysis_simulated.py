"""The simulator's risky tokens come out risky with the right reasons; its unindexed ones come out unknown."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
import requests

from tests.service_support import ManualClock, sim_services
from token_discovery.scan.pipeline import CANDLE_FETCHES_PER_SCAN
from token_discovery.simulator import SimulatorApp, SimulatorServer
from token_discovery.sources.budget import Budget
from token_discovery.sources.guard import CallGate

pytestmark = pytest.mark.integration

SOLANA_EXPECTED = {
    "honeypot": {"freezable"},
    "high_tax": {"sell_tax_high", "sell_tax_prohibitive"},
    "mintable": {"mintable"},
    "owner_privileged": {"owner_change_balance"},
    "creator_serial": {"serial_creator"},
    "concentrated": {"holder_concentrated"},
    "unlocked_liquidity": {"liquidity_unlocked", "liquidity_thin"},
}
EVM_ONLY_KINDS = {"closed_source"}  # Solana has no source verification: such tokens look clean there
EXPECTED = {
    "honeypot": {"honeypot"},
    "high_tax": {"sell_tax_high", "sell_tax_prohibitive"},
    "mintable": {"mintable"},
    "closed_source": {"closed_source"},
    "creator_serial": {"serial_creator"},
    "concentrated": {"holder_concentrated"},
    "unlocked_liquidity": {"liquidity_unlocked", "liquidity_thin"},
    "owner_privileged": {
        "owner_change_balance",
        "hidden_owner",
        "ownership_reclaimable",
        "transfer_pausable",
        "blacklist",
    },
}


def test_simulated_kinds_get_the_verdicts_they_deserve(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator, GOPLUS_BATCH_SIZE="30")
    try:
        services.service.trigger_scan(max_tokens=100).to_json()
        records = services.store.recent(200)
    finally:
        services.close()
    by_kind: dict[str, list] = defaultdict(list)
    for record in records:
        token = simulator.app.universe.find(record.chain, record.address)
        by_kind[token.kind].append(record)
    assert len(by_kind) >= 6, sorted(by_kind)
    for kind in set(EXPECTED) | set(SOLANA_EXPECTED):
        for record in by_kind.get(kind, []):
            codes = (SOLANA_EXPECTED if record.chain == "solana" else EXPECTED).get(kind)
            if codes is None:
                continue
            reasons = {r["code"] for r in record.data["analysis"]["reasons"]}
            assert record.risk_level == "risky", (kind, reasons)
            assert reasons & codes, (kind, reasons)
    for record in by_kind.get("unindexed", []):  # never safe; risky only on what is known (thin or pulled liquidity)
        assert record.risk_level in {"unknown", "risky"}
        assert "security" in record.data["analysis"]["missing"]
    safe = [r for r in records if r.risk_level == "safe"]
    safe_kinds = {simulator.app.universe.find(r.chain, r.address).kind for r in safe}
    assert safe and safe_kinds <= {"clean"} | EVM_ONLY_KINDS, safe_kinds
    for record in records:
        analysis = record.data["analysis"]
        assert {"mode", "score", "level", "reasons", "rules_version", "evidence"} <= analysis.keys()


def test_older_tokens_are_judged_in_market_mode_on_candles(simulator: SimulatorServer) -> None:
    services, _ = sim_services(simulator, GOPLUS_BATCH_SIZE="30")
    try:
        services.service.trigger_scan(max_tokens=100).to_json()
        records = services.store.recent(200)
    finally:
        services.close()
    analyses = [r.data["analysis"] for r in records]
    with_candles = [a for a in analyses if a["evidence"]["candles"] > 0]
    assert 1 <= len(with_candles) <= CANDLE_FETCHES_PER_SCAN  # inside GeckoTerminal's 30 calls a minute
    assert all(a["mode"] == "market" and a["evidence"]["rsi"] is not None for a in with_candles)
    calls = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["calls"]
    assert calls["geckoterminal.ohlcv"] == len(with_candles)
    assert {a["mode"] for a in analyses} == {"fraud", "market"}


def test_every_market_mode_token_gets_rsi_and_macd_within_a_few_scans() -> None:
    clock = ManualClock(time.time())  # one clock for the simulator's limits and our budget, moved by hand
    simulator = SimulatorServer(SimulatorApp(seed=7, clock=clock)).start()
    gate = CallGate(Budget(window=60, clock=clock))
    services, _ = sim_services(simulator, gate=gate, GOPLUS_BATCH_SIZE="30", ANALYSIS_CACHE_TTL="0",
                               DISCOVERY_MIN_INTERVAL="0")  # fmt: skip
    try:
        for _ in range(4):
            clock.now += 61  # a minute later: every budget is whole again
            last = services.service.trigger_scan(max_tokens=100).to_json()
            assert last["success"]
        records = [r for r in services.store.recent(200) if r.scanned_at.isoformat() >= last["started_at"]]
        stats = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()
    finally:
        services.close()
        simulator.stop()
    market = [r.data["analysis"]["evidence"] for r in records if r.data["analysis"]["mode"] == "market"]
    assert len(market) > CANDLE_FETCHES_PER_SCAN  # more than one scan's worth of candle calls, in the last scan
    lacking = [e for e in market if e["rsi"] is None or e["macd_histogram"] is None]
    assert lacking == [] and sum(stats["rate_limited"].values()) == 0
    assert stats["calls"]["geckoterminal.ohlcv"] <= 4 * CANDLE_FETCHES_PER_SCAN
