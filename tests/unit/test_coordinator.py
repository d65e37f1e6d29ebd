"""The shared-scan coordinator on fakes: settled once, never waiting on itself, no I/O under its lock.

No server and no sleep: the pipeline, the lease and the budget are fakes that block on events the test
releases; the clocks are moved by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.service_support import ManualClock
from token_discovery.coordination.reports import Finished, Refused, Running
from token_discovery.coordination.service import TokenDiscoveryService
from token_discovery.coordination.settings import ServiceSettings
from token_discovery.events import RecordingNotifier
from token_discovery.scan.publisher import Publisher
from token_discovery.scan.state import ScanCancelled, ScanState, ScanTally
from token_discovery.sources.base import CallCancelled
from token_discovery.sources.budget import Budget, Quote
from token_discovery.sources.guard import CallGate
from token_discovery.store.memory import MemoryStore

WAIT = 5.0  # the longest any event is awaited; a healthy run takes milliseconds


class FakeScanner:
    """A pipeline that runs `body(state)`: by default a scan that finds nothing at once."""

    def __init__(self, store: MemoryStore, notifier: RecordingNotifier) -> None:
        self.publisher = Publisher(store, notifier)
        self.policy, self.outcomes = None, None
        self.runs: list[str] = []
        self.body = lambda state: ScanTally()

    def run(self, state: ScanState) -> ScanTally:
        self.runs.append(state.scan_id)
        return self.body(state)


class FakeLease:
    """A cluster lease in memory; `gate` (when set) holds every call until released, like a slow Redis."""

    def __init__(self, shared: bool = False, ttl_clock: Any = time.monotonic) -> None:
        self.shared, self._clock = shared, ttl_clock
        self.holder: str | None = None
        self.expires_at = 0.0
        self.released: list[str] = []
        self.renewals = 0
        self.renewed = threading.Event()
        self.gate: threading.Event | None = None

    def _slow(self) -> None:
        if self.gate is not None:
            assert self.gate.wait(WAIT)

    def try_acquire(self, scan_id: str, params: dict, ttl: float) -> str | None:
        self._slow()
        if self.holder is not None and self._clock() < self.expires_at:
            return self.holder
        self.holder, self.expires_at = scan_id, self._clock() + ttl
        return None

    def renew(self, scan_id: str, ttl: float) -> bool:
        if self.holder != scan_id or self._clock() >= self.expires_at:
            return False
        self.expires_at, self.renewals = self._clock() + ttl, self.renewals + 1
        if self.renewals >= 3:
            self.renewed.set()
        return True

    def held_by(self, scan_id: str) -> bool:
        return self.holder == scan_id and self._clock() < self.expires_at

    def release(self, scan_id: str, summary: dict) -> None:
        self.released.append(scan_id)
        if self.holder == scan_id:
            self.holder = None

    def wait_for(self, scan_id: str, timeout: float) -> dict | None:
        return None

    def last(self) -> dict | None:
        self._slow()
        return None


class SlowBudget(Budget):
    """A budget whose quote can be held, like a shared budget in a slow Redis."""

    gate: threading.Event | None = None

    def quote(self, plan: dict, keep: float = 0.0) -> Quote:
        if self.gate is not None:
            assert self.gate.wait(WAIT)
        return super().quote(plan, keep)


class World:
    """A service on fakes, with clocks the test moves."""

    def __init__(self, deadline: float = 60.0, min_interval: float = 0.0, lease: FakeLease | None = None,
                 lease_ttl: float = 30.0) -> None:  # fmt: skip
        self.monotonic = ManualClock()
        self.store, self.notifier = MemoryStore(), RecordingNotifier()
        self.scanner = FakeScanner(self.store, self.notifier)
        self.lease = lease or FakeLease()
        self.budget = SlowBudget()
        self.gate = CallGate(self.budget)
        self.executor = ThreadPoolExecutor(max_workers=8)
        settings = ServiceSettings(min_interval=min_interval, scan_deadline=deadline, lease_ttl=lease_ttl)
        self.service = TokenDiscoveryService(
            self.scanner, self.store, self.notifier, settings, clock=lambda: datetime.now(UTC),
            monotonic=self.monotonic, lease=self.lease, gate=self.gate, executor=self.executor,
        )  # fmt: skip

    def final_events(self) -> list[tuple[str, dict]]:
        return [(name, p) for name, p in self.notifier.events if name in {"scan_completed", "scan_error"}]


@pytest.fixture
def world() -> Iterator[World]:
    built = World()
    yield built
    built.service.shutdown()
    built.executor.shutdown(wait=True)


def test_a_trigger_runs_one_scan_and_gets_its_report(world: World) -> None:
    outcome = world.service.trigger_scan(5, None, wait=WAIT)
    assert isinstance(outcome, Finished) and outcome.report.success and not outcome.joined
    assert world.store.scan_count() == 1 and len(world.final_events()) == 1


def test_a_deadline_racing_publication_settles_the_scan_once(world: World) -> None:
    publishing, release = threading.Event(), threading.Event()

    def slow_record(scan: dict) -> None:  # the store is slow while the finished scan is being published
        if scan["status"] != "running":
            publishing.set()
            assert release.wait(WAIT)
        MemoryStore.record_scan(world.store, scan)

    world.store.record_scan = slow_record  # type: ignore[method-assign]
    trigger = world.executor.submit(world.service.trigger_scan, 5, None, WAIT)
    assert publishing.wait(WAIT)
    world.monotonic.now += 120  # the deadline passes while the result is being published
    flight = world.service.coordinator.current()
    assert flight is not None and not world.service.coordinator.expire_if_late(flight)
    world.service.current_scan()  # a reader looking at a late scan does not settle it again
    release.set()
    outcome = trigger.result(WAIT)
    assert isinstance(outcome, Finished) and outcome.report.success
    assert world.store.scan_count() == 1 and world.lease.released == [outcome.report.scan_id]
    assert [name for name, _ in world.final_events()] == ["scan_completed"]


def test_a_callback_that_triggers_a_scan_starts_a_new_one_instead_of_waiting_on_itself(world: World) -> None:
    nested: list[Any] = []
    once = threading.Lock()

    def trigger_again(report: dict) -> None:
        if once.acquire(blocking=False):  # only the first scan's callback triggers
            nested.append(world.service.trigger_scan(5, None, WAIT))

    world.service.on_scan_complete(trigger_again)
    started = time.monotonic()
    first = world.service.trigger_scan(5, None, WAIT)
    assert isinstance(first, Finished) and first.report.success
    (second,) = nested
    assert isinstance(second, Finished) and second.report.success
    assert second.report.scan_id != first.report.scan_id and len(world.scanner.runs) == 2
    assert time.monotonic() - started < WAIT / 2  # nobody waited for a deadline


def test_stats_answer_at_once_while_a_trigger_waits_on_the_lease_or_the_budget(world: World) -> None:
    for blocked in (world.lease, world.budget):
        held = threading.Event()
        blocked.gate = held
        trigger = world.executor.submit(world.service.trigger_scan, 5, None, WAIT)
        started = time.perf_counter()
        stats, status = world.service.get_stats().to_json(), world.service.get_status().to_json()
        world.service.current_scan()
        assert time.perf_counter() - started < 0.1, blocked  # the coordinator's lock is never held across I/O
        assert stats["total_scans"] >= 0 and status["database_capacity"] == 200
        held.set()
        blocked.gate = None
        assert isinstance(trigger.result(WAIT), Finished)


def test_an_abandoned_scan_makes_no_upstream_call_after_it_is_abandoned(world: World) -> None:
    sent, midway, resume, over = [], threading.Event(), threading.Event(), threading.Event()

    def scan(state: ScanState) -> ScanTally:
        try:
            world.gate.call("dexscreener.tokens", lambda: sent.append("first"))
            midway.set()
            assert resume.wait(WAIT)
            with pytest.raises(CallCancelled):  # the scan does not know yet; its next call is refused unsent
                world.gate.call("dexscreener.tokens", lambda: sent.append("after abandon"))
            raise ScanCancelled(state.scan_id)
        finally:
            over.set()

    world.scanner.body = scan
    trigger = world.executor.submit(world.service.trigger_scan, 5, None, WAIT)
    assert midway.wait(WAIT)
    world.monotonic.now += 120
    assert world.service.current_scan()["status"] == "failed"  # the deadline passed: abandoned
    resume.set()
    outcome = trigger.result(WAIT)
    assert isinstance(outcome, Finished) and not outcome.report.success and "deadline" in outcome.report.error
    assert over.wait(WAIT)
    assert sent == ["first"] and world.gate.ledger.snapshot()["refused"] == {"dexscreener.tokens": 1}


def test_the_lease_outlives_a_scan_longer_than_its_expiry() -> None:
    lease = FakeLease(shared=True)
    built = World(lease=lease, lease_ttl=0.15)  # renewed every 50 ms

    def long_scan(state: ScanState) -> ScanTally:
        assert lease.renewed.wait(WAIT)  # the scan outlasts three expiries' worth of renewals...
        assert lease.held_by(state.scan_id)  # ...and still holds the lease
        return ScanTally()

    built.scanner.body = long_scan
    try:
        outcome = built.service.trigger_scan(5, None, WAIT)
        assert isinstance(outcome, Finished) and outcome.report.success
        assert lease.renewals >= 3 and lease.released == [outcome.report.scan_id]
    finally:
        built.service.shutdown()
        built.executor.shutdown(wait=True)


def test_triggers_that_race_make_one_scan() -> None:
    racing = World(min_interval=30.0)  # a trigger arriving after the scan gets its result, not a second scan
    started, go = threading.Event(), threading.Event()
    racing.scanner.body = lambda state: (started.set(), go.wait(WAIT), ScanTally())[2]
    try:
        outcomes = [racing.executor.submit(racing.service.trigger_scan, 5, None, WAIT) for _ in range(6)]
        assert started.wait(WAIT)
        go.set()
        results = [o.result(WAIT) for o in outcomes]
        assert len(racing.scanner.runs) == 1 and len({r.report.scan_id for r in results}) == 1
        assert sum(not (r.joined or r.cached) for r in results) == 1  # one started it; the others joined or reused
    finally:
        racing.service.shutdown()
        racing.executor.shutdown(wait=True)


def test_a_recent_result_is_reused_and_a_short_budget_refuses(world: World) -> None:
    cached = World(min_interval=30.0)
    try:
        first = cached.service.trigger_scan(5, None, WAIT)
        again = cached.service.trigger_scan(5, None, WAIT)
        assert isinstance(again, Finished) and again.cached and again.report.scan_id == first.report.scan_id
        cached.budget.rate_limited("dexscreener.token_profiles", 30)
        cached.budget.rate_limited("geckoterminal.new_pools", 60)
        refused = cached.service.trigger_scan(6, None, WAIT)  # other parameters: no discovery feed can be paid
        assert isinstance(refused, Refused) and refused.to_json()["route_class"] == "dexscreener.discovery"
    finally:
        cached.service.shutdown()
        cached.executor.shutdown(wait=True)


def test_a_trigger_that_cannot_wait_gets_running_and_the_scan_goes_on(world: World) -> None:
    go = threading.Event()
    world.scanner.body = lambda state: (go.wait(WAIT), ScanTally())[1]
    outcome = world.service.trigger_scan(5, None, wait=0)
    assert isinstance(outcome, Running) and outcome.to_json()["status"] == "running"
    go.set()
    flight = world.service.coordinator.current()
    assert flight is not None and flight.wait(WAIT) is not None and world.store.scan_count() == 1


def test_a_scan_is_recorded_running_and_a_dead_processs_scan_is_found_interrupted(world: World) -> None:
    seen_running = []
    world.scanner.body = lambda state: (seen_running.append(world.store.scans(5)), ScanTally())[1]
    outcome = world.service.trigger_scan(5, None, WAIT)
    assert isinstance(outcome, Finished)
    assert [s["status"] for s in seen_running[0]] == ["running"] and world.store.scan_count() == 1
    assert [s["status"] for s in world.store.scans(5)] == ["completed"]  # replaced when it ended, counted once
    world.store.record_scan({"scan_id": "killed", "status": "running", "started_at": "2026-01-01T00:00:00+00:00",
                             "finished_at": "2026-01-01T00:00:00+00:00"})  # fmt: skip
    assert world.service.recover_interrupted() == 1
    killed = next(s for s in world.store.scans(5) if s["scan_id"] == "killed")
    assert killed["status"] == "interrupted" and "stopped" in killed["error"]
    assert world.service.recover_interrupted() == 0


def test_each_scan_logs_one_structured_line_readable_as_text_and_as_json(world: World, caplog) -> None:
    import json
    import logging

    from token_discovery.monitoring.logs import TEXT_FORMAT, JsonFormatter

    with caplog.at_level(logging.INFO, logger="token_discovery.coordination.history"):
        outcome = world.service.trigger_scan(5, None, WAIT, origin="auto")
    (record,) = [r for r in caplog.records if r.name == "token_discovery.coordination.history"]
    assert isinstance(outcome, Finished)
    text = logging.Formatter(TEXT_FORMAT).format(record)
    assert f"scan {outcome.report.scan_id} completed (auto): 0 found, 0 new, 0 upstream calls in" in text
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["scan"]["id"] == outcome.report.scan_id
    assert line["scan"]["origin"] == "auto" and line["scan"]["status"] == "completed" and line["scan"]["calls"] == {}


def test_scanning_is_true_while_a_scan_runs_and_false_once_it_is_done(world: World) -> None:
    running, release, seen = threading.Event(), threading.Event(), []

    def body(state: Any) -> ScanTally:
        seen.append(world.service.coordinator.scanning())
        running.set()
        assert release.wait(WAIT)
        return ScanTally()

    assert not world.service.coordinator.scanning()
    world.scanner.body = body
    trigger = world.executor.submit(world.service.trigger_scan, 5, None, WAIT)
    assert running.wait(WAIT) and world.service.coordinator.scanning()
    release.set()
    assert isinstance(trigger.result(WAIT), Finished)
    assert seen == [True] and not world.service.coordinator.scanning()  # a settled flight is not a scan


def test_waiting_for_the_scan_ends_when_it_is_published_or_when_the_time_runs_out(world: World) -> None:
    running, release = threading.Event(), threading.Event()

    def body(state: Any) -> ScanTally:
        running.set()
        assert release.wait(WAIT)
        return ScanTally()

    coordinator = world.service.coordinator
    assert coordinator.wait_for_scan(0)  # none runs
    world.scanner.body = body
    trigger = world.executor.submit(world.service.trigger_scan, 5, None, WAIT)
    assert running.wait(WAIT)
    assert not coordinator.wait_for_scan(0.01)  # still running: the time ran out
    release.set()
    assert coordinator.wait_for_scan(WAIT) and isinstance(trigger.result(WAIT), Finished)
