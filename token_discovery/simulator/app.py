"""The simulator's WSGI application: upstream routes behind faults and rate limits, plus `/_sim` control."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from token_discovery.simulator import handlers
from token_discovery.simulator.answers import (
    CLOUDFLARE_PAGE,
    SERVER_ERROR_PAGE,
    forced_429,
    forced_in_body,
    rate_limited,
)
from token_discovery.simulator.faults import Fault, FaultBook, FaultSpecError, parse_fault
from token_discovery.simulator.handlers import Answer
from token_discovery.simulator.injection import InjectionError, Launch, inject
from token_discovery.simulator.launches import InvalidMigration, MarketLaunches, migrate
from token_discovery.simulator.limits import ROUTE_CLASS, RateLimits
from token_discovery.simulator.pumpfun import creation_message
from token_discovery.simulator.pumpportal import NEW_TOKENS, InvalidReplay, PumpPortalHub
from token_discovery.simulator.pumpportal import PATH as STREAM_PATH
from token_discovery.simulator.pumpportal import ROUTE as STREAM_ROUTE
from token_discovery.simulator.telegram import TelegramBot
from token_discovery.simulator.universe import Universe

TELEGRAM_ROUTE = "telegram.send_message"
HTTP_ROUTES = (*ROUTE_CLASS, TELEGRAM_ROUTE)  # counted call by call; the stream's connections are counted apart
ROUTE_NAMES = (*HTTP_ROUTES, STREAM_ROUTE)  # what a fault may name
HANG_SECONDS = 300.0  # a "timeout" fault holds the call this long, or until the server stops
DRIP_SECONDS = 0.25  # a "slow" fault sends one byte per this many seconds

_UPSTREAM_RULES = [
    ("/token-profiles/latest/v1", "dexscreener.token_profiles"),
    ("/token-boosts/latest/v1", "dexscreener.token_boosts"),
    ("/tokens/v1/<chain>/<addresses>", "dexscreener.tokens"),
    ("/api/v2/networks/new_pools", "geckoterminal.new_pools"),
    ("/api/v2/networks/<network>/new_pools", "geckoterminal.new_pools"),
    ("/api/v2/networks/<network>/pools/<pool>/ohlcv/<timeframe>", "geckoterminal.ohlcv"),
    ("/api/v1/token_security/<chain_id>", "goplus.token_security"),
    ("/api/v1/solana/token_security", "goplus.solana_token_security"),
]
_CONTROL_RULES = [
    ("/_sim/stats", "stats", ["GET"]),
    ("/_sim/faults", "faults", ["GET", "POST", "DELETE"]),
    ("/_sim/tokens", "tokens", ["POST"]),
    ("/_sim/reset", "reset", ["POST"]),
    ("/_sim/telegram", "telegram", ["GET"]),
    ("/_sim/migrations", "migrations", ["POST"]),
    ("/_sim/stream/replay", "replay", ["POST"]),
]
URL_MAP = Map(
    [Rule(path, endpoint=name, methods=["GET"]) for path, name in _UPSTREAM_RULES]
    + [Rule("/bot<token>/sendMessage", endpoint=TELEGRAM_ROUTE, methods=["POST"])]
    + [Rule(path, endpoint=f"_sim.{name}", methods=methods) for path, name, methods in _CONTROL_RULES],
    strict_slashes=False,
)
HANDLERS: dict[str, Callable[..., Answer]] = {
    "dexscreener.token_profiles": handlers.token_profiles,
    "dexscreener.token_boosts": handlers.token_boosts,
    "dexscreener.tokens": handlers.dex_tokens,
    "geckoterminal.new_pools": handlers.new_pools,
    "geckoterminal.ohlcv": handlers.ohlcv,
    "goplus.token_security": handlers.goplus_evm,
    "goplus.solana_token_security": handlers.goplus_solana,
}


class CallStats:
    """Calls and rate-limit answers per route, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._limited: Counter[str] = Counter()

    def count(self, route: str, limited: bool = False) -> None:
        """Record one call on a route, and whether it was answered "rate limited"."""
        with self._lock:
            self._calls[route] += 1
            self._limited[route] += int(limited)

    def mark_limited(self, route: str) -> None:
        """Record that the last call on a route was answered "rate limited"."""
        with self._lock:
            self._limited[route] += 1

    def reset(self) -> None:
        """Counters back to zero."""
        with self._lock:
            self._calls.clear()
            self._limited.clear()

    def snapshot(self) -> dict[str, Any]:
        """Every route with its counts, zeros included."""
        with self._lock:
            calls = {route: self._calls[route] for route in HTTP_ROUTES}
            limited = {route: self._limited[route] for route in HTTP_ROUTES}
        return {"calls": calls, "rate_limited": limited, "total_calls": sum(calls.values())}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the given status and headers."""
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def _read_json(request: Request) -> Any:
    """The request body as JSON; raises ValueError when it is not JSON (or nested too deeply to read)."""
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except RecursionError:
        raise ValueError("nested too deeply") from None


class SimulatorApp:
    """The whole simulated upstream as one WSGI callable."""

    def __init__(  # noqa: PLR0913 - each is a knob of the simulated market
        self,
        seed: int = 7,
        rate_scale: float = 1.0,
        spawn_seconds: float = 15.0,
        clock: Callable[[], float] = time.time,
        latency: float = 0.0,
        pump_seconds: float = 0.0,
    ) -> None:
        self.stopping = threading.Event()
        self.universe = Universe(seed, clock, spawn_seconds)
        self.faults = FaultBook()
        self.stream = PumpPortalHub(self.faults)
        self.launches = MarketLaunches(self.universe, self.stream, pump_seconds, self.stopping) if pump_seconds \
            else None  # fmt: skip
        self.stats = CallStats()
        self.latency = latency  # seconds every upstream answer takes, as a call over the internet does
        self._clock, self._rate_scale = clock, rate_scale
        self.limits = RateLimits(clock, rate_scale)
        self.telegram = TelegramBot(clock, rate_scale)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Serve one WSGI request (the stream's WebSocket included)."""
        if environ.get("PATH_INFO") == STREAM_PATH and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            self.stream.serve(environ)
            raise ConnectionError("stream closed")  # how a WSGI app under werkzeug ends an upgraded connection
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route a request to an upstream handler or a control endpoint."""
        try:
            endpoint, values = URL_MAP.bind_to_environ(request.environ).match()
        except HTTPException as error:
            return json_response(error.code or 400, {"error": error.description})
        if endpoint.startswith("_sim."):
            return self._control(endpoint, request)
        return self._upstream(endpoint, request, dict(values))

    def _upstream(self, route: str, request: Request, values: dict[str, str]) -> Response:
        """One upstream call: counted, then a fault, a rate-limit answer, or the real answer."""
        if self.latency:
            self.stopping.wait(self.latency)
        fault = self.faults.take(route)
        self.stats.count(route, limited=fault is not None and fault.mode in ("429", "4029"))
        if fault is not None:
            return self._faulted(route, fault, request, values)
        if route == TELEGRAM_ROUTE:
            return self._answer(self._telegram_answer(request, values))
        admission = self.limits.admit(route)
        if not admission.admitted:
            self.stats.mark_limited(route)
            return self._answer(rate_limited(route, admission.retry_after))
        return self._answer(HANDLERS[route](self.universe, request.args, **values))

    def _telegram_answer(self, request: Request, values: dict[str, str]) -> Answer:
        """sendMessage: the bot's own answers and limits."""
        try:
            body = _read_json(request)
        except ValueError:
            body = None
        answer = self.telegram.send_message(values["token"], body)
        if answer.status == 429:
            self.stats.mark_limited(TELEGRAM_ROUTE)
        return answer

    def _answer(self, answer: Answer) -> Response:
        """An Answer as a JSON response."""
        return json_response(answer.status, answer.body, dict(answer.headers))

    def _faulted(self, route: str, fault: Fault, request: Request, values: dict[str, str]) -> Response:
        """What a call answers under an injected fault."""
        if fault.mode == "429":
            return self._answer(forced_429(route, fault.retry_after))
        if fault.mode == "4029":
            return self._answer(forced_in_body(route, fault.retry_after))
        if fault.mode == "500":
            return Response(SERVER_ERROR_PAGE, status=500, mimetype="text/html")
        if fault.mode == "garbage":
            return Response(CLOUDFLARE_PAGE, status=200, mimetype="text/html")
        if fault.mode == "timeout":
            self.stopping.wait(HANG_SECONDS)
            return json_response(504, {"error": "Gateway Timeout"})
        answer = self._telegram_answer(request, values) if route == TELEGRAM_ROUTE else \
            HANDLERS[route](self.universe, request.args, **values)  # fmt: skip
        return Response(self._drip(json.dumps(answer.body).encode()), status=answer.status,
                        mimetype="application/json")  # fmt: skip

    def _drip(self, payload: bytes) -> Iterator[bytes]:
        """The payload one byte at a time, slowly, until it ends or the server stops."""
        for index in range(len(payload)):
            if self.stopping.wait(DRIP_SECONDS):
                return
            yield payload[index : index + 1]

    def _control(self, endpoint: str, request: Request) -> Response:
        """The /_sim control surface."""
        if endpoint == "_sim.stats":
            stream = {"opened": self.stream.opened, "sent": self.stream.sent}  # connections since the start, messages
            snapshot = {**self.stats.snapshot(), "faults": self.faults.active()}
            return json_response(200, {**snapshot, "connections": self.stream.connections(), "stream": stream})
        if endpoint == "_sim.reset":
            self.reset()
            return json_response(200, {"reset": True})
        if endpoint == "_sim.telegram":
            return json_response(200, {"messages": list(self.telegram.messages)})
        if endpoint == "_sim.faults" and request.method == "GET":
            return json_response(200, {"faults": self.faults.active()})
        if endpoint == "_sim.faults" and request.method == "DELETE":
            self.faults.clear()
            return json_response(200, {"cleared": True})
        return self._with_body(endpoint, request)

    def _with_body(self, endpoint: str, request: Request) -> Response:
        """Control calls that carry a JSON body: add a fault, inject tokens."""
        try:
            body = _read_json(request)
            if endpoint == "_sim.faults":
                fault = parse_fault(body, ROUTE_NAMES)
                self.faults.add(fault)
                if fault.route == STREAM_ROUTE:
                    self.stream.apply(fault)
                return json_response(201, {"fault": dict(vars(fault))})
            if endpoint == "_sim.migrations":
                return json_response(201, migrate(self.universe, self.stream, body))
            if endpoint == "_sim.replay":
                return json_response(201, {"delivered": self.stream.replay(body)})
            return json_response(201, inject(self.universe, body, self._announce))
        except ValueError as error:  # JSON, FaultSpecError and InjectionError are all ValueErrors
            known = FaultSpecError | InjectionError | InvalidMigration | InvalidReplay
            message = str(error) if isinstance(error, known) else "body is not JSON"
            return json_response(400, {"error": message})

    def _announce(self, launch: Launch) -> None:
        """A token launched through /_sim/tokens: its creation on the stream."""
        rng = random.Random(f"signature:{launch.token.address}")
        self.stream.publish(NEW_TOKENS, creation_message(launch.token, launch.creator, launch.buy_sol, rng))

    def reset(self) -> None:
        """Back to the seeded universe, no faults, empty limit windows, counters at zero."""
        self.universe.reset()
        self.faults.clear()
        self.stats.reset()
        self.limits = RateLimits(self._clock, self._rate_scale)
        self.telegram.reset()
