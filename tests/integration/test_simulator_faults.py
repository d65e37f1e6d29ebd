"""Every fault the simulator can inject reaches the clients as the right error."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Clients
from token_discovery.sources import BadPayload, RateLimited, SourceUnavailable

EVM_ADDRESS = "0x" + "1" * 40


def call_route(clients: Clients, route: str) -> object:
    """Make one real client call on a simulator route."""
    calls = {
        "dexscreener.token_profiles": clients.dexscreener.latest_profiles,
        "dexscreener.token_boosts": clients.dexscreener.latest_boosts,
        "dexscreener.tokens": lambda: clients.dexscreener.tokens("ethereum", [EVM_ADDRESS]),
        "geckoterminal.new_pools": clients.geckoterminal.new_pools,
        "geckoterminal.ohlcv": lambda: clients.geckoterminal.ohlcv("solana", solana_pool(clients), "minute", 10),
        "goplus.token_security": lambda: clients.goplus.token_security("ethereum", [EVM_ADDRESS]),
        "goplus.solana_token_security": lambda: clients.goplus.token_security(
            "solana", ["DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"]
        ),
    }
    return calls[route]()


def solana_pool(clients: Clients) -> str:
    """A live Solana pool address, read from the new-pools route (which the fault does not touch)."""
    return next(c.pool_address for c in clients.geckoterminal.new_pools("solana").items if c.pool_address)


ROUTES = [
    "dexscreener.token_profiles",
    "dexscreener.token_boosts",
    "dexscreener.tokens",
    "geckoterminal.new_pools",
    "geckoterminal.ohlcv",
    "goplus.token_security",
    "goplus.solana_token_security",
]


@pytest.mark.integration
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("mode", "error"),
    [("429", RateLimited), ("4029", RateLimited), ("500", SourceUnavailable), ("garbage", BadPayload)],
)
def test_fault_maps_to_error(clients: Clients, route: str, mode: str, error: type[Exception]) -> None:
    clients.fault(route=route, mode=mode, count=1)
    with pytest.raises(error):
        call_route(clients, route)
    call_route(clients, route)  # the fault was used up: the next call succeeds
    assert clients.stats()["calls"][route] == 2


@pytest.mark.integration
def test_forced_429_carries_retry_after(clients: Clients) -> None:
    clients.fault(route="dexscreener.tokens", mode="429", retry_after=42)
    with pytest.raises(RateLimited) as caught:
        call_route(clients, "dexscreener.tokens")
    assert caught.value.retry_after == 42
    assert clients.stats()["rate_limited"]["dexscreener.tokens"] == 1


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["timeout", "slow"])
def test_hung_or_dripping_upstream_is_cut_off_by_the_deadline(clients: Clients, mode: str) -> None:
    clients.fault(route="*", mode=mode, count=1)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable):
        clients.dexscreener.latest_profiles()
    assert time.monotonic() - started < 4.0  # read timeout 1 s, deadline 2 s


@pytest.mark.integration
def test_wildcard_fault_hits_every_route_until_cleared(clients: Clients) -> None:
    clients.fault(route="*", mode="500")
    for route in ("dexscreener.token_profiles", "goplus.token_security"):
        with pytest.raises(SourceUnavailable):
            call_route(clients, route)
    clients.control.delete(f"{clients.url}/_sim/faults", timeout=5).raise_for_status()
    call_route(clients, "dexscreener.token_profiles")


@pytest.mark.integration
@pytest.mark.parametrize(
    "spec",
    [
        {"route": "nope", "mode": "500"},
        {"route": "*", "mode": "explode"},
        {"route": "*", "mode": "500", "count": 0},
    ],
)
def test_bad_fault_requests_get_a_400(clients: Clients, spec: dict) -> None:
    response = clients.control.post(f"{clients.url}/_sim/faults", json=spec, timeout=5)
    assert response.status_code == 400
    assert "must" in response.json()["error"]
