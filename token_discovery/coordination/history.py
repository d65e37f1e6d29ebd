"""The scans' history and their publication: running, interrupted, ended; recorded, released, announced."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from token_discovery import events
from token_discovery.coordination.flight import Flight
from token_discovery.coordination.lease import LeaseUnavailable, ScanLease
from token_discovery.records import iso
from token_discovery.scan.publisher import run_callback
from token_discovery.store.base import StoreUnavailable, TokenStore

log = logging.getLogger(__name__)


class ScanHistory:
    """Writes each scan to the store's history and tells everyone how it ended; finds scans a dead process left."""

    def __init__(
        self, store: TokenStore, lease: ScanLease, notifier: events.Notifier, clock: Callable[[], datetime],
        scan_deadline: float,
    ) -> None:  # fmt: skip
        self._store, self._lease, self._notifier, self._clock = store, lease, notifier, clock
        self._deadline = scan_deadline
        self.callbacks: list[Callable[[dict[str, Any]], None]] = []

    def record_running(self, flight: Flight) -> None:
        """Put the scan in history as running: if the process dies, the next start marks it interrupted."""
        state = flight.state
        running = {
            "scan_id": state.scan_id,
            "status": "running",
            "success": False,
            "max_tokens": state.max_tokens,
            "chain": state.chain,
            "started_at": iso(state.started_at),
            "finished_at": iso(state.started_at),
        }
        self._guarded("record the running scan", lambda: self._store.record_scan(running))

    def recover_interrupted(self) -> int:
        """At start: scans left "running" by a process that died are recorded as interrupted; how many."""
        try:
            stale = [s for s in self._store.scans(50) if s.get("status") == "running" and not self._alive(s)]
            for scan in stale:
                self._store.record_scan({**scan, "status": "interrupted", "error": "the process stopped mid-scan"})
        except StoreUnavailable:
            log.exception("could not look for interrupted scans")
            return 0
        return len(stale)

    def _alive(self, scan: dict[str, Any]) -> bool:
        """Whether a "running" scan may still be running in another process of the cluster."""
        started = datetime.fromisoformat(scan["started_at"]) if scan.get("started_at") else None
        recent = started is not None and (self._clock() - started).total_seconds() < self._deadline
        return self._lease.shared and recent

    def publish(self, flight: Flight) -> None:
        """Record the scan, hand back the lease, tell everyone, run the callbacks; called once per scan."""
        report = flight.report
        assert report is not None
        summary = report.to_json()
        if not flight.state.remote:  # a scan another process ran is that process's to record and release
            self._guarded("record scan", lambda: self._store.record_scan(summary))
            self._guarded("release the scan lease", lambda: self._lease.release(report.scan_id, summary))
        if not flight.state.remote:
            log_scan(flight)
        event = events.SCAN_COMPLETED if report.success else events.SCAN_ERROR
        self._notifier.broadcast(event, {**summary, "timestamp": iso(report.finished_at)})
        for callback in self.callbacks:
            run_callback(callback, summary)

    @staticmethod
    def _guarded(what: str, action: Callable[[], object]) -> None:
        """Do a publication step; its failure is logged, never raised into the scan's settlement."""
        try:
            action()
        except (StoreUnavailable, LeaseUnavailable):
            log.exception("could not %s", what)

    def total_scans(self) -> int:
        """Scans ever recorded (0 when the store cannot say)."""
        try:
            return self._store.scan_count()
        except StoreUnavailable:
            return 0


def log_scan(flight: Flight) -> None:
    """One line per scan: id, origin, outcome, tokens found and new, calls by route, duration."""
    report = flight.report
    assert report is not None
    calls = dict((report.upstream or {}).get("calls", {}))
    fields = {"scan": {
        "id": report.scan_id, "origin": flight.state.origin, "status": report.status, "error": report.error,
        "max_tokens": report.max_tokens, "chain": report.chain, "tokens_found": report.tally.tokens_found,
        "tokens_new": report.tally.tokens_new, "tokens_stored": report.tally.tokens_stored,
        "calls": calls, "duration_seconds": report.duration_seconds,
    }}  # fmt: skip
    log.log(
        logging.INFO if report.success else logging.WARNING,
        "scan %s %s (%s): %d found, %d new, %d upstream calls in %.1f s%s",
        report.scan_id, report.status, flight.state.origin, report.tally.tokens_found, report.tally.tokens_new,
        sum(calls.values()), report.duration_seconds, f": {report.error}" if report.error else "",
        extra={"fields": fields},
    )  # fmt: skip
