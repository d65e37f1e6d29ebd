"""The composition root: the one place that picks concrete classes from the Config."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from token_discovery import events
from token_discovery.analysis import Policy
from token_discovery.config import Config
from token_discovery.coordination.lease import LocalLease, redis_lease
from token_discovery.coordination.service import ServiceSettings, TokenDiscoveryService, utc_now
from token_discovery.scan.followups import OutcomeTracker
from token_discovery.scan.pipeline import Scanner
from token_discovery.signals.book import WatcherBook
from token_discovery.sources import DexScreenerSource, GeckoTerminalSource, GoPlusSecurity, HttpLimits, new_session
from token_discovery.sources.base import DiscoveryFeed
from token_discovery.sources.budget import ROUTE_CLASS, Budget
from token_discovery.sources.budget_journal import journaled
from token_discovery.sources.guard import CallGate
from token_discovery.sources.http import DIRECT, Gate
from token_discovery.store.base import TokenStore
from token_discovery.store.sqlite import SQLiteStore
from token_discovery.streaming.intake import FlushPolicy
from token_discovery.streaming.lease import stream_lease
from token_discovery.streaming.ledger import creator_ledger
from token_discovery.streaming.service import StreamService, StreamSettings

log = logging.getLogger(__name__)


@dataclass
class UpstreamSources:
    """The three real clients, each over its own Session."""

    dexscreener: DexScreenerSource
    geckoterminal: GeckoTerminalSource
    security: GoPlusSecurity
    sessions: list[requests.Session] = field(default_factory=list)

    @property
    def market(self) -> DexScreenerSource:
        """DexScreener serves the market data."""
        return self.dexscreener

    @property
    def candles(self) -> GeckoTerminalSource:
        """GeckoTerminal serves the candles."""
        return self.geckoterminal

    def feeds(self, chain: str | None) -> Sequence[DiscoveryFeed]:
        """DexScreener profiles and boosts (every chain), GeckoTerminal new pools (narrowed to the chain)."""
        return [*self.dexscreener.feeds(), self.geckoterminal.feed(chain)]

    def close(self) -> None:
        """Close the HTTP sessions."""
        for session in self.sessions:
            session.close()


def http_limits(config: Config) -> HttpLimits:
    """The bounds on every upstream call."""
    return HttpLimits(
        connect_timeout=config.http_connect_timeout,
        read_timeout=config.http_read_timeout,
        deadline=config.http_call_deadline,
        max_bytes=config.http_max_response_bytes,
    )


def build_budget(config: Config, journal: bool = False) -> Budget:
    """Token buckets sized from the configuration (the published limits by default), in Redis when shared;
    a local budget with `journal` remembers its spends across restarts next to the SQLite database."""
    limits = {
        "dexscreener.discovery": config.budget_dexscreener_discovery,
        "dexscreener.market": config.budget_dexscreener_market,
        "geckoterminal": config.budget_geckoterminal,
        "goplus": config.budget_goplus,
    }
    if config.redis_url:
        from token_discovery.sources.shared_budget import redis_bucket_factory

        buckets = redis_bucket_factory(config.redis_url, config.redis_prefix, config.http_call_deadline + 5)
        return Budget(limits, window=config.budget_window, bucket_factory=buckets)
    budget = Budget(limits, window=config.budget_window)
    return journaled(budget, Path(config.sqlite_path).parent / "budget.json") if journal else budget


def build_sources(config: Config, gate: Gate = DIRECT) -> UpstreamSources:
    """One Session per upstream, explicit timeouts, no automatic retries; every call through the gate."""
    limits = http_limits(config)
    sessions = [new_session() for _ in range(3)]
    return UpstreamSources(
        DexScreenerSource(sessions[0], config.dexscreener_base_url, limits, gate),
        GeckoTerminalSource(sessions[1], config.geckoterminal_base_url, limits, gate),
        GoPlusSecurity(
            sessions[2], config.goplus_base_url, limits, config.goplus_batch_size, config.goplus_access_token, gate
        ),
        sessions,
    )


def build_store(config: Config) -> TokenStore:
    """MongoDB when MONGODB_URI is set (never a silent fallback), else SQLite."""
    if config.mongodb_uri:
        from token_discovery.store.mongo import MongoStore, connect

        return MongoStore(connect(config.mongodb_uri), config.discovery_db_capacity)
    return SQLiteStore(config.sqlite_path, config.discovery_db_capacity)


@dataclass
class Services:
    """Everything the app and the headless scanner run on."""

    config: Config
    store: TokenStore
    sources: Any
    notifier: events.Notifier
    service: TokenDiscoveryService
    gate: CallGate
    watchers: WatcherBook
    signals: Any = None  # the SignalDispatcher, when a web app sends signals
    stream: StreamService | None = None  # the pump.fun stream, when PUMPPORTAL_WS_URL is set (started by the app)
    on_close: list[Callable[[], None]] = field(default_factory=list)  # background work started around them

    def close(self) -> None:
        """Stop what runs around the service, then the service; close the store and the sessions."""
        for stop in self.on_close:
            stop()
        self.service.shutdown()
        self.store.close()
        close = getattr(self.sources, "close", None)
        if close is not None:
            close()


def candle_spare(gate: CallGate, gecko_limit: int) -> Callable[[], bool]:
    """Whether a candle call may go now and still leave a third of GeckoTerminal's budget for discovery."""
    reserve = max(2, gecko_limit // 3)
    return lambda: gate.budget.quote({"geckoterminal": reserve + 1}).affordable


def build_services(config: Config, **overrides: Any) -> Services:
    """Wire the service; `store`, `sources`, `notifier`, `clock` may be overridden (tests, demo)."""
    store = overrides.get("store") or build_store(config)
    # A test that brings its own store or gate keeps its budget to itself; a real run remembers its spends.
    real_run = not {"store", "gate"} & overrides.keys()
    gate = overrides.get("gate") or CallGate(build_budget(config, journal=real_run))
    sources = overrides.get("sources") or build_sources(config, gate)
    notifier = overrides.get("notifier") or events.SilentNotifier()
    clock = overrides.get("clock") or utc_now
    scanner = Scanner(sources, store, notifier, clock, config.analysis_cache_ttl)
    scanner.policy = Policy(liquidity_floor_usd=config.liquidity_floor_usd)
    scanner.candle_budget_spare = candle_spare(gate, config.budget_geckoterminal)
    scanner.outcomes = OutcomeTracker(store, clock)
    settings = ServiceSettings(
        default_max_tokens=config.discovery_max_tokens,
        auto_interval=config.discovery_interval,
        min_interval=config.discovery_min_interval,
        scan_deadline=config.scan_deadline,
        capacity=config.discovery_db_capacity,
        goplus_batch=config.goplus_batch_size,
        trigger_budget_share=config.trigger_budget_share,
    )
    shared = redis_lease(config.redis_url, config.redis_prefix) if config.redis_url else None
    lease = overrides.get("lease") or shared or LocalLease()
    service = TokenDiscoveryService(scanner, store, notifier, settings, clock=clock, lease=lease, gate=gate,
                                    executor=overrides.get("executor"))  # fmt: skip
    service.recover_interrupted()
    watchers = WatcherBook(
        store, config.webhook_allowed_hosts, config.watchers_per_key, clock, telegram=bool(config.telegram_bot_token)
    )
    stream = build_stream(config, scanner, store, sources, gate, clock) if config.pumpportal_ws_url else None
    return Services(config, store, sources, notifier, service, gate, watchers, stream=stream)


SPACING_MARGIN = 1.02  # a spent call comes back a window later to the instant: the next batch waits a hair longer


def stream_spacing(limits: Mapping[str, float], window: float, share: float) -> float:
    """Seconds between two batches of the stream so that, with one market and one security call a batch, it
    spends no more than its share of the tighter bucket each window (a spent call comes back a window later):
    evenly, never into the wall of its floor."""
    classes = (ROUTE_CLASS["dexscreener.tokens"], ROUTE_CLASS["goplus.solana_token_security"])
    calls = min(max(1, math.floor(limits[name] * share)) for name in classes)  # whole calls a window
    return round(window / calls * SPACING_MARGIN, 3)


def build_stream(
    config: Config, scanner: Scanner, store: TokenStore, sources: Any, gate: CallGate, clock: Callable[[], Any]
) -> StreamService:
    """The pump.fun stream over the same pipeline and budget as the scans: one connection for the deployment."""
    spacing = stream_spacing(gate.budget.limits(), config.budget_window, config.stream_budget_share)
    policy = FlushPolicy(config.stream_flush_tokens, config.stream_flush_seconds, config.stream_queue_size, spacing)
    settings = StreamSettings(
        url=config.pumpportal_ws_url,
        policy=policy,
        silence=config.stream_silence_seconds,
        keep=1.0 - config.stream_budget_share,  # its floor sits above the triggers': a user's scan finds the rest
        market_batch=sources.market.max_batch,
        security_batch=sources.security.max_batch,
    )
    lease = stream_lease(config.redis_url, config.redis_prefix)
    ledger = creator_ledger(config.redis_url, config.redis_prefix)
    return StreamService(settings, lease, ledger, scanner, store, gate.budget.quote, clock)
