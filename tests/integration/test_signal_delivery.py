"""Signals leaving the service: a signed webhook a real receiver verifies, Telegram through the simulated Bot
API, a dead webhook retried then dead-lettered while scans go on, and no address checked once and swapped."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import trustme
from flask import Flask

from tests.service_support import ADMIN, make_app
from tests.webhook_receiver import Received, WebhookReceiver, verified
from token_discovery.api.app import services_of
from token_discovery.signals import webhooks
from token_discovery.signals.outbox import Delivery
from token_discovery.signals.telegram import TelegramChannel
from token_discovery.signals.webhooks import WebhookChannel
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration

BOT_TOKEN = "123456789:test-bot-token-for-the-simulator"
CHAT = 424242


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def app_for(simulator: SimulatorServer, **env: str) -> Flask:
    """The app with webhooks to this machine allowed, a bot on the simulator, and quick retries."""
    return make_app(simulator, WEBHOOK_ALLOWED_HOSTS="127.0.0.1", TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                    SIGNAL_RETRY_DELAYS="0.05,0.1", **env)  # fmt: skip


def watch(app: Flask, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Make a watcher; its JSON (with its webhook secret) and its key."""
    answer = app.test_client().post("/api/watchers", json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["watcher"], answer.get_json()["owner_key"]


def scan_and_settle(app: Flask) -> list[dict[str, Any]]:
    """One scan, every signal made and every delivery finished with; the stored tokens."""
    client = app.test_client()
    assert client.post("/api/discovery/trigger", json={"max_tokens": 20}).status_code == 200
    dispatcher = services_of(app).signals
    assert dispatcher.wait_idle(10) and dispatcher.outbox.wait_idle(20)
    return client.get("/api/discovery/recent?limit=200").get_json()["tokens"]


def test_every_match_reaches_the_webhook_signed_and_the_telegram_chat(
    simulator: SimulatorServer, receiver: WebhookReceiver
) -> None:
    app = app_for(simulator)
    try:
        watcher, _ = watch(app, {"name": "risky <b>& co", "rules": {"levels": ["risky"]},
                                 "webhook_url": receiver.url, "telegram_chat_id": CHAT})  # fmt: skip
        stored = scan_and_settle(app)
    finally:
        services_of(app).close()
    risky = {token["seq"] for token in stored if token["risk_level"] == "risky"}
    assert risky and len(receiver.received) == len(risky)
    for post in receiver.received:
        assert verified(watcher["webhook_secret"], post.body, post.headers.get("X-Signature-256"))
        assert not verified(watcher["webhook_secret"], post.body + b" ", post.headers.get("X-Signature-256"))
        assert post.json()["watcher_id"] == watcher["id"] and post.headers["X-Signal-Id"] == post.json()["id"]
    assert {post.json()["token"]["seq"] for post in receiver.received} == risky
    messages = requests.get(f"{simulator.url}/_sim/telegram", timeout=5).json()["messages"]
    assert {m["chat"]["id"] for m in messages} == {CHAT} and all(m["parse_mode"] == "HTML" for m in messages)
    assert sum(m["text"].count("🔔") for m in messages) == len(risky)
    assert all("risky &lt;b&gt;&amp; co" in m["sent_text"] for m in messages)  # the name escaped as text...
    assert all(m["text"].startswith("🔔 risky <b>& co\n") for m in messages)  # ...which the chat shows as written
    counts = services_of(app).signals.outbox.counts
    assert counts["webhook", "sent"] == counts["telegram", "sent"] == len(risky)


def test_a_dead_webhook_is_retried_then_dead_lettered_and_scans_never_wait_for_it(
    simulator: SimulatorServer,
) -> None:
    hold = threading.Event()

    def hang_then_fail(received: Received) -> int:
        hold.wait(10)  # the receiver holds every call until the scan is over
        return 503

    receiver = WebhookReceiver(hang_then_fail).start()
    app = app_for(simulator)
    try:
        watch(app, {"name": "all", "rules": {}, "webhook_url": receiver.url})
        client = app.test_client()
        assert client.post("/api/discovery/trigger", json={"max_tokens": 20}).status_code == 200
        assert receiver.wait_for(1, 10)  # a delivery is hanging...
        assert client.get("/api/discovery/scan").get_json()["status"] == "completed"  # ...and the scan is done
        hold.set()
        dispatcher = services_of(app).signals
        assert dispatcher.wait_idle(10) and dispatcher.outbox.wait_idle(20)
        metrics = client.get("/metrics").get_data(as_text=True)
        admin = client.get("/api/admin/stats", headers=ADMIN).get_json()["signals"]
    finally:
        hold.set()
        services_of(app).close()
        receiver.stop()
    made = dispatcher.signals_made
    attempts: dict[str, list[str]] = {}
    for post in receiver.received:
        attempts.setdefault(post.headers["X-Signal-Id"], []).append(post.headers["X-Signal-Attempt"])
    assert made > 0 and len(attempts) == made and all(tries == ["1", "2", "3"] for tries in attempts.values())
    outbox = dispatcher.outbox
    assert outbox.counts["webhook", "dead"] == made and outbox.counts["webhook", "retried"] == 2 * made
    assert outbox.counts["webhook", "sent"] == 0 and outbox.dead_letters[-1]["attempts"] == 3
    assert f'td_signal_deliveries_total{{channel="webhook",outcome="dead"}} {float(made)}' in metrics
    assert f'td_signal_deliveries_total{{channel="socket",outcome="sent"}} {float(made)}' in metrics
    assert "td_watchers_active 1.0" in metrics and 'td_signal_match_seconds{quantile="0.99"}' in metrics
    assert admin["watchers"] == 1 and admin["channels"]["webhook"] == {"sent": 0, "retried": 2 * made,
                                                                      "dead": made, "dropped": 0}  # fmt: skip
    assert admin["match_ms"]["tokens"] > 0 and admin["dead_letters"][0]["error"] == "127.0.0.1 answered 503"


def test_a_redirect_is_never_followed_and_a_4xx_is_not_retried(receiver: WebhookReceiver) -> None:
    receiver.answer = lambda received: 302 if received.path == "/hook" else 200
    channel = WebhookChannel(frozenset({"127.0.0.1"}), timeout=2)
    outcome = channel.send([Delivery("webhook", receiver.url, {"id": "s1"}, "secret")])
    assert not outcome.delivered and not outcome.retryable and "redirect" in outcome.error
    assert [post.path for post in receiver.received] == ["/hook"]
    receiver.answer = lambda received: 404
    assert not channel.send([Delivery("webhook", receiver.url, {"id": "s2"}, "secret")]).retryable


def test_a_host_that_now_resolves_to_a_private_address_is_never_called(receiver: WebhookReceiver) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    channel = WebhookChannel(frozenset(), timeout=2, resolve=lambda host: ["93.184.216.34", "127.0.0.1"])
    outcome = channel.send([Delivery("webhook", f"https://hooks.example.com:{port}/hook", {"id": "s"}, "k")])
    assert not outcome.delivered and not outcome.retryable and "public" in outcome.error
    assert receiver.received == []


def test_the_bot_api_answers_are_read_as_telegram_means_them(simulator: SimulatorServer) -> None:
    channel = TelegramChannel(simulator.url, BOT_TOKEN, timeout=2)
    signal = {"id": "s", "watcher_name": "w", "matched": ["verdict risky"], "token": {"risk_level": "risky"}}
    assert channel.send([Delivery("telegram", "77", signal)]).delivered
    gone = channel.send([Delivery("telegram", "@nosuchchat", signal)])
    assert not gone.retryable and "chat not found" in gone.error
    assert not channel.send([Delivery("telegram", "403", signal)]).retryable  # the user blocked the bot
    unauthorized = TelegramChannel(simulator.url, "not-a-token", timeout=2).send([Delivery("telegram", "7", signal)])
    assert not unauthorized.retryable and "not-a-token" not in unauthorized.error
    for _ in range(19):  # a chat takes 20 messages a minute
        assert channel.send([Delivery("telegram", "77", signal)]).delivered
    flooded = channel.send([Delivery("telegram", "77", signal)])
    assert flooded.retryable and flooded.retry_after >= 1 and "retry after" in flooded.error
    stats = requests.get(f"{simulator.url}/_sim/stats", timeout=5).json()
    assert stats["calls"]["telegram.send_message"] == 24 and stats["rate_limited"]["telegram.send_message"] == 1


def test_a_chat_needs_a_bot_on_this_server(simulator: SimulatorServer) -> None:
    app = make_app(simulator)
    try:
        answer = app.test_client().post("/api/watchers", json={"name": "w", "rules": {}, "telegram_chat_id": 5})
    finally:
        services_of(app).close()
    assert answer.status_code == 400 and "TELEGRAM_BOT_TOKEN" in answer.get_json()["error"]


@pytest.fixture
def tls_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebhookReceiver, str]]:
    """A receiver serving https on 127.0.0.1 as hooks.example.com, with a CA the channel is told to trust; the
    address check is made to pass for it (loopback is never public) so the pinned connection can be tested."""
    authority = trustme.CA()
    receiver = WebhookReceiver()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example.com").configure_cert(context)
    receiver.serve_tls(context)
    receiver.start()
    monkeypatch.setattr(webhooks, "public_addresses", lambda host, resolve: ["127.0.0.1"])
    with authority.cert_pem.tempfile() as ca_file:
        yield receiver, ca_file
    receiver.stop()


def test_https_goes_to_the_checked_address_with_the_hosts_name_for_tls_and_host(
    tls_receiver: tuple[WebhookReceiver, str],
) -> None:
    receiver, ca_file = tls_receiver
    port = receiver.url.split(":")[2].split("/")[0]
    channel = WebhookChannel(frozenset(), timeout=2, ca_certs=ca_file)
    outcome = channel.send([Delivery("webhook", f"https://hooks.example.com:{port}/hook?x=1", {"id": "s"}, "k")])
    assert outcome.delivered, outcome.error
    (post,) = receiver.received
    assert post.path == "/hook?x=1" and post.headers["Host"] == f"hooks.example.com:{port}"
    wrong_name = channel.send([Delivery("webhook", f"https://other.example.com:{port}/hook", {"id": "t"}, "k")])
    assert not wrong_name.delivered and len(receiver.received) == 1  # the certificate is not other.example.com's
    untrusted = WebhookChannel(frozenset(), timeout=2).send(
        [Delivery("webhook", f"https://hooks.example.com:{port}/hook", {"id": "u"}, "k")]
    )
    assert not untrusted.delivered and len(receiver.received) == 1  # an authority the system does not trust
