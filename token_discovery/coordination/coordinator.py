"""Single flight: one scan for every trigger. No I/O under the lock; settlement is first-wins; work on one pool."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from token_discovery.coordination.flight import Flight
from token_discovery.coordination.lease import LeaseUnavailable, ScanLease, recent_cluster_result
from token_discovery.coordination.reports import Finished, Refused, Running, ScanReport, TriggerOutcome
from token_discovery.coordination.settings import ServiceSettings
from token_discovery.scan.state import ScanCancelled, ScanState, ScanTally
from token_discovery.sources.budget import Quote

log = logging.getLogger(__name__)
PUBLISH_WAIT = 1.0  # how long a trigger waits for the publication of an outcome already decided
Run = Callable[[ScanState], tuple[ScanTally, Mapping[str, Any]]]  # the pipeline, metered: (tally, upstream ledger)


@dataclass(frozen=True)
class Hooks:
    """What the coordinator calls out to: the pipeline, the budget's quote, publication, the scan count."""

    run: Run
    quote: Callable[[int, str], Quote]  # (max_tokens, origin)
    started: Callable[[Flight], None]  # a scan of ours took off (recorded as running: a kill shows later)
    publish: Callable[[Flight], None]  # record, hand back the lease, announce, callbacks: after settlement
    total_scans: Callable[[], int]


def _log_failure(done: Future[None], flight: Flight) -> None:
    """Log what a piece of background work for a flight raised."""
    if (error := done.exception()) is not None:
        log.error("background work of scan %s failed: %r", flight.scan_id, error)


class ScanCoordinator:
    """Joins triggers to the running scan, reuses a recent result, or starts one; cluster-aware through the lease."""

    def __init__(
        self,
        hooks: Hooks,
        lease: ScanLease,
        settings: ServiceSettings,
        executor: Executor,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
    ) -> None:
        self._hooks, self._lease, self.settings, self._executor = hooks, lease, settings, executor
        self._clock, self._monotonic = clock, monotonic
        self._lock = threading.Lock()  # guards _current and _last only; never held across I/O
        self._current: Flight | None = None
        self._last: Flight | None = None

    def trigger(self, max_tokens: int, chain: str | None, wait: float | None, origin: str = "api") -> TriggerOutcome:
        """Join, reuse or start the scan; wait up to `wait` seconds (None: until its deadline) for its report."""
        claimed = self._claim(max_tokens, chain, origin)
        if isinstance(claimed, Quote):
            return Refused(claimed)
        flight, joined, cached = claimed
        if cached and flight.report is not None:
            return Finished(flight.report, False, True, self._hooks.total_scans())
        limit = self.settings.scan_deadline if wait is None else min(wait, self.settings.scan_deadline)
        report = flight.wait(max(0.0, min(limit, self._deadline_left(flight) + 0.01)))
        if report is None and (self.expire_if_late(flight) or flight.settling):
            report = flight.wait(PUBLISH_WAIT)  # its outcome is decided: only its publication is left
        if report is None:
            return Running(flight.scan_id, joined)
        return Finished(report, joined, False, self._hooks.total_scans())

    def _claim(self, max_tokens: int, chain: str | None, origin: str) -> tuple[Flight, bool, bool] | Quote:
        """The flight to join, a result to reuse, a new flight, or the budget's refusal."""
        with self._lock:
            current, last = self._current, self._last
        if current is not None and not current.settling:
            if not self._late(current):
                return current, True, False
            self.expire_if_late(current)
        if self._reusable(last, (max_tokens, chain)):
            assert last is not None
            return last, False, True
        reused = self._cluster_result(max_tokens, chain)
        if reused is not None:
            return reused, False, True
        quote = self._hooks.quote(max_tokens, origin)
        if not quote.affordable:
            return quote
        return self._take_off(ScanState(max_tokens, chain, self._clock(), self._monotonic(), origin=origin))

    def _take_off(self, state: ScanState) -> tuple[Flight, bool, bool]:
        """Take the lease (outside the lock), then install the flight unless a racing trigger won: then join it."""
        flight, holder = Flight(state), self._acquire(state)
        with self._lock:
            current = self._current
            lost = current is not None and not current.settling and not self._late(current)
            if not lost:
                if holder is not None:
                    state.scan_id, state.remote, state.stage = holder, True, "running in another process"
                self._current = flight
        if lost and current is not None:
            if holder is None and self._lease.shared:  # we hold the cluster lease: others may follow this scan
                self._start(flight)
            return current, True, False
        self._start(flight)
        return flight, state.remote, False

    def _acquire(self, state: ScanState) -> str | None:
        """The lease for this scan (None) or the id of the scan holding it; a coordination failure scans here."""
        params = {"max_tokens": state.max_tokens, "chain": state.chain}
        try:
            return self._lease.try_acquire(state.scan_id, params, self.settings.lease_ttl)
        except LeaseUnavailable:  # Redis down: scan here; the budget still guards every upstream call
            log.exception("scan lease unavailable; scanning in this process")
            return None

    def _cluster_result(self, max_tokens: int, chain: str | None) -> Flight | None:
        """The cluster's last successful scan with these parameters, if within DISCOVERY_MIN_INTERVAL."""
        params = {"max_tokens": max_tokens, "chain": chain}
        summary = recent_cluster_result(self._lease, params, self._clock().timestamp() - self.settings.min_interval)
        if summary is None:
            return None
        report = ScanReport.from_json(summary)
        state = ScanState(max_tokens, chain, self._clock(), self._monotonic(), scan_id=report.scan_id, remote=True)
        return Flight.finished(state, report, self._monotonic())

    def _reusable(self, last: Flight | None, params: tuple[int, str | None]) -> bool:
        """Whether the last scan succeeded with these parameters within DISCOVERY_MIN_INTERVAL."""
        if last is None or last.report is None or not last.report.success or last.report.params != params:
            return False
        return self._monotonic() - (last.settled_monotonic or 0.0) < self.settings.min_interval

    def _start(self, flight: Flight) -> None:
        """Run the flight on the pool; a scan of ours keeps its cluster lease alive while it runs."""
        if flight.state.remote:
            self._submit(self._follow, flight)
            return
        self._submit(self._run, flight)
        if self._lease.shared:
            self._submit(self._renew, flight)

    def _submit(self, work: Callable[[Flight], None], flight: Flight) -> None:
        """Run work for a flight on the pool; anything it raises is logged, never lost."""
        self._executor.submit(work, flight).add_done_callback(lambda done: _log_failure(done, flight))

    def _run(self, flight: Flight) -> None:
        """Run the pipeline and settle the flight with its report (unless its deadline settled it first)."""
        try:
            self._hooks.started(flight)
            tally, upstream = self._hooks.run(flight.state)
            report = self._report(flight.state, "completed", None, tally, upstream)
        except ScanCancelled:
            return
        except Exception as exc:  # a failed scan must never kill the service
            log.exception("scan %s failed", flight.scan_id)
            report = self._report(flight.state, "failed", str(exc) or exc.__class__.__name__)
        self._settle(flight, report)

    def _follow(self, flight: Flight) -> None:
        """Wait for the scan another process runs, and settle with its report."""
        try:
            summary = self._lease.wait_for(flight.scan_id, self.settings.scan_deadline)
        except LeaseUnavailable as exc:
            log.exception("lost track of scan %s run by another process", flight.scan_id)
            summary = {"success": False, "error": f"coordination failed: {exc.__class__.__name__}"}
        summary = summary or {"success": False, "error": "the scan running in another process did not report"}
        state = flight.state
        self._settle(flight, ScanReport.from_json({"scan_id": state.scan_id, "max_tokens": state.max_tokens,
                                                    "chain": state.chain, **summary}))  # fmt: skip

    def _renew(self, flight: Flight) -> None:
        """Extend the cluster lease every third of its expiry until the flight settles."""
        interval = self.settings.lease_ttl / 3
        while flight.wait(interval) is None and not flight.settling:
            try:
                if not self._lease.renew(flight.scan_id, self.settings.lease_ttl):
                    log.error("scan %s lost its cluster lease", flight.scan_id)
                    return
            except LeaseUnavailable:
                log.exception("could not renew the lease of scan %s", flight.scan_id)

    def _settle(self, flight: Flight, report: ScanReport, background: bool = False) -> bool:
        """First settlement wins: it becomes the last scan, is published, then wakes the waiters; later ones no-op."""
        if not flight.settle(report, self._monotonic()):
            return False
        with self._lock:
            self._last = flight
        if background:
            self._submit(self._publish, flight)
        else:
            self._publish(flight)
        return True

    def _publish(self, flight: Flight) -> None:
        """Publish a settled flight (outside every lock), then wake its waiters."""
        try:
            self._hooks.publish(flight)
        finally:
            flight.finish()

    def _report(
        self, state: ScanState, status: str, error: str | None, tally: ScanTally | None = None,
        upstream: Mapping[str, Any] | None = None,
    ) -> ScanReport:  # fmt: skip
        """The report of a scan ending now."""
        duration = round(self._monotonic() - state.started_monotonic, 3)
        return ScanReport(state.scan_id, status, error, state.max_tokens, state.chain, state.started_at,
                          self._clock(), duration, tally or ScanTally(), upstream)  # fmt: skip

    def _deadline_left(self, flight: Flight) -> float:
        """Seconds until the flight's deadline."""
        return flight.state.started_monotonic + self.settings.scan_deadline - self._monotonic()

    def _late(self, flight: Flight) -> bool:
        """Whether a flight has passed its deadline."""
        return self._deadline_left(flight) < 0

    def expire_if_late(self, flight: Flight) -> bool:
        """Abandon a flight past its deadline: cancelled, settled failed, published on the pool; True if it was."""
        if flight.settling or not self._late(flight):
            return False
        return self.abandon(flight, f"scan deadline of {self.settings.scan_deadline:.0f}s exceeded", background=True)

    def abandon(self, flight: Flight, error: str, background: bool = False) -> bool:
        """Cancel a flight and settle it failed (its upstream calls stop at once); True if this settled it."""
        flight.state.cancelled.set()
        settled = self._settle(flight, self._report(flight.state, "failed", error), background)
        if settled:
            log.error("scan %s abandoned: %s", flight.scan_id, error)
        return settled

    def current(self) -> Flight | None:
        """The running flight, or the last one."""
        with self._lock:
            return self._current or self._last

    def scanning(self) -> bool:
        """Whether a scan is in flight in this process and not yet settling (one reference read: atomic)."""
        current = self._current
        return current is not None and not current.settling

    def wait_for_scan(self, timeout: float) -> bool:
        """Wait until the scan in flight here (if any) is settled and published, at most `timeout` seconds; True
        when none runs any more."""
        current = self._current
        return current is None or current.settling or current.wait(timeout) is not None

    def last(self) -> Flight | None:
        """The last settled flight (one reference read: atomic)."""
        return self._last

    def shutdown(self) -> None:
        """Abandon a running flight (published before returning)."""
        with self._lock:
            current = self._current
        if current is not None and not current.settling:
            self.abandon(current, "the service is shutting down")
