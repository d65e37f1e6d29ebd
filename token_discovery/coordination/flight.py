"""One scan shared by every trigger: its progress, and a future that settles once, whoever tries first."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from token_discovery.coordination.reports import ScanReport
from token_discovery.records import iso
from token_discovery.scan.state import ScanState


class Flight:
    """A scan in flight. `settle` is first-wins: the scan finishing and its deadline racing settle it once.

    Settling claims the outcome (under a tiny lock); the winner then publishes it and calls `finish`,
    which wakes the waiters. Once settling, a flight is no longer joinable: a trigger made while it is
    published (a scan-complete callback, say) starts or reuses another scan instead of waiting on this one.
    """

    def __init__(self, state: ScanState) -> None:
        self.state = state
        self.report: ScanReport | None = None
        self.settled_monotonic: float | None = None
        self._future: Future[ScanReport] = Future()
        self._claim = threading.Lock()

    @classmethod
    def finished(cls, state: ScanState, report: ScanReport, at_monotonic: float) -> Flight:
        """A flight that is already over (a result reused from the cluster)."""
        flight = cls(state)
        flight.settle(report, at_monotonic)
        flight.finish()
        return flight

    @property
    def scan_id(self) -> str:
        """The id of the scan."""
        return self.state.scan_id

    @property
    def settling(self) -> bool:
        """Whether the outcome is decided (being published, or published)."""
        return self.report is not None

    @property
    def done(self) -> bool:
        """Whether the outcome is published and the waiters woken."""
        return self._future.done()

    def settle(self, report: ScanReport, at_monotonic: float) -> bool:
        """Claim the outcome; False (and nothing changes) when it was already settled: the first one stands."""
        with self._claim:
            if self.report is not None:
                return False
            self.report, self.settled_monotonic = report, at_monotonic
        self._future.set_running_or_notify_cancel()
        return True

    def finish(self) -> None:
        """Wake every waiter with the settled report (once published)."""
        if self.report is not None and not self._future.done():
            self._future.set_result(self.report)

    def wait(self, timeout: float | None) -> ScanReport | None:
        """The report once published; None when the time runs out first."""
        try:
            return self._future.result(timeout=timeout)
        except FutureTimeout:
            return None

    def snapshot(self) -> dict[str, Any]:
        """The scan for GET /api/discovery/scan."""
        state, report = self.state, self.report
        return {
            "status": report.status if report else "running",
            "scan_id": state.scan_id,
            "stage": ("done" if report.success else "failed") if report else state.stage,
            "progress": {"done": state.done, "total": state.total},
            "max_tokens": state.max_tokens,
            "chain": state.chain,
            "started_at": iso(state.started_at),
            "finished_at": iso(report.finished_at) if report else None,
            "error": report.error if report else None,
            "result": report.to_json() if report else None,
        }
