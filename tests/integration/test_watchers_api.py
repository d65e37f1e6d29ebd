"""The watchers REST API: a key's watchers made, read, changed and deleted; another key sees none of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.service_support import make_app, sim_config
from token_discovery.api.app import create_app, services_of
from token_discovery.simulator import SimulatorServer
from token_discovery.store.sqlite import SQLiteStore

pytestmark = pytest.mark.integration

BODY = {"name": "young dogs", "rules": {"chains": ["solana"], "max_age_minutes": 60, "pattern": "dog"},
        "webhook_url": "http://127.0.0.1:9000/hook"}  # fmt: skip


@pytest.fixture
def app(simulator: SimulatorServer) -> Iterator[Flask]:
    application = make_app(simulator, WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WATCHERS_PER_KEY="3")
    yield application
    services_of(application).close()


def made(client: FlaskClient, body: dict[str, Any] = BODY, key: str | None = None) -> tuple[dict[str, Any], str]:
    """POST a watcher; its JSON and the key it is under."""
    answer = client.post("/api/watchers", json=body, headers={"X-Watcher-Key": key} if key else {})
    assert answer.status_code == 201, answer.get_json()
    payload = answer.get_json()
    return payload["watcher"], key or payload["owner_key"]


def test_a_key_makes_reads_changes_and_deletes_its_watchers(app: Flask) -> None:
    client = app.test_client()
    first, key = made(client)
    assert len(first["webhook_secret"]) == 64 and first["rules"]["pattern"] == "dog"
    second, _ = made(client, {**BODY, "name": "cats"}, key)
    answer = client.post("/api/watchers", json=BODY, headers={"X-Watcher-Key": key})
    assert "owner_key" not in answer.get_json()  # the key is returned once, when it is made
    headers = {"X-Watcher-Key": key}
    listed = client.get("/api/watchers", headers=headers).get_json()["watchers"]
    assert [w["name"] for w in listed] == ["young dogs", "cats", "young dogs"]
    assert all("webhook_secret" not in w and "owner" not in w for w in listed)
    patched = client.patch(f"/api/watchers/{second['id']}", json={"rules": {"levels": ["safe"]}}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["watcher"]["rules"] == {"levels": ["safe"]}
    assert client.delete(f"/api/watchers/{first['id']}", headers=headers).status_code == 200
    assert [w["id"] for w in client.get("/api/watchers", headers=headers).get_json()["watchers"]][0] == second["id"]
    signals = client.get(f"/api/watchers/{second['id']}/signals", headers=headers).get_json()
    assert signals == {"success": True, "signals": [], "count": 0}


def test_another_keys_watchers_are_invisible_and_unchangeable(app: Flask) -> None:
    client = app.test_client()
    mine, _ = made(client)
    _, other = made(client)
    headers = {"X-Watcher-Key": other}
    assert mine["id"] not in [w["id"] for w in client.get("/api/watchers", headers=headers).get_json()["watchers"]]
    for answer in (client.patch(f"/api/watchers/{mine['id']}", json={"name": "x"}, headers=headers),
                   client.delete(f"/api/watchers/{mine['id']}", headers=headers),
                   client.get(f"/api/watchers/{mine['id']}/signals", headers=headers),
                   client.get("/api/watchers/0123456789abcdef/signals", headers=headers)):  # fmt: skip
        assert answer.status_code == 404 and answer.get_json()["error"] == "no watcher of this key has that id"


@pytest.mark.parametrize("headers", [{}, {"X-Watcher-Key": "short"}, {"X-Watcher-Key": "é" * 40}])
def test_a_missing_or_malformed_key_is_a_401(app: Flask, headers: dict[str, str]) -> None:
    answer = app.test_client().get("/api/watchers", headers=headers)
    assert answer.status_code == 401 and "X-Watcher-Key" in answer.get_json()["error"]


def test_a_key_this_service_never_made_owns_nothing_and_cannot_start_owning(app: Flask) -> None:
    client, headers = app.test_client(), {"X-Watcher-Key": "x" * 40}
    assert client.get("/api/watchers", headers=headers).get_json() == {"success": True, "watchers": []}
    assert client.post("/api/watchers", json=BODY, headers=headers).status_code == 401  # no chosen (weak) keys


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "x"}, 400, "rules is required"),
        ({**BODY, "rules": {"max_score": 101}}, 400, "max_score"),
        ({**BODY, "rules": {"chains": ["tron"]}}, 400, "chains"),
        ({**BODY, "webhook_url": "not a url"}, 400, "webhook_url"),
        ({**BODY, "webhook_url": "https://192.168.1.10/hook"}, 403, "public address"),
        ({**BODY, "webhook_url": "http://hooks.example.com/hook"}, 403, "https"),
        ({**BODY, "telegram_chat_id": "me"}, 400, "telegram_chat_id"),
        ({**BODY, "owner": "someone"}, 400, "unknown field"),
    ],
)
def test_bad_watchers_are_refused_naming_the_field(app: Flask, body: dict[str, Any], code: int, field: str) -> None:
    answer = app.test_client().post("/api/watchers", json=body)
    assert answer.status_code == code and field in answer.get_json()["error"]


def test_a_key_holds_at_most_watchers_per_key(app: Flask) -> None:
    client = app.test_client()
    _, key = made(client)
    made(client, key=key)
    made(client, key=key)
    answer = client.post("/api/watchers", json=BODY, headers={"X-Watcher-Key": key})
    assert answer.status_code == 403 and "3 watchers" in answer.get_json()["error"]


def test_watchers_survive_a_restart(simulator: SimulatorServer, tmp_path: Path) -> None:
    path = str(tmp_path / "tokens.db")

    def start() -> Flask:
        config = sim_config(simulator, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        return create_app(config, store=SQLiteStore(path, config.discovery_db_capacity), async_mode="threading")

    first = start()
    watcher, key = made(first.test_client())
    services_of(first).close()
    second = start()
    try:
        listed = second.test_client().get("/api/watchers", headers={"X-Watcher-Key": key}).get_json()["watchers"]
        assert [w["id"] for w in listed] == [watcher["id"]] and listed[0]["rules"] == BODY["rules"]
    finally:
        services_of(second).close()


def test_a_watchers_owner_gets_exactly_its_matches_on_the_socket_and_in_its_signals(app: Flask) -> None:
    from token_discovery.api.app import socketio_of

    client = app.test_client()
    everything, key = made(client, {"name": "all risky", "rules": {"levels": ["risky"]}})
    _, other_key = made(client, {"name": "nothing", "rules": {"pattern": "no token is called this"}})
    mine, theirs = socketio_of(app).test_client(app), socketio_of(app).test_client(app)
    assert mine.emit("join_signals", {"owner_key": key}, callback=True) == {"success": True, "watchers": 1}
    theirs.emit("join_signals", {"owner_key": other_key}, callback=True)
    mine.get_received(), theirs.get_received()
    assert client.post("/api/discovery/trigger", json={"max_tokens": 20}).status_code == 200
    assert services_of(app).signals.wait_idle(10)
    stored = client.get("/api/discovery/recent?limit=200").get_json()["tokens"]
    risky = {token["seq"] for token in stored if token["risk_level"] == "risky"}
    received = [event["args"][0] for event in mine.get_received() if event["name"] == "signal"]
    assert risky and {signal["token"]["seq"] for signal in received} == risky and len(received) == len(risky)
    assert all(s["watcher_id"] == everything["id"] and s["matched"] == ["verdict risky"] for s in received)
    assert [event for event in theirs.get_received() if event["name"] == "signal"] == []
    kept = client.get(f"/api/watchers/{everything['id']}/signals", headers={"X-Watcher-Key": key}).get_json()
    assert kept["count"] == len(risky) and kept["signals"][0]["token"]["seq"] == max(risky)


def test_join_signals_without_a_key_is_told_what_it_takes(app: Flask) -> None:
    from token_discovery.api.app import socketio_of

    socket = socketio_of(app).test_client(app)
    socket.get_received()
    assert not socket.emit("join_signals", {"owner_key": 5}, callback=True)
    (error,) = socket.get_received()
    assert error["name"] == "error" and "owner_key" in error["args"][0]["error"]
