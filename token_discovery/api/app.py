"""create_app: Flask and Socket.IO around the services built by bootstrap."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, session
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from token_discovery import events
from token_discovery.api import admin, console, discovery, health, metrics, openapi, pages, watchers
from token_discovery.api.auth import BEARER_FAILURES_PER_MINUTE
from token_discovery.api.bodies import read_bodies_within
from token_discovery.api.headers import AdaptiveSessionInterface, cors_headers, security_headers
from token_discovery.api.limits import install_limiter
from token_discovery.api.metrics import install_metrics
from token_discovery.api.origins import OriginPolicy
from token_discovery.api.responses import BadRequest, fail
from token_discovery.api.serving import socketio_edges, without_websocket_compression
from token_discovery.api.sessions import SessionRegistry, session_is_admin
from token_discovery.bootstrap import Services, build_services
from token_discovery.config import Config
from token_discovery.monitoring.capacity import raise_descriptor_limit
from token_discovery.monitoring.monitor import Monitor
from token_discovery.monitoring.telemetry import Telemetry
from token_discovery.realtime.delivery import OrderedDelivery
from token_discovery.realtime.gate import gate_handshakes
from token_discovery.realtime.handlers import DiscoveryNamespace, SocketNotifier
from token_discovery.realtime.limits import EVENTS_PER_WINDOW
from token_discovery.realtime.managers import OrderedRedisManager, TimedManager
from token_discovery.realtime.packets import MAX_MESSAGE_BYTES, RecordPacket, cap_websocket_messages
from token_discovery.signals.dispatch import SCAN_HOLD_SECONDS, SignalDispatcher
from token_discovery.signals.outbox import WORKERS, Channel, Outbox
from token_discovery.signals.telegram import TelegramChannel
from token_discovery.signals.webhooks import WebhookChannel
from token_discovery.store.base import StoreUnavailable
from token_discovery.store.snapshot import RecentSnapshot
from token_discovery.windows import MovingWindows

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]  # the checkout: templates/ and static/ live there
MAX_BODY_BYTES = MAX_MESSAGE_BYTES  # a request body, like a Socket.IO message (a polling POST is one)


def async_mode() -> str:
    """gevent when the process was monkey-patched by the gevent worker, else threading."""
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def create_app(config: Config, **overrides: Any) -> Flask:
    """The web app; overrides reach build_services (store, sources, clock)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(SECRET_KEY=config.secret_key, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = AdaptiveSessionInterface()
    if config.secret_key_generated:
        log.warning("SECRET_KEY is not set: using a random key; admin sessions end with the process")
    origins = OriginPolicy(config.host, config.port, config.allowed_origins)
    # With Redis, the queue's channel is the deployment's own, and new tokens go through an ordered delivery.
    queue = (
        OrderedRedisManager(config.redis_url, channel=f"{config.redis_prefix}socketio") if config.redis_url else None
    )
    manager: OrderedRedisManager | TimedManager = queue if queue is not None else TimedManager()
    manager.telemetry = telemetry = Telemetry()
    socketio = SocketIO(
        app,
        async_mode=overrides.pop("async_mode", None) or async_mode(),
        cors_allowed_origins=origins,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        client_manager=manager,
        serializer=RecordPacket,
    )
    cap_websocket_messages(socketio.server.eio, MAX_MESSAGE_BYTES)
    notifier = SocketNotifier(socketio)
    services = build_services(config, notifier=notifier, **overrides)
    snapshot = RecentSnapshot(services.store, config.discovery_db_capacity)
    notifier.on_record = snapshot.put
    delivery = wire_delivery(manager, socketio, services, snapshot)
    capacity = raise_descriptor_limit()
    log.info("limits in force: %s per address on the API, %s for triggers, %s Socket.IO connections per address "
             "(0: no cap), %s Socket.IO events per 10 s a connection, %s trusted proxies; upstream budget a window "
             "of %ss: %s", config.rate_limit_default, config.rate_limit_trigger, config.socket_max_per_address,
             EVENTS_PER_WINDOW, config.trusted_proxy_count, config.budget_window,
             services.gate.budget.limits())  # fmt: skip
    app.extensions["token_discovery"] = services
    app.extensions["token_discovery.socketio"] = socketio
    app.extensions["token_discovery.snapshot"] = snapshot
    sessions = app.extensions["token_discovery.admin_sessions"] = SessionRegistry(config.redis_url, config.redis_prefix)
    app.extensions["token_discovery.bearer_failures"] = MovingWindows(BEARER_FAILURES_PER_MINUTE, 60)
    monitor = Monitor(services)
    monitor.capacity = capacity
    monitor.probe.refresh()  # the first answer exists before the first request
    socketio.start_background_task(monitor.probe.loop)
    services.on_close.append(monitor.probe.stop)
    app.extensions["token_discovery.monitor"] = monitor
    app.extensions["token_discovery.metrics"] = install_metrics(services, monitor, telemetry.registry)
    _time_requests(app, telemetry)
    namespace = DiscoveryNamespace(socketio, services.service, monitor, delivery.replay, config.socket_max_per_address)
    namespace.is_admin = lambda: session_is_admin(session, config.admin_token, sessions)
    namespace.watchers = services.watchers
    start_signals(socketio, notifier, services)
    start_stream(socketio, services)
    socketio.on_namespace(namespace)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(watchers.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    install_limiter(app, config)
    _register_errors(app)
    app.after_request(cors_headers(origins))
    if config.trusted_proxy_count:  # outermost, so Socket.IO and Flask both see the client's scheme, host and address
        n = config.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    edges = socketio_edges(without_websocket_compression(app.wsgi_app))
    app.wsgi_app = read_bodies_within(  # type: ignore[method-assign]
        gate_handshakes(edges), MAX_BODY_BYTES, config.request_body_timeout
    )
    app.after_request(security_headers)
    if config.auto_start_discovery:
        services.service.start_auto_discovery()
    return app


def start_signals(socketio: SocketIO, notifier: SocketNotifier, services: Services) -> SignalDispatcher:
    """Match every token this process announces against the watchers, on a worker of its own, and send each
    signal to its owner's sockets (through the Redis queue to every process's, when there is one)."""

    def send(owner: str, signal: dict[str, Any]) -> None:
        socketio.emit(events.SIGNAL, signal, to=events.signal_room(owner))

    config = services.config
    channels: dict[str, Channel] = {"webhook": WebhookChannel(config.webhook_allowed_hosts, config.webhook_timeout)}
    if config.telegram_bot_token:
        channels["telegram"] = TelegramChannel(
            config.telegram_api_base_url, config.telegram_bot_token, config.webhook_timeout
        )
    outbox = Outbox(channels, config.signal_retry_delays)
    dispatcher = SignalDispatcher(
        services.watchers, services.store, send, services.watchers.clock, outbox, config.signals_per_minute
    )
    dispatcher.pace = idle_wait(socketio)
    coordinator = services.service.coordinator
    dispatcher.scanning, dispatcher.await_scan = coordinator.scanning, coordinator.wait_for_scan
    outbox.give_way = lambda: coordinator.scanning() and coordinator.wait_for_scan(SCAN_HOLD_SECONDS)
    notifier.on_announce = dispatcher.offer
    socketio.start_background_task(dispatcher.run)
    for _ in range(WORKERS):
        socketio.start_background_task(outbox.run)
    services.on_close.extend((dispatcher.stop, outbox.stop))
    services.signals = dispatcher
    return dispatcher


def start_stream(socketio: SocketIO, services: Services) -> None:
    """Hold the pump.fun stream (when configured and while the lease allows) and feed its intake, each on a
    worker of its own; both stop with the services."""
    stream = services.stream
    if stream is None:
        return
    socketio.start_background_task(stream.stream.run)
    socketio.start_background_task(stream.intake.run)
    services.on_close[:0] = [stream.stream.stop, stream.intake.stop]  # first: no batch starts on a closing store


def idle_wait(socketio: SocketIO) -> Callable[[float], None]:
    """What the signal worker waits on between slices of work: under gevent, until no other greenlet can run (a
    scan, a broadcast and every request go first) or the patience given has run out, so a loop that is never idle
    still lets signals through; else a plain yield."""
    if socketio.async_mode != "gevent":
        return lambda patience: socketio.sleep(0)
    import gevent

    def idle(patience: float) -> None:
        with gevent.Timeout(patience, False):
            gevent.idle()

    return idle


def socketio_of(app: Flask) -> SocketIO:
    """The SocketIO server of an app made by create_app."""
    return app.extensions["token_discovery.socketio"]


def wire_delivery(
    manager: OrderedRedisManager | TimedManager, socketio: SocketIO, services: Services, snapshot: RecentSnapshot
) -> OrderedDelivery:
    """New tokens to this process's room in seq order; a watcher sends from the store what never came (with
    Redis, what the queue dropped; without, what another writer stored); with Redis, the read model hears other
    processes."""
    delivery = manager.delivery = OrderedDelivery(services.store, snapshot, pace=lambda: socketio.sleep(0))
    if isinstance(manager, OrderedRedisManager):
        manager.on_record = snapshot.put
    stop = threading.Event()  # a token stored by another writer (a scanner process, a lost message) still arrives
    socketio.start_background_task(manager.watch, stop, socketio.sleep)
    services.on_close.append(stop.set)
    return delivery


def monitor_of(app: Flask) -> Monitor:
    """The monitor of an app made by create_app."""
    return app.extensions["token_discovery.monitor"]


def services_of(app: Flask) -> Services:
    """The services of an app made by create_app."""
    return app.extensions["token_discovery"]


def _time_requests(app: Flask, telemetry: Telemetry) -> None:
    """Every HTTP answer goes into the latency histogram, by route (the URL rule, never the raw path)."""

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def stop_clock(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule is not None else None
            telemetry.observe_request(request.method, rule, response.status_code, started)
        return response


def _register_errors(app: Flask) -> None:
    """Every error is JSON with success false; bad input is a 4xx, a down database a 503."""
    app.register_error_handler(BadRequest, lambda error: fail(400, str(error)))
    app.register_error_handler(StoreUnavailable, lambda error: fail(503, "database unavailable"))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        response, code = fail(error.code or 500, error.description or error.name)
        allow = dict(error.get_headers()).get("Allow")
        if allow:  # a 405 says which methods the route takes
            response.headers["Allow"] = allow
        return response, code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return fail(500, "internal error")
