"""TokenDiscoveryService: one shared scan for every user (single-flight, cached), the auto loop, status."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.analysis.outcomes import summarize
from token_discovery.coordination.lease import LocalLease, ScanLease
from token_discovery.coordination.schedule import AutoDiscovery
from token_discovery.coordination.settings import ScanRefused, ServiceSettings, utc_now
from token_discovery.records import iso, record_json
from token_discovery.scan.pipeline import ScanCancelled, Scanner, ScanState, run_callback
from token_discovery.scan.rescore import rescore_stored
from token_discovery.sources.budget import Budget, scan_plan
from token_discovery.sources.guard import CallGate, ledger_difference
from token_discovery.store.base import TokenStore

log = logging.getLogger(__name__)


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
    ) -> None:
        self.gate = gate or CallGate(Budget())
        self._demand = {"triggers_served": 0, "cache_hits": 0, "joined": 0, "tokens_delivered": 0,
                        "tokens_skipped_recent": 0, "calls_if_each_user_scanned": 0}  # fmt: skip
        self._scanner, self._store, self._notifier = scanner, store, notifier
        self._lease: ScanLease = lease or LocalLease()
        self.settings, self._clock, self._monotonic = settings, clock, monotonic
        self._lock = threading.Lock()
        self._current: ScanState | None = None
        self._last: ScanState | None = None
        self.auto = AutoDiscovery(lambda n: self.trigger_scan(n, None, wait=None), settings.auto_interval,
                                  settings.default_max_tokens)  # fmt: skip
        self._scan_callbacks: list[Callable[[dict[str, Any]], None]] = []

    # ---- triggering -------------------------------------------------------------------------

    def trigger_scan(self, max_tokens: int | None = None, chain: str | None = None, wait: float | None = None) -> dict:
        """Join the running scan, reuse a recent result, or start a scan; wait up to `wait` s (None: to the end)."""
        try:
            state, joined, cached = self._claim(max_tokens or self.settings.default_max_tokens, chain)
        except ScanRefused as refused:
            return refused.answer()
        if cached:
            return self._answer(state, joined=False, cached=True)
        limit = self.settings.scan_deadline if wait is None else min(wait, self.settings.scan_deadline)
        if not state.finished.wait(max(0.0, self._remaining(state, limit))):
            self._expire_if_late(state)
        if not state.finished.is_set():
            return {"success": True, "scan_id": state.scan_id, "status": "running", "joined": joined, "cached": False}
        return self._answer(state, joined=joined, cached=False)

    def _remaining(self, state: ScanState, limit: float) -> float:
        """Seconds to wait: the caller's limit, never past the scan deadline."""
        deadline_left = state.started_monotonic + self.settings.scan_deadline - self._monotonic()
        return min(limit, deadline_left + 0.01)

    def _claim(self, max_tokens: int, chain: str | None) -> tuple[ScanState, bool, bool]:
        """Under the lock: the running scan to join, a fresh result to reuse, or a new scan."""
        with self._lock:
            current = self._current
            if current is not None and not current.finished.is_set() and not self._late(current):
                return current, True, False
            if current is not None and not current.finished.is_set():
                self._abandon(current)
            last = self._last
            if self._reusable(last, (max_tokens, chain)):
                assert last is not None
                return last, False, True
            cluster_last = self._cluster_result(max_tokens, chain)
            if cluster_last is not None:
                return cluster_last, False, True
            self._check_budget(max_tokens)
            state = self._start_or_follow(max_tokens, chain)
        runner = self._run_remote if state.remote else self._run
        threading.Thread(target=runner, args=(state,), name=f"scan-{state.scan_id}", daemon=True).start()
        return state, state.remote, False

    def _check_budget(self, max_tokens: int) -> None:
        """Refuse a new scan that the upstream budget cannot pay for now (joins and cached answers are free)."""
        quote = self.gate.budget.quote(scan_plan(max_tokens, self.settings.goplus_batch))
        if not quote.affordable:
            raise ScanRefused(quote)

    def _start_or_follow(self, max_tokens: int, chain: str | None) -> ScanState:
        """A new scan if this process gets the cluster lease, else a follower of the scan that holds it."""
        state = ScanState(max_tokens, chain, self._clock(), self._monotonic())
        params = {"max_tokens": max_tokens, "chain": chain}
        try:
            holder = self._lease.try_acquire(state.scan_id, params, self.settings.scan_deadline)
        except Exception:  # coordination down: scan here; the budget still guards every upstream call
            log.exception("scan lease unavailable; scanning in this process")
            holder = None
        if holder is not None:
            state.scan_id, state.remote, state.stage = holder, True, "running in another process"
        self._current = state
        return state

    def _cluster_result(self, max_tokens: int, chain: str | None) -> ScanState | None:
        """The cluster's last successful scan with these parameters, if within DISCOVERY_MIN_INTERVAL."""
        try:
            last = self._lease.last()
        except Exception:
            log.exception("scan lease unavailable; no cluster result to reuse")
            return None
        if last is None or last["params"] != {"max_tokens": max_tokens, "chain": chain}:
            return None
        if time.time() - float(last["finished_epoch"]) >= self.settings.min_interval:
            return None
        state = ScanState(max_tokens, chain, self._clock(), self._monotonic(), scan_id=last["summary"]["scan_id"])
        state.status, state.result, state.remote = "completed", last["summary"], True
        state.finished.set()
        return state

    def _reusable(self, last: ScanState | None, params: tuple[int, str | None]) -> bool:
        """Whether the last scan succeeded with these parameters within DISCOVERY_MIN_INTERVAL."""
        if last is None or last.status != "completed" or last.params != params:
            return False
        return self._monotonic() - (last.finished_monotonic or 0.0) < self.settings.min_interval

    def _late(self, state: ScanState) -> bool:
        """Whether a running scan has passed its deadline."""
        return self._monotonic() - state.started_monotonic > self.settings.scan_deadline

    def _expire_if_late(self, state: ScanState) -> None:
        """Abandon a scan that passed its deadline, so the next trigger starts afresh."""
        with self._lock:
            if not state.finished.is_set() and self._late(state):
                self._abandon(state)

    def _abandon(self, state: ScanState) -> None:
        """Mark a hung scan failed and release it (call under the lock)."""
        log.error("scan %s passed its %ss deadline; abandoned", state.scan_id, self.settings.scan_deadline)
        self._stop(state, f"scan deadline of {self.settings.scan_deadline:.0f}s exceeded")

    def _stop(self, state: ScanState, error: str) -> None:
        """Cancel a scan, wake its waiters, and publish its failure from another thread (call under the lock)."""
        state.cancelled.set()
        summary = self._settle(state, None, error)
        state.finished.set()
        threading.Thread(target=self._publish, args=(state, summary), name="scan-stopped", daemon=True).start()

    # ---- running ----------------------------------------------------------------------------

    def _run_remote(self, state: ScanState) -> None:
        """Wait for the scan another process runs, and hand its result to everyone who joined here."""
        try:
            summary = self._lease.wait_for(state.scan_id, self.settings.scan_deadline)
        except Exception as exc:
            log.exception("lost track of scan %s run by another process", state.scan_id)
            summary = {"success": False, "error": f"coordination failed: {exc.__class__.__name__}"}
        with self._lock:
            if state.finished.is_set():
                return
            summary = summary or {"success": False, "error": "the scan running in another process did not report"}
            # cache it under the parameters it was run with, not the ones this trigger asked for
            state.max_tokens = int(summary.get("max_tokens") or state.max_tokens)
            state.chain = summary.get("chain", state.chain)
            state.finished_at, state.finished_monotonic = self._clock(), self._monotonic()
            state.status = "completed" if summary.get("success") else "failed"
            state.error, state.result, state.stage = summary.get("error"), summary, "done"
            self._last = state
            state.finished.set()

    def _run(self, state: ScanState) -> None:
        """The scan thread: run the pipeline and publish the outcome unless the scan was abandoned."""
        before = self.gate.ledger.snapshot()
        try:
            result, error = self._metered(self._scanner.run(state), before), None
        except ScanCancelled:
            return
        except Exception as exc:  # a failed scan must never kill the service
            log.exception("scan %s failed", state.scan_id)
            result, error = None, str(exc) or exc.__class__.__name__
        with self._lock:
            if state.finished.is_set():
                return
            summary = self._settle(state, result, error)
        self._publish(state, summary)  # outside the lock: the store, Redis and callbacks may be slow
        state.finished.set()  # waiters wake once everyone has been told

    def _metered(self, result: dict[str, Any], before: dict[str, dict[str, int]]) -> dict[str, Any]:
        """The scan result with what it cost upstream, from the guard's ledger."""
        upstream = ledger_difference(self.gate.ledger.snapshot(), before)
        with self._lock:
            self._demand["tokens_delivered"] += int(result.get("tokens_new") or 0)
            self._demand["tokens_skipped_recent"] += int(result.get("tokens_skipped_recent") or 0)
        return {**result, "upstream": upstream, "upstream_calls": upstream["total_calls"]}

    def _settle(self, state: ScanState, result: dict[str, Any] | None, error: str | None) -> dict[str, Any]:
        """Fix the outcome of a scan in its state (call under the lock; no I/O here)."""
        state.finished_at, state.finished_monotonic = self._clock(), self._monotonic()
        state.status, state.error, state.stage = ("failed", error, "failed") if error else ("completed", None, "done")
        summary = state.summary(result)
        state.result = summary
        self._last = state
        return summary

    def _publish(self, state: ScanState, summary: dict[str, Any]) -> None:
        """Record the scan, hand back the lease, tell everyone (never under the lock)."""
        if not state.remote:  # a scan another process ran is that process's to record and release
            self._record(summary)
            self._hand_back_lease(state, summary)
        event = events.SCAN_ERROR if state.error else events.SCAN_COMPLETED
        self._notifier.broadcast(event, {**summary, "timestamp": iso(state.finished_at)})
        for callback in self._scan_callbacks:
            run_callback(callback, summary)

    def _record(self, summary: dict[str, Any]) -> None:
        """Keep the scan in history; a store failure is logged, not raised."""
        try:
            self._store.record_scan(summary)
        except Exception:
            log.exception("could not record scan %s", summary["scan_id"])

    def _hand_back_lease(self, state: ScanState, summary: dict[str, Any]) -> None:
        """Publish the result to the cluster and free the lease; a coordination failure is logged."""
        try:
            self._lease.release(state.scan_id, summary)
        except Exception:
            log.exception("could not release the scan lease of %s", state.scan_id)

    def _answer(self, state: ScanState, joined: bool, cached: bool) -> dict[str, Any]:
        """What a trigger gets back once the scan is over; each answer counts toward the demand served."""
        result = dict(state.result or {})
        with self._lock:
            self._demand["triggers_served"] += 1
            self._demand["cache_hits"] += int(cached)
            self._demand["joined"] += int(joined)
            self._demand["calls_if_each_user_scanned"] += int(result.get("upstream_calls") or 0)
        result.update(joined=joined, cached=cached, total_scans=self._total_scans())
        return result

    def _total_scans(self) -> int:
        """Scans ever recorded."""
        try:
            return self._store.scan_count()
        except Exception:
            return 0

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
        with self._lock:
            state = self._current
        if state is None:
            return {"status": "idle", "scan_id": None, "progress": {"done": 0, "total": 0}}
        self._expire_if_late(state)
        return state.snapshot()

    def get_status(self) -> dict[str, Any]:
        """The status object of the contract."""
        last = self._last
        return {
            "scanning": self._current is not None and not self._current.finished.is_set(),
            "auto_discovery_active": self.auto.active,
            "auto_discovery_interval": self.auto.interval,
            "auto_discovery_max_tokens": self.auto.max_tokens,
            "last_scan_timestamp": iso(last.finished_at) if last else None,
            "last_scan_status": last.status if last else None,
            "total_scans": self._total_scans(),
            "tokens_in_database": self._store.count(),
            "database_capacity": self.settings.capacity,
        }

    def get_stats(self) -> dict[str, Any]:
        """The stats object of the contract."""
        levels = self._store.level_counts()
        stored = sum(levels.values())
        newest = self._store.recent(1)
        last = self._last
        return {
            "total_scans": self._total_scans(),
            "total_tokens_discovered": newest[0].seq if newest else 0,
            "safe_tokens": levels.get("safe", 0),
            "risky_tokens": levels.get("risky", 0),
            "unknown_tokens": levels.get("unknown", 0),
            "last_scan": iso(last.finished_at) if last else None,
            "auto_discovery_active": self.auto.active,
            "database_usage": f"{stored}/{self.settings.capacity}",
            "database_usage_percent": round(100.0 * stored / self.settings.capacity, 1),
            "upstream": self.upstream_usage(),
        }

    def upstream_usage(self) -> dict[str, Any]:
        """Calls made, refused and rate-limited per route; the budget; and what N users alone would have cost."""
        ledger = self.gate.ledger.snapshot()
        with self._lock:
            demand = dict(self._demand)
        made = sum(ledger["calls"].values())
        saved = max(0, demand["calls_if_each_user_scanned"] - made)
        return {**ledger, "total_calls": made, **demand, "calls_saved": saved, **self.gate.health()}

    def replay(self, last_seq: int, join: Callable[[], None], send: Callable[[dict[str, Any]], None]) -> int:
        """Join the room and send every stored token above last_seq, with no gap and no duplicate."""
        with self._scanner.publish_lock:
            join()
            records = self._store.since_seq(last_seq, self.settings.capacity)
            for record in records:
                send(record_json(record))
        return len(records)

    def rescore(self) -> dict[str, Any]:
        """Recompute every stored verdict with the current rules; report old -> new."""
        scanner = self._scanner
        return rescore_stored(self._store, self._notifier, scanner.publish_lock, self._clock(), scanner.policy)

    def outcomes(self, hours: float) -> dict[str, Any]:
        """What became of the tokens discovered in the last `hours` hours, per verdict level."""
        tracker = self._scanner.outcomes
        if tracker is None:
            return {"hours": hours, **summarize(())}
        return tracker.report(hours)

    def recent_scans(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest scan reports, newest first."""
        return self._store.scans(limit)

    # ---- callbacks and lifecycle ------------------------------------------------------------

    def on_new_token(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback(record)` for every newly stored token."""
        self._scanner.new_token_callbacks.append(callback)

    def on_scan_complete(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback(report)` after every scan, failed ones included."""
        self._scan_callbacks.append(callback)

    def shutdown(self) -> None:
        """Stop the auto loop and abandon a running scan."""
        self.stop_auto_discovery()
        with self._lock:
            if self._current is not None and not self._current.finished.is_set():
                self._stop(self._current, "the service is shutting down")
