"""The REST API and the Socket.IO handlers of the contract, through Flask's and Flask-SocketIO's test clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from tests.service_support import ADMIN, make_app, sim_config
from token_discovery.api.app import create_app, services_of, socketio_of
from token_discovery.coordination.lease import LocalLease
from token_discovery.simulator import SimulatorServer
from token_discovery.store.mongo import MongoStore, connect
from token_discovery.store.sqlite import SQLiteStore

pytestmark = pytest.mark.integration


@pytest.fixture
def app(simulator: SimulatorServer) -> Iterator[Flask]:
    application = make_app(simulator)
    yield application
    services_of(application).close()


def test_trigger_runs_a_scan_and_answers_the_contract_shape(app: Flask) -> None:
    response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 5})
    body = response.get_json()
    assert response.status_code == 200
    for key in (
        "success",
        "scan_id",
        "tokens_found",
        "tokens_stored",
        "scan_timestamp",
        "total_scans",
        "joined",
        "cached",
    ):
        assert key in body, key
    assert body["tokens_stored"] == 5 and body["total_scans"] == 1


def test_trigger_answers_202_while_the_scan_outlives_the_wait(simulator: SimulatorServer) -> None:
    application = make_app(simulator, DISCOVERY_TRIGGER_WAIT="0")
    try:
        response = application.test_client().post("/api/discovery/trigger", json={})
        assert response.status_code == 202
        assert response.get_json()["status"] == "running"
        state = application.test_client().get("/api/discovery/scan").get_json()
        assert state["success"] and state["status"] in {"running", "completed"}
    finally:
        services_of(application).close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_tokens": 0}, "max_tokens must be an integer between 1 and 100"),
        ({"max_tokens": 101}, "max_tokens"),
        ({"max_tokens": "ten"}, "max_tokens"),
        ({"max_tokens": "5"}, "max_tokens"),  # a JSON body says numbers as numbers, as its schema does
        ({"max_tokens": True}, "max_tokens"),
        ({"chain": ""}, "chain must be one of"),
        ({"chain": "dogechain"}, "chain must be one of"),
        ({"chain": ["solana"]}, "chain must be one of"),
        ([1, 2], "body must be a JSON object"),
    ],
)
def test_bad_trigger_bodies_are_400(app: Flask, body: object, message: str) -> None:
    response = app.test_client().post("/api/discovery/trigger", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"success": False, "error": response.get_json()["error"]}
    assert message in response.get_json()["error"]


def test_non_json_and_oversized_bodies_are_4xx(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/api/discovery/trigger", data="{nope", content_type="application/json").status_code == 400
    assert client.post("/api/discovery/trigger", data="x" * 70_000, content_type="application/json").status_code == 413


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=500", "limit=abc", "chain=nochain", "chain=", "after_seq=-1", "after_seq=1e3"]
)
def test_bad_recent_queries_are_400(app: Flask, query: str) -> None:
    response = app.test_client().get(f"/api/discovery/recent?{query}")
    assert response.status_code == 400 and not response.get_json()["success"]


def test_recent_status_and_stats_after_a_scan(app: Flask) -> None:
    client = app.test_client()
    client.post("/api/discovery/trigger", json={"max_tokens": 6})
    recent = client.get("/api/discovery/recent?limit=4").get_json()
    assert recent["count"] == 4 and [t["seq"] for t in recent["tokens"]] == [6, 5, 4, 3]
    record = recent["tokens"][0]
    assert set(record) == {"id", "seq", "token_address", "token_chain", "token_data", "risk_score",
                           "risk_level", "is_safe", "scanned_at"}  # fmt: skip
    assert record["is_safe"] == (record["risk_level"] == "safe")
    assert client.get("/api/discovery/recent?after_seq=4").get_json()["count"] == 2
    status = client.get("/api/discovery/status").get_json()["status"]
    assert status["tokens_in_database"] == 6 and status["database_capacity"] == 200 and not status["scanning"]
    stats = client.get("/api/discovery/stats").get_json()["stats"]
    assert stats["safe_tokens"] + stats["risky_tokens"] + stats["unknown_tokens"] == 6
    assert stats["database_usage"] == "6/200" and stats["database_usage_percent"] == 3.0


def test_recent_tokens_are_gzipped_for_clients_that_ask(app: Flask) -> None:
    import gzip
    import json

    client = app.test_client()
    client.post("/api/discovery/trigger", json={"max_tokens": 4})
    plain = client.get("/api/discovery/recent")
    packed = client.get("/api/discovery/recent", headers={"Accept-Encoding": "gzip, deflate, br",
                                                           "Origin": "http://127.0.0.1:5000"})  # fmt: skip
    assert plain.headers.get("Content-Encoding") is None and plain.get_json()["count"] == 4
    assert packed.headers["Content-Encoding"] == "gzip"
    assert {"Accept-Encoding", "Origin"} <= {v.strip() for v in packed.headers["Vary"].split(",")}
    assert json.loads(gzip.decompress(packed.get_data())) == plain.get_json()


def test_replays_past_their_limit_join_without_one_and_say_where_to_look(app: Flask) -> None:
    app.test_client().post("/api/discovery/trigger", json={"max_tokens": 3})
    socket = socketio_of(app).test_client(app)
    answers = []
    for _ in range(6):
        socket.emit("join_discovery", {"last_seq": 0})
        answers.append(socket.get_received())
    replayed = [sum(m["name"] == "new_token" for m in received) for received in answers]
    assert replayed == [3, 3, 3, 3, 3, 0]  # five a minute per connection
    refusal = [m["args"][0]["error"] for m in answers[-1] if m["name"] == "error"]
    assert refusal and "/api/discovery/recent?after_seq=" in refusal[0]
    assert any(m["name"] == "joined_discovery" for m in answers[-1])  # joined all the same
    socket.disconnect()


def test_a_405_says_which_methods_the_route_takes(app: Flask) -> None:
    answer = app.test_client().get("/api/discovery/trigger")
    assert answer.status_code == 405 and "POST" in answer.headers["Allow"]
    assert answer.get_json()["success"] is False


def test_jsonp_polling_is_refused(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/socket.io/?EIO=4&transport=polling&j=0").status_code == 400
    assert client.get("/socket.io/?EIO=4&transport=polling").status_code == 200  # plain polling still works


def test_socket_handlers_take_extra_or_missing_arguments(app: Flask) -> None:
    socket = socketio_of(app).test_client(app)
    socket.emit("join_discovery", {"last_seq": 0}, "extra", 3)
    socket.emit("request_status", "a", "b")
    socket.emit("leave_discovery", 1, 2, 3)
    names = [m["name"] for m in socket.get_received()]
    assert "joined_discovery" in names and "discovery_status" in names and socket.is_connected()
    socket.disconnect()


def test_headers_limit_what_pages_load_and_open(app: Flask) -> None:
    page = app.test_client().get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://dd.dexscreener.com" in policy and " https: " not in policy
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in page.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in page.headers  # plain HTTP: no HSTS
    polling = app.test_client().get("/socket.io/?EIO=4&transport=polling")
    assert polling.headers["X-Content-Type-Options"] == "nosniff"


def test_over_tls_behind_a_trusted_proxy_the_cookie_is_host_only_and_secure(simulator: SimulatorServer) -> None:
    from tests.service_support import ADMIN

    application = make_app(simulator, TRUSTED_PROXY_COUNT="1")
    try:
        client = application.test_client()
        tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        token = ADMIN["Authorization"].removeprefix("Bearer ")
        login = client.post("/admin/login", data={"token": token}, headers=tls)
        cookie = login.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Domain" not in cookie
        assert login.headers["Strict-Transport-Security"].startswith("max-age=")
        assert client.get("/api/admin/stats", headers=tls).status_code == 200  # the cookie is read back
        plain = application.test_client().post("/admin/login", data={"token": token})
        assert plain.headers["Set-Cookie"].startswith("session=") and "Secure" not in plain.headers["Set-Cookie"]
    finally:
        services_of(application).close()


def test_scan_state_is_200_before_any_scan(app: Flask) -> None:
    response = app.test_client().get("/api/discovery/scan")
    assert response.status_code == 200 and response.get_json()["status"] == "idle"


def test_admin_routes_need_the_token(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/api/discovery/auto/start").status_code == 401
    assert client.post("/api/discovery/auto/start", headers={"Authorization": "Bearer wrong"}).status_code == 401
    started = client.post("/api/discovery/auto/start", json={"interval_seconds": 60, "max_tokens": 3}, headers=ADMIN)
    assert started.status_code == 200 and started.get_json()["status"]["auto_discovery_active"]
    assert client.post("/api/discovery/auto/start", json={"interval_seconds": 5}, headers=ADMIN).status_code == 400
    stopped = client.post("/api/discovery/auto/stop", headers=ADMIN).get_json()
    assert stopped["stopped"] and not stopped["status"]["auto_discovery_active"]


def test_admin_routes_are_403_when_no_admin_token_is_set(simulator: SimulatorServer) -> None:
    config = sim_config(simulator)
    application = create_app(config, store=SQLiteStore(":memory:"), async_mode="threading")
    try:
        response = application.test_client().post("/api/discovery/auto/start", headers={"Authorization": "Bearer "})
        assert response.status_code == 403
    finally:
        services_of(application).close()


def test_unknown_routes_and_methods_are_json_4xx(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/api/nope").get_json() == {
        "success": False,
        "error": client.get("/api/nope").get_json()["error"],
    }
    assert client.get("/api/nope").status_code == 404
    assert client.get("/api/discovery/trigger").status_code == 405


def test_a_down_mongodb_makes_reads_503_and_health_degraded(simulator: SimulatorServer) -> None:
    import time

    config = sim_config(simulator)
    store = MongoStore(connect("mongodb://127.0.0.1:1/token_discovery"))
    application = create_app(config, store=store, async_mode="threading")
    try:
        client = application.test_client()
        started = time.monotonic()
        response = client.get("/api/discovery/recent")
        assert response.status_code == 503 and response.get_json()["error"] == "database unavailable"
        assert time.monotonic() - started < 1.5
        assert client.get("/healthz").get_json()["status"] == "degraded"
    finally:
        services_of(application).close()


def test_cors_allows_only_configured_origins(app: Flask) -> None:
    client = app.test_client()
    allowed = client.get("/healthz", headers={"Origin": "http://127.0.0.1:5000"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5000"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", headers={"Origin": "https://evil.test"}).headers


def test_socket_join_replays_what_the_client_missed_then_streams(app: Flask) -> None:
    app.test_client().post("/api/discovery/trigger", json={"max_tokens": 5})
    socket = socketio_of(app).test_client(app)
    assert socket.get_received()[0]["name"] == "connected"
    socket.emit("join_discovery", {"last_seq": 2})
    received = socket.get_received()
    names = [event["name"] for event in received]
    assert names == ["new_token", "new_token", "new_token", "joined_discovery"]
    assert [event["args"][0]["seq"] for event in received[:3]] == [3, 4, 5]
    services_of(app).service.trigger_scan(max_tokens=7).to_json()
    streamed = [e["args"][0]["seq"] for e in socket.get_received() if e["name"] == "new_token"]
    assert streamed == list(range(6, 13))  # the 5 known tokens are skipped, 7 new ones stream in order


@pytest.mark.parametrize("payload", [{"last_seq": -1}, {"last_seq": "3"}, {"last_seq": True}, [1]])
def test_bad_join_payloads_get_an_error_event(app: Flask, payload: object) -> None:
    socket = socketio_of(app).test_client(app)
    socket.get_received()
    socket.emit("join_discovery", payload)
    (event,) = socket.get_received()
    assert event["name"] == "error" and "last_seq" in event["args"][0]["error"] or "object" in event["args"][0]["error"]


def test_request_status_answers_the_status_object(app: Flask) -> None:
    socket = socketio_of(app).test_client(app)
    socket.get_received()
    socket.emit("request_status")
    (event,) = socket.get_received()
    assert event["name"] == "discovery_status" and "tokens_in_database" in event["args"][0]


def test_inbound_limits_answer_429_json_with_retry_after(simulator: SimulatorServer) -> None:
    application = make_app(simulator, RATE_LIMIT_TRIGGER="2 per minute", RATE_LIMIT_DEFAULT="4 per minute")
    try:
        client = application.test_client()
        answers = [client.post("/api/discovery/trigger", json={"max_tokens": 2}) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        refused = answers[-1]
        assert refused.get_json() == {"success": False, "error": refused.get_json()["error"]}
        assert "2 per 1 minute" in refused.get_json()["error"] and int(refused.headers["Retry-After"]) > 0
        reads = [client.get("/api/discovery/status").status_code for _ in range(5)]
        assert reads == [200, 200, 200, 200, 429]
        assert client.get("/healthz").status_code == 200  # liveness is never limited
    finally:
        services_of(application).close()


def test_a_bad_rate_limit_setting_is_refused_at_start() -> None:
    from token_discovery.config import Config, ConfigError

    with pytest.raises(ConfigError, match="RATE_LIMIT_TRIGGER must be a rate limit like '20 per minute', got 'lots'"):
        Config.from_env({"RATE_LIMIT_TRIGGER": "lots"})


def test_metrics_are_prometheus_text_from_the_live_services(app: Flask) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    client = app.test_client()
    client.post("/api/discovery/trigger", json={"max_tokens": 4})
    socket = socketio_of(app).test_client(app)
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }
    assert samples[("td_upstream_calls_total", (("route", "dexscreener.token_profiles"),))] == 1
    assert samples[("td_upstream_rate_limited_total", (("route", "goplus.token_security"),))] == 0  # there from 0
    assert sum(v for (name, _), v in samples.items() if name == "td_tokens_stored") == 4
    assert samples[("td_store_up", ())] == 1 and samples[("td_socket_clients", ())] == 1
    assert samples[("td_budget_balance", (("route_class", "dexscreener.discovery"),))] == 58
    assert samples[("td_tokens_discovered_total", ())] == 4 and samples[("td_scans_total", ())] == 1
    assert samples[("td_uptime_seconds", ())] >= 0 and samples[("td_healthy", ())] in (0, 1)
    assert samples[("td_socket_capacity", ())] > 0
    trigger = (("method", "POST"), ("route", "/api/discovery/trigger"), ("status", "2xx"))
    assert samples[("td_http_request_seconds_count", trigger)] == 1
    assert samples[("td_broadcast_seconds_count", (("event", "new_token"),))] == 4
    assert samples[("td_new_token_lag_seconds_count", ())] == 4
    assert ("td_redis_up", ()) not in samples  # no REDIS_URL: nothing to say about it
    socket.disconnect()


def test_http_latency_is_labelled_by_route_never_by_raw_path(app: Flask) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    client = app.test_client()
    for path in ("/api/discovery/status", "/no/such/page/1", "/no/such/page/2", "/api/discovery/recent?limit=x"):
        client.get(path)
    text = client.get("/metrics").get_data(as_text=True)
    counts = {
        (sample.labels["route"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "td_http_request_seconds_count"
    }
    assert counts == {("/api/discovery/status", "2xx"): 1, ("unmatched", "4xx"): 2, ("/api/discovery/recent", "4xx"): 1}


def test_a_broadcast_is_encoded_once_whatever_the_number_of_clients(app: Flask) -> None:
    import json
    from types import SimpleNamespace
    from unittest import mock

    from socketio import packet

    from token_discovery.realtime import rooms
    from token_discovery.realtime.packets import RecordPacket

    sockets = [socketio_of(app).test_client(app) for _ in range(25)]
    for socket in sockets:
        socket.emit("join_discovery")
        socket.get_received()
    encode = packet.Packet.encode

    def full_encode(self: packet.Packet) -> object:
        """Socket.IO's own encoding, which serialises the whole record again (the server's packets only)."""
        if isinstance(self, RecordPacket) and isinstance(self.data, list) and self.data[:1] == ["new_token"]:
            full.append(1)
        return encode(self)

    full: list[int] = []
    made = mock.Mock(wraps=json.dumps)
    with mock.patch.object(rooms, "json", SimpleNamespace(dumps=made)), \
            mock.patch.object(packet.Packet, "encode", full_encode):  # fmt: skip
        app.test_client().post("/api/discovery/trigger", json={"max_tokens": 3})
        received = [[m for m in socket.get_received() if m["name"] == "new_token"] for socket in sockets]
    assert all(len(tokens) == 3 for tokens in received)
    assert [r["args"][0] for r in received[0]] == [r["args"][0] for r in received[-1]]
    records = [call for call in made.call_args_list if "token_address" in call.args[0]]
    assert len(records) == 3 and full == []  # one encoding per token, reused by every slice and client
    for socket in sockets:
        socket.disconnect()


def test_openapi_documents_every_route_of_the_app(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    served = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.rule.startswith(("/api/", "/healthz", "/metrics"))
    }
    assert served == documented
    for item in spec["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    ref = media["schema"].get("$ref")
                    if ref:
                        assert ref.rsplit("/", 1)[-1] in spec["components"]["schemas"]


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000])
def test_deeply_nested_bodies_are_400_not_500(app: Flask, body: str) -> None:
    response = app.test_client().post("/api/discovery/trigger", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "body is nested too deeply"


def test_a_forged_x_forwarded_for_does_not_escape_the_limits(simulator: SimulatorServer) -> None:
    application = make_app(simulator, RATE_LIMIT_DEFAULT="3 per minute")
    try:
        client = application.test_client()
        codes = [client.get("/api/discovery/status", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                 for i in range(4)]  # fmt: skip
        assert codes == [200, 200, 200, 429]
    finally:
        services_of(application).close()


def test_mongo_style_operators_are_plain_invalid_values(app: Flask) -> None:
    response = app.test_client().post("/api/discovery/trigger", json={"chain": {"$ne": None}})
    assert response.status_code == 400 and "chain must be one of" in response.get_json()["error"]


def test_pages_carry_a_strict_content_security_policy(app: Flask) -> None:
    page = app.test_client().get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get("/api/discovery/scan").headers["Referrer-Policy"] == "no-referrer"


def test_inbound_limits_keep_working_when_redis_is_down(simulator: SimulatorServer) -> None:
    config = sim_config(simulator, REDIS_URL="redis://127.0.0.1:1/0", RATE_LIMIT_DEFAULT="2 per minute")
    application = create_app(config, store=SQLiteStore(":memory:"), async_mode="threading", lease=LocalLease())
    try:
        codes = [application.test_client().get("/api/discovery/scan").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        services_of(application).close()


def test_unknown_fields_such_as_a_profile_url_are_refused(app: Flask) -> None:
    response = app.test_client().post("/api/discovery/trigger", json={"profile_url": "http://169.254.169.254/"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("unknown field(s): profile_url")


def test_a_client_flooding_socket_events_is_slowed_down(app: Flask) -> None:
    socket = socketio_of(app).test_client(app)
    socket.get_received()
    for _ in range(25):
        socket.emit("request_status")
    names = [event["name"] for event in socket.get_received()]
    assert names.count("discovery_status") == 20 and names.count("error") == 5
    other = socketio_of(app).test_client(app)  # another connection has its own allowance
    other.get_received()
    other.emit("request_status")
    assert other.get_received()[0]["name"] == "discovery_status"


@pytest.mark.parametrize(
    "query", ["limit=²", "limit=--5", "after_seq=" + "9" * 5000, "limit= 7 x", "limit=", "after_seq=1.5", "chain="]
)
def test_odd_numbers_in_queries_are_400_not_500(app: Flask, query: str) -> None:
    assert app.test_client().get(f"/api/discovery/recent?{query}").status_code == 400


def test_a_query_field_given_twice_is_refused_not_half_read(app: Flask) -> None:
    answer = app.test_client().get("/api/discovery/recent?limit=5&limit=abc")
    assert answer.status_code == 400 and answer.get_json()["error"] == "limit is given more than once"
    assert app.test_client().get("/api/discovery/outcomes?hours=5&hours=6").status_code == 400


@pytest.mark.parametrize("body", [{"max_tokens": None}, {"chain": None}, {"max_tokens": 5.0}, {"max_tokens": "5"}])
def test_a_null_or_a_number_in_another_form_is_not_a_value(app: Flask, body: dict) -> None:
    assert app.test_client().post("/api/discovery/trigger", json=body).status_code == 400


def test_the_openapi_inputs_are_the_ones_the_routes_validate_with(app: Flask) -> None:
    from token_discovery.api import inputs

    spec = app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert spec["/api/discovery/recent"]["get"]["parameters"] == inputs.RECENT.parameters()
    assert spec["/api/discovery/outcomes"]["get"]["parameters"] == inputs.OUTCOMES.parameters()
    assert spec["/api/discovery/trigger"]["post"]["requestBody"] == inputs.TRIGGER.request_body()
    assert spec["/api/discovery/auto/start"]["post"]["requestBody"] == inputs.AUTO_START.request_body()
    for name, field in {"limit": 201, "hours": 721}.items():  # one past the documented maximum is refused
        path = "/api/discovery/recent" if name == "limit" else "/api/discovery/outcomes"
        assert app.test_client().get(f"{path}?{name}={field}").status_code == 400
        assert app.test_client().get(f"{path}?{name}={field - 1}").status_code == 200


def test_a_huge_last_seq_is_refused(app: Flask) -> None:
    socket = socketio_of(app).test_client(app)
    socket.get_received()
    socket.emit("join_discovery", {"last_seq": 2**70})
    (event,) = socket.get_received()
    assert event["name"] == "error" and "last_seq" in event["args"][0]["error"]


def test_stats_and_metrics_answer_at_once_while_a_trigger_is_stuck_on_the_cluster_lease(simulator) -> None:
    class StuckLease(LocalLease):
        def __init__(self) -> None:
            self.entered, self.release_it = threading.Event(), threading.Event()

        def try_acquire(self, scan_id: str, params: dict, ttl: float) -> str | None:
            self.entered.set()
            self.release_it.wait(2.0)  # a Redis answering in 2 s
            return None

    lease = StuckLease()
    config = sim_config(simulator, DISCOVERY_MIN_INTERVAL="0")
    application = create_app(config, store=SQLiteStore(":memory:"), async_mode="threading", lease=lease)
    try:
        trigger = threading.Thread(target=lambda: application.test_client().post("/api/discovery/trigger", json={}))
        trigger.start()
        assert lease.entered.wait(5)
        client = application.test_client()
        for path in ("/api/discovery/stats", "/api/discovery/status", "/api/discovery/scan", "/metrics"):
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            assert time.perf_counter() - started < 0.1, path
        lease.release_it.set()
        trigger.join(10)
    finally:
        services_of(application).close()


def test_a_failed_scan_answers_503_with_its_cause(simulator) -> None:
    app = make_app(simulator)
    try:
        for route in ("dexscreener.token_profiles", "dexscreener.token_boosts", "geckoterminal.new_pools"):
            requests.post(f"{simulator.url}/_sim/faults", json={"route": route, "mode": "500", "count": 10},
                          timeout=5).raise_for_status()  # fmt: skip
        response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 3})
        body = response.get_json()
        assert response.status_code == 503 and body["success"] is False and body["scan_id"]
        assert body["error"].startswith("scan failed: every discovery feed failed")
    finally:
        services_of(app).close()


def test_with_redis_broadcasts_are_timed_where_they_reach_the_clients(simulator: SimulatorServer) -> None:
    import uuid

    from prometheus_client.parser import text_string_to_metric_families

    application = make_app(simulator, REDIS_URL="redis://127.0.0.1:6379/12", REDIS_PREFIX=f"td:test:{uuid.uuid4()}:")
    try:
        client = application.test_client()
        assert client.post("/api/discovery/trigger", json={"max_tokens": 3}).status_code == 200

        def samples() -> dict[tuple[str, tuple], float]:
            text = client.get("/metrics").get_data(as_text=True)
            return {(s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip

        deadline = time.monotonic() + 10
        while samples().get(("td_broadcast_seconds_count", (("event", "new_token"),))) != 3:
            assert time.monotonic() < deadline, "the queue never brought the three tokens back"
            time.sleep(0.05)
        assert samples()[("td_redis_up", ())] == 1 and samples()[("td_new_token_lag_seconds_count", ())] == 3
    finally:
        services_of(application).close()
