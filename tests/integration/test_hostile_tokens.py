"""Tokens whose creators are hostile: every one is stored, cleaned, and none can break a scan."""

from __future__ import annotations

import json

import pytest
import requests

from tests.service_support import sim_services
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration

HOSTILE = [
    {"chain": "solana", "name": "Poison\ud800Pill", "symbol": "\udfffX"},
    {"chain": "base", "name": "<script>alert(1)</script>", "symbol": "XSS",
     "links": [{"type": "website", "url": "javascript:alert(1)"}, {"type": "x", "url": "data:text/html,hi"}]},
    {"chain": "bsc", "name": "Sa\u202efe\u200bCoin", "symbol": "S\x00AFE", "description": "x" * 5000},
    {"chain": "ethereum", "name": "   ", "symbol": "",
     "links": [{"url": "https://ok.example/" + "a" * 3000}, {"type": "telegram", "url": "https://t.me/ok"}]},
]  # fmt: skip


def test_hostile_tokens_are_stored_cleaned_and_never_abort_the_scan(simulator: SimulatorServer) -> None:
    body = json.dumps(HOSTILE)  # lone surrogates travel as \\ud800 escapes, as a hostile API could send them
    injected = requests.post(f"{simulator.url}/_sim/tokens", data=body, timeout=5,
                             headers={"Content-Type": "application/json"}).json()  # fmt: skip
    services, _ = sim_services(simulator)
    try:
        result = services.service.trigger_scan(max_tokens=10).to_json()
        assert result["success"]
        stored = {(r.chain, r.address): r for r in services.store.recent(50)}
        for token in injected:
            record = stored[(token["chain"], token["address"])]
            text = json.dumps(record.data, ensure_ascii=False)
            text.encode("utf-8")  # no lone surrogate survived
            data = record.data
            for field, limit in (("name", 64), ("symbol", 16), ("description", 1000)):
                value = data.get(field)
                assert value is None or (len(value) <= limit and value.isprintable() and "\u202e" not in value)
            assert all(link["url"].startswith(("https://", "http://")) for link in data["links"])
    finally:
        services.close()
    by_chain = {t["chain"]: stored[(t["chain"], t["address"])] for t in injected}
    assert by_chain["solana"].data["name"] == "PoisonPill"
    assert [link["url"] for link in by_chain["base"].data["links"]] == []
    assert by_chain["ethereum"].data["name"] is None  # blank is unknown, not "   "


def test_tokens_with_twenty_thousand_links_are_stored_capped_and_their_feed_is_not_lost(
    simulator: SimulatorServer,
) -> None:
    from token_discovery.sources.parsing import MAX_LINKS
    from token_discovery.sources.streamed_json import TRIMMED

    wall = [{"type": "twitter", "url": f"https://x.com/spam{n}"} for n in range(20_000)]
    walls = [{"chain": "solana", "name": f"Wall {n}", "symbol": f"W{n}", "links": wall} for n in range(5)]
    injected = requests.post(f"{simulator.url}/_sim/tokens", json=walls, timeout=30).json()
    profiles = requests.get(f"{simulator.url}/token-profiles/latest/v1", timeout=30)
    assert len(profiles.content) > 5_000_000  # the feed is over HTTP_MAX_RESPONSE_BYTES (default 5 MB)
    before = TRIMMED.by_route.get("dexscreener.token_profiles", 0)
    services, _ = sim_services(simulator)
    try:
        assert services.service.trigger_scan(max_tokens=30).to_json()["success"]
        stored = {(r.chain, r.address): r for r in services.store.recent(200)}
        feed = [item["tokenAddress"] for item in profiles.json()]
    finally:
        services.close()
    for token in injected:
        assert len(stored[("solana", token["address"])].data["links"]) == MAX_LINKS
    others = [address for address in feed if address not in {t["address"] for t in injected}]
    assert others and all(any(key[1] == address for key in stored) for address in others[:5])
    assert TRIMMED.by_route["dexscreener.token_profiles"] - before >= 5 * (20_000 - 1000)
