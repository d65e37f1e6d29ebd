"""The stream's intake: batches by count or by age, a bounded queue that lets its oldest go, and no batch the
budget cannot pay for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from token_discovery.models import Candidate, Discovered
from token_discovery.streaming import intake
from token_discovery.streaming.intake import CreationIntake, FlushPolicy


def token(n: int, name: str = "") -> Discovered:
    return Discovered(Candidate("solana", f"Mint{n:040d}", "pumpportal.stream", name=name or f"T{n}"), ("x",))


class Batches:
    """What the intake handed over, with an event per batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.arrived = threading.Semaphore(0)

    def __call__(self, batch: list[Discovered]) -> None:
        self.batches.append([found.candidate.address for found in batch])
        self.arrived.release()

    def wait(self, count: int = 1, timeout: float = 5.0) -> None:
        for _ in range(count):
            assert self.arrived.acquire(timeout=timeout), f"only {len(self.batches)} batch(es)"


@contextmanager
def running(policy: FlushPolicy, budget_wait: Callable[[int], float] = lambda n: 0.0) -> Iterator[Any]:
    batches = Batches()
    queue = CreationIntake(policy, batches, budget_wait)
    worker = threading.Thread(target=queue.run, daemon=True)
    worker.start()
    try:
        yield queue, batches
    finally:
        queue.stop()
        worker.join(5)
    assert not worker.is_alive()


def test_a_full_batch_goes_at_once_without_waiting_for_the_timer() -> None:
    with running(FlushPolicy(tokens=3, seconds=60)) as (queue, batches):
        for n in range(3):
            queue.offer(token(n))
        batches.wait()
    assert batches.batches == [[f"Mint{n:040d}" for n in range(3)]]


def test_a_lone_token_goes_once_it_has_waited_the_flush_time() -> None:
    with running(FlushPolicy(tokens=100, seconds=0.05)) as (queue, batches):
        queue.offer(token(1))
        batches.wait()
    assert batches.batches == [["Mint" + "1".zfill(40)]]


def test_a_full_queue_lets_its_oldest_go_and_counts_them() -> None:
    queue = CreationIntake(FlushPolicy(tokens=10, seconds=60, capacity=3), Batches(), lambda n: 0.0)
    for n in range(5):  # no worker: nothing is handed over
        queue.offer(token(n))
    assert queue.waiting() == 3 and queue.counts.dropped == 2 and queue.counts.offered == 5
    assert [found.candidate.address for found in queue._take(3)] == [f"Mint{n:040d}" for n in (2, 3, 4)]


def test_a_token_offered_again_keeps_its_place_with_the_newer_facts() -> None:
    queue = CreationIntake(FlushPolicy(tokens=10, seconds=60), Batches(), lambda n: 0.0)
    queue.offer(token(1, "old"))
    queue.offer(token(2))
    queue.offer(token(1, "migrated"))
    taken = queue._take(2)
    assert [found.candidate.name for found in taken] == ["migrated", "T2"] and queue.waiting() == 0


def test_no_batch_goes_while_the_budget_cannot_pay_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "BUDGET_RECHECK_SECONDS", 0.01)
    quotes: list[int] = []
    paid = threading.Event()

    def budget_wait(size: int) -> float:
        quotes.append(size)
        return 0.0 if paid.is_set() else 30.0

    with running(FlushPolicy(tokens=2, seconds=60), budget_wait) as (queue, batches):
        for n in range(5):
            queue.offer(token(n))
        while len(quotes) < 3:  # asked again and again, each time told to wait
            assert not batches.batches
            threading.Event().wait(0.01)  # the worker's own recheck period: it has no event to await
        paid.set()
        batches.wait(2)
    assert batches.batches[0] == [f"Mint{n:040d}" for n in (0, 1)] and queue.counts.budget_waits >= 3
    assert set(quotes) == {2}  # a batch is quoted whole, never more than the flush size


def test_a_failing_batch_does_not_stop_the_intake() -> None:
    calls: list[int] = []

    def ingest(batch: list[Discovered]) -> None:
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("the store is gone")
        done.set()

    done = threading.Event()
    queue = CreationIntake(FlushPolicy(tokens=1, seconds=60), ingest, lambda n: 0.0)
    worker = threading.Thread(target=queue.run, daemon=True)
    worker.start()
    queue.offer(token(1))
    queue.offer(token(2))
    assert done.wait(5)
    queue.stop()
    worker.join(5)
    assert calls == [1, 1] and queue.counts.batches == 2


def test_batches_are_spaced_so_the_stream_spends_its_share_evenly() -> None:
    times: list[float] = []
    done = threading.Event()

    def ingest(batch: list[Discovered]) -> None:
        times.append(time.monotonic())
        if len(times) == 3:
            done.set()

    queue = CreationIntake(FlushPolicy(tokens=1, seconds=0, spacing=0.15), ingest, lambda n: 0.0)
    worker = threading.Thread(target=queue.run, daemon=True)
    worker.start()
    for n in range(3):  # all at once: each a full batch, yet they go 0.15 s apart
        queue.offer(token(n))
    assert done.wait(5)
    queue.stop()
    worker.join(5)
    assert all(later - earlier >= 0.15 for earlier, later in zip(times, times[1:], strict=False))


def test_the_spacing_follows_the_tighter_bucket_and_the_share() -> None:
    from token_discovery.bootstrap import stream_spacing

    limits = {"dexscreener.discovery": 60.0, "dexscreener.market": 300.0, "geckoterminal": 30.0, "goplus": 30.0}
    # GoPlus: a quarter of its 30 a minute is 7 whole calls, one a batch: a batch every 60 / 7 s, and a hair
    assert stream_spacing(limits, 60.0, 0.25) == pytest.approx(60 / 7 * 1.02, abs=1e-3)
    assert stream_spacing({**limits, "dexscreener.market": 10.0}, 60.0, 1.0) == pytest.approx(6.12)


def test_a_failing_budget_question_does_not_stop_the_intake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "BUDGET_RECHECK_SECONDS", 0.01)
    asked: list[int] = []

    def budget_wait(size: int) -> float:
        asked.append(size)
        if len(asked) == 1:
            raise ConnectionError("Redis is gone")
        return 0.0

    with running(FlushPolicy(tokens=1, seconds=60), budget_wait) as (queue, batches):
        queue.offer(token(1))
        batches.wait()
    assert len(asked) == 2 and batches.batches == [["Mint" + "1".zfill(40)]]
