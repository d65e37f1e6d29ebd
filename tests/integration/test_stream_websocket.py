"""The stream's WebSocket client against the simulator's stream: subscriptions acknowledged as recorded, every
wait bounded, an oversize message or a closed connection the end of the stream, never a hang; and the
simulator answering a client's nonsense with an error while the connection goes on."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.live_server import free_port
from token_discovery.simulator import SimulatorServer
from token_discovery.streaming.websocket import StreamClosed, WebSocketClient

pytestmark = pytest.mark.integration


def subscribed(simulator: SimulatorServer, max_message_bytes: int = 65_536) -> WebSocketClient:
    client = WebSocketClient(simulator.stream_url, connect_timeout=5, max_message_bytes=max_message_bytes)
    client.send(json.dumps({"method": "subscribeNewToken"}))
    assert client.receive(5) == '{"message": "Successfully subscribed to token creation events."}'
    return client


def test_nonsense_gets_an_error_and_the_connection_goes_on(simulator: SimulatorServer) -> None:
    client = subscribed(simulator)
    try:
        for nonsense in ('{"method": []}', "[" * 3000, "not json", '{"method": "subscribeEverything"}'):
            client.send(nonsense)
            assert "errors" in json.loads(client.receive(5) or "{}")
        client.send(json.dumps({"method": "subscribeMigration"}))
        assert client.receive(5) == """{"message": "Subscribed to 'migration' events."}"""
    finally:
        client.close()


def test_a_quiet_stream_gives_nothing_within_the_time_and_a_message_when_one_comes(simulator) -> None:
    client = subscribed(simulator)
    try:
        started = time.monotonic()
        assert client.receive(0.2) is None and time.monotonic() - started < 1.0
        requests.post(f"{simulator.url}/_sim/stream/replay", json=['{"hello": 1}'], timeout=5).raise_for_status()
        assert client.receive(5) == '{"hello": 1}'
    finally:
        client.close()


def test_a_message_over_the_limit_ends_the_stream(simulator: SimulatorServer) -> None:
    client = subscribed(simulator, max_message_bytes=100)
    try:
        requests.post(f"{simulator.url}/_sim/stream/replay", json=["x" * 500], timeout=5).raise_for_status()
        with pytest.raises(StreamClosed, match="a message over 100 bytes"):
            client.receive(5)
    finally:
        client.close()


def test_a_dropped_connection_ends_the_stream(simulator: SimulatorServer) -> None:
    client = subscribed(simulator)
    try:
        requests.post(f"{simulator.url}/_sim/faults", json={"route": "pumpportal.stream", "mode": "drop", "count": 1},
                      timeout=5).raise_for_status()  # fmt: skip
        with pytest.raises(StreamClosed):
            client.receive(5)
    finally:
        client.close()


def test_nobody_listening_is_a_closed_stream_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(StreamClosed, match="could not connect"):
        WebSocketClient(f"ws://127.0.0.1:{free_port()}/api/data", connect_timeout=2)
    assert time.monotonic() - started < 2


def test_a_url_that_is_not_a_websocket_is_refused() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        WebSocketClient("https://pumpportal.fun/api/data")
