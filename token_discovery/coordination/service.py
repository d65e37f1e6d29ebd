"""TokenDiscoveryService: the facade the web layer and the entry points call; one shared scan for everybody."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.analysis.outcomes import summarize
from token_discovery.coordination.coordinator import Hooks, ScanCoordinator
from token_discovery.coordination.history import ScanHistory
from token_discovery.coordination.lease import LocalLease, ScanLease
from token_discovery.coordination.reports import Demand, Finished, ServiceStats, ServiceStatus, TriggerOutcome
from token_discovery.coordination.schedule import AutoDiscovery
from token_discovery.coordination.settings import ServiceSettings, utc_now
from token_discovery.scan.pipeline import Scanner
from token_discovery.scan.rescore import rescore_stored
from token_discovery.scan.state import ScanState, ScanTally
from token_discovery.sources.budget import Budget, Quote
from token_discovery.sources.guard import CallGate, cancel_scope, keep_scope, ledger_difference
from token_discovery.store.base import TokenStore

log = logging.getLogger(__name__)
WORKERS = 8  # scans, their lease renewals, followers of other processes' scans, late publications


class TokenDiscoveryService:
    """Runs at most one scan at a time for everybody; late triggers join it or reuse its result."""

    def __init__(
        self,
        scanner: Scanner,
        store: TokenStore,
        notifier: events.Notifier,
        settings: ServiceSettings,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        lease: ScanLease | None = None,
        gate: CallGate | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.gate, self.demand, self.settings = gate or CallGate(Budget()), Demand(), settings
        self._scanner, self._store, self._notifier, self._clock = scanner, store, notifier, clock
        self._lease: ScanLease = lease or LocalLease()
        self._executor = executor or ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="scan")
        self.history = ScanHistory(store, self._lease, notifier, clock, settings.scan_deadline)
        hooks = Hooks(self._run_metered, self._quote, self.history.record_running, self.history.publish,
                      self.history.total_scans)  # fmt: skip
        self.coordinator = ScanCoordinator(hooks, self._lease, settings, self._executor, clock, monotonic)
        auto_scan = lambda n: self.trigger_scan(n, None, wait=None, origin="auto")  # noqa: E731
        self.auto = AutoDiscovery(auto_scan, settings.auto_interval, settings.default_max_tokens)

    # ---- scans ------------------------------------------------------------------------------

    def trigger_scan(
        self, max_tokens: int | None = None, chain: str | None = None, wait: float | None = None, origin: str = "api"
    ) -> TriggerOutcome:
        """Join the running scan, reuse a recent result, or start one; wait up to `wait` s (None: to the end)."""
        size = max_tokens or self.settings.default_max_tokens
        outcome: TriggerOutcome = self.coordinator.trigger(size, chain, wait, origin)
        if isinstance(outcome, Finished):
            self.demand.served(outcome)
        return outcome

    def _run_metered(self, state: ScanState) -> tuple[ScanTally, Mapping[str, Any]]:
        """Run the pipeline with its calls refused once abandoned; the tally and what it cost upstream."""
        before = self.gate.ledger.snapshot()
        with cancel_scope(state.cancelled), keep_scope(self._kept_for_auto(state.origin)):
            tally = self._scanner.run(state)
        self.demand.scanned(tally)
        return tally, ledger_difference(self.gate.ledger.snapshot(), before)

    def _quote(self, max_tokens: int, origin: str) -> Quote:
        """Can the budget pay for discovery now, within the asker's share? (joins and cached answers are free)"""
        return self.gate.budget.discovery_quote(self._kept_for_auto(origin))

    def _kept_for_auto(self, origin: str) -> float:
        """The share of each bucket a scan must leave to the automatic ones: none for an automatic scan."""
        return 0.0 if origin == "auto" else 1.0 - self.settings.trigger_budget_share

    # ---- auto-discovery ---------------------------------------------------------------------

    def start_auto_discovery(self, interval_seconds: int | None = None, max_tokens: int | None = None) -> bool:
        """Start the periodic scan (or retune it when running); True when a loop was started."""
        return self.auto.start(interval_seconds, max_tokens)

    def stop_auto_discovery(self) -> bool:
        """Stop the periodic scan; True when a loop was running."""
        return self.auto.stop()

    # ---- reading ----------------------------------------------------------------------------

    def current_scan(self) -> dict[str, Any]:
        """The running scan, or the last one, or idle; always an answer."""
        flight = self.coordinator.current()
        if flight is None:
            return {"status": "idle", "scan_id": None, "progress": {"done": 0, "total": 0}}
        self.coordinator.expire_if_late(flight)
        return flight.snapshot()

    def get_status(self) -> ServiceStatus:
        """The status of the contract."""
        current, last = self.coordinator.current(), self.coordinator.last()
        report = last.report if last else None
        return ServiceStatus(
            scanning=current is not None and not current.settling,
            auto_discovery_active=self.auto.active,
            auto_discovery_interval=self.auto.interval,
            auto_discovery_max_tokens=self.auto.max_tokens,
            last_scan_timestamp=report.finished_at if report else None,
            last_scan_status=report.status if report else None,
            total_scans=self.history.total_scans(),
            tokens_in_database=self._store.count(),
            database_capacity=self.settings.capacity,
        )

    def get_stats(self) -> ServiceStats:
        """The stats of the contract."""
        newest = self._store.recent(1)
        last = self.coordinator.last()
        return ServiceStats(
            total_scans=self.history.total_scans(),
            total_tokens_discovered=newest[0].seq if newest else 0,
            levels=self._store.level_counts(),
            last_scan=last.report.finished_at if last and last.report else None,
            auto_discovery_active=self.auto.active,
            capacity=self.settings.capacity,
            upstream=self.upstream_usage(),
        )

    def upstream_usage(self) -> dict[str, Any]:
        """Calls made, refused and rate-limited per route; the budget; and what N users alone would have cost."""
        ledger, demand = self.gate.ledger.snapshot(), self.demand.snapshot()
        made = sum(ledger["calls"].values())
        saved = max(0, demand["calls_if_each_user_scanned"] - made)
        return {**ledger, "total_calls": made, **demand, "calls_saved": saved, **self.gate.health()}

    def recover_interrupted(self) -> int:
        """At start: scans left "running" by a process that died are recorded as interrupted; how many."""
        return self.history.recover_interrupted()

    def rescore(self) -> dict[str, Any]:
        """Recompute every stored verdict with the current rules; report old -> new."""
        scanner = self._scanner
        return rescore_stored(self._store, self._notifier, scanner.publisher.lock, self._clock(), scanner.policy)

    def outcomes(self, hours: float) -> dict[str, Any]:
        """What became of the tokens discovered in the last `hours` hours, per verdict level."""
        tracker = self._scanner.outcomes
        return {"hours": hours, **summarize(())} if tracker is None else tracker.report(hours)

    def recent_scans(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest scan reports, newest first."""
        return self._store.scans(limit)

    # ---- callbacks and lifecycle ------------------------------------------------------------

    def on_new_token(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback(record)` for every newly stored token."""
        self._scanner.publisher.new_token_callbacks.append(callback)

    def on_scan_complete(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback(report)` after every scan, failed ones included (after it is settled, outside any lock)."""
        self.history.callbacks.append(callback)

    def shutdown(self) -> None:
        """Stop the auto loop, abandon a running scan (published before returning), release the pool."""
        self.stop_auto_discovery()
        self.coordinator.shutdown()
        if isinstance(self._executor, ThreadPoolExecutor):
            self._executor.shutdown(wait=False, cancel_futures=True)
