"""The simulator's risky tokens come out risky with the right reasons; its unindexed ones come out unknown."""

from __future__ import annotations

from collections import defaultdict

import pytest
import requests

from tests.service_support import sim_services
from token_discovery.simulator import SimulatorServer

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
        services.service.trigger_scan(max_tokens=100)
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
    for record in by_kind.get("unindexed", []):
        assert record.risk_level == "unknown"
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
        services.service.trigger_scan(max_tokens=100)
        records = services.store.recent(200)
    finally:
        services.close()
    analyses = [r.data["analysis"] for r in records]
    with_candles = [a for a in analyses if a["evidence"]["candles"] > 0]
    assert 1 <= len(with_candles) <= 4  # a few candle calls per scan, inside GeckoTerminal's 30 a minute
    assert all(a["mode"] == "market" and a["evidence"]["rsi"] is not None for a in with_candles)
    calls = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()["calls"]
    assert calls["geckoterminal.ohlcv"] == len(with_candles)
    assert {a["mode"] for a in analyses} == {"fraud", "market"}
