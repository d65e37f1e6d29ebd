"""Admin sessions: CSRF on every cookie change, logout and a new ADMIN_TOKEN end them, bearer guesses are limited."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.service_support import ADMIN, ManualClock, make_app
from token_discovery.api.app import services_of
from token_discovery.api.sessions import IDLE_SECONDS, SessionRegistry
from token_discovery.simulator import SimulatorServer

TOKEN = ADMIN["Authorization"].removeprefix("Bearer ")
OWN = "http://localhost"  # the Flask test client's origin


@pytest.fixture
def app(simulator: SimulatorServer) -> Iterator[Flask]:
    application = make_app(simulator, SECRET_KEY="a-test-secret-key-of-some-length")
    yield application
    services_of(application).close()


def logged_in(application: Flask) -> tuple[FlaskClient, str]:
    """A client with an admin session, and the page's CSRF token."""
    client = application.test_client()
    assert client.post("/admin/login", data={"token": TOKEN}).status_code == 303
    page = client.get("/admin").get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the console carries its CSRF token"
    return client, found.group(1)


def test_a_cookie_change_needs_the_csrf_token_and_this_origin(app: Flask) -> None:
    client, csrf = logged_in(app)
    stop = "/api/discovery/auto/stop"
    assert client.post(stop).status_code == 403  # a form or fetch from elsewhere carries no token
    assert client.post(stop, headers={"X-CSRF-Token": "guess"}).status_code == 403
    cross_port = {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site", "Origin": "http://localhost:5001"}
    assert client.post(stop, headers=cross_port).status_code == 403
    assert client.post(stop, headers={"X-CSRF-Token": csrf, "Origin": "http://localhost:5001"}).status_code == 403
    own = {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-origin", "Origin": OWN}
    assert client.post(stop, headers=own).status_code == 200
    assert client.get("/api/admin/stats").status_code == 200  # reading needs no token
    assert app.test_client().post(stop, headers=ADMIN).status_code == 200  # nor does the bearer token


def test_a_logged_out_cookie_is_refused_even_replayed(app: Flask) -> None:
    client, csrf = logged_in(app)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert client.post("/admin/logout").status_code == 403  # a cross-site form cannot log the admin out
    assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/api/admin/stats").status_code == 401


def test_wrong_bearer_tokens_are_limited_like_the_login_form(app: Flask) -> None:
    client = app.test_client()
    codes = [client.get("/api/admin/stats", headers={"Authorization": f"Bearer guess-{n}"}).status_code
             for n in range(11)]  # fmt: skip
    assert codes == [401] * 10 + [429]
    refused = client.get("/api/admin/stats", headers=ADMIN)
    assert refused.status_code == 429  # the address waits out its minute
    assert 50 <= int(refused.headers["Retry-After"]) <= 60


def test_a_new_admin_token_and_a_logout_on_another_process_end_sessions(simulator: SimulatorServer) -> None:
    shared = {"SECRET_KEY": "a-test-secret-key-of-some-length", "REDIS_URL": "redis://127.0.0.1:6379/14",
              "REDIS_PREFIX": f"td:test:{uuid.uuid4()}:"}  # fmt: skip
    first, second = make_app(simulator, **shared), make_app(simulator, **shared)
    renamed = make_app(simulator, **shared, ADMIN_TOKEN="another-admin-token-entirely")
    try:
        client, csrf = logged_in(first)
        cookie = client.get_cookie("session")
        assert cookie is not None
        elsewhere, after_change = second.test_client(), renamed.test_client()
        elsewhere.set_cookie("session", cookie.value)
        after_change.set_cookie("session", cookie.value)
        assert elsewhere.get("/api/admin/stats").status_code == 200  # one session for the whole cluster
        assert after_change.get("/api/admin/stats").status_code == 401  # opened with a token no longer in force
        assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
        assert elsewhere.get("/api/admin/stats").status_code == 401  # the logout reached every process
    finally:
        for application in (first, second, renamed):
            services_of(application).close()


def test_an_idle_session_ends_after_hours() -> None:
    clock = ManualClock(1_000_000.0)
    registry = SessionRegistry(clock=clock)
    session_id = registry.open()
    clock.now += IDLE_SECONDS - 60
    assert registry.touch(session_id)  # used: its idle deadline moves on
    clock.now += IDLE_SECONDS - 60
    assert registry.touch(session_id)
    clock.now += IDLE_SECONDS + 1
    assert not registry.touch(session_id)
