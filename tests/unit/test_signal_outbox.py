"""The signal outbox: retries with backoff, dead letters, a slow target holding only its own slots, batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from token_discovery.signals.outbox import DELIVERED, Delivery, Outbox, Outcome


class FakeChannel:
    """A channel whose answer a test chooses; it records every batch and when it was sent."""

    def __init__(self, answer: Callable[[Sequence[Delivery]], Outcome], per_target: int = 2, batch_size: int = 1,
                 spacing: float = 0.0) -> None:  # fmt: skip
        self.answer, self.per_target, self.batch_size, self.spacing = answer, per_target, batch_size, spacing
        self.sent: list[tuple[float, list[Delivery]]] = []
        self.lock = threading.Lock()
        self.started = threading.Event()  # set by the first send

    def fairness_key(self, delivery: Delivery) -> str:
        return delivery.target

    def send(self, batch: Sequence[Delivery]) -> Outcome:
        with self.lock:
            self.sent.append((time.monotonic(), list(batch)))
        self.started.set()
        return self.answer(batch)


def delivery(target: str = "a", n: int = 0) -> Delivery:
    return Delivery("fake", target, {"watcher_id": "w1", "n": n})


@contextmanager
def running(outbox: Outbox, workers: int = 3) -> Iterator[Outbox]:
    threads = [threading.Thread(target=outbox.run, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    try:
        yield outbox
    finally:
        outbox.stop()
        for thread in threads:
            thread.join(5)
    assert not any(thread.is_alive() for thread in threads)


def test_a_failing_delivery_is_retried_after_each_delay_then_dead_lettered() -> None:
    channel = FakeChannel(lambda batch: Outcome(False, "receiver answered 503", retryable=True))
    with running(Outbox({"fake": channel}, retry_delays=(0.05, 0.15))) as outbox:
        assert outbox.offer(delivery())
        assert outbox.wait_idle(5)
    times = [at for at, _ in channel.sent]
    assert len(times) == 3 and times[1] - times[0] >= 0.05 and times[2] - times[1] >= 0.15
    assert [batch[0].attempt for _, batch in channel.sent] == [0, 1, 2]
    assert outbox.counts["fake", "retried"] == 2 and outbox.counts["fake", "dead"] == 1
    assert outbox.counts["fake", "sent"] == 0
    (letter,) = outbox.dead_letters
    assert letter["watchers"] == ["w1"] and letter["attempts"] == 3 and "503" in letter["error"]
    assert letter["signals"] == 1


def test_a_refusal_is_dead_at_once_and_a_success_is_counted_sent() -> None:
    channel = FakeChannel(lambda batch: DELIVERED if batch[0].target == "good" else Outcome(False, "410 Gone"))
    with running(Outbox({"fake": channel}, retry_delays=(0.01,))) as outbox:
        outbox.offer(delivery("good"))
        outbox.offer(delivery("gone"))
        assert outbox.wait_idle(5)
    assert len(channel.sent) == 2 and outbox.counts["fake", "sent"] == 1 and outbox.counts["fake", "dead"] == 1


def test_the_wait_a_receiver_asks_for_is_kept_when_longer_than_the_backoff() -> None:
    answers = iter([Outcome(False, "429", retryable=True, retry_after=0.3), DELIVERED])
    channel = FakeChannel(lambda batch: next(answers))
    with running(Outbox({"fake": channel}, retry_delays=(0.01,))) as outbox:
        outbox.offer(delivery())
        assert outbox.wait_idle(5)
    assert channel.sent[1][0] - channel.sent[0][0] >= 0.3 and outbox.counts["fake", "sent"] == 1


def test_a_hung_target_holds_only_its_own_slots_and_the_others_go_on() -> None:
    release, fine_done, fine = threading.Event(), threading.Event(), [0]

    def answer(batch: Sequence[Delivery]) -> Outcome:
        if batch[0].target == "hung":
            release.wait(10)
        else:
            fine[0] += 1
            if fine[0] == 20:
                fine_done.set()
        return DELIVERED

    channel = FakeChannel(answer, per_target=2)
    with running(Outbox({"fake": channel}), workers=3) as outbox:
        for n in range(6):
            outbox.offer(delivery("hung", n))
        for n in range(20):
            outbox.offer(delivery(f"fine-{n % 4}", n))
        assert fine_done.wait(5)  # every other target served while two workers hang
        hung_sent = [batch for _, batch in channel.sent if batch[0].target == "hung"]
        assert len(hung_sent) == 2  # two slots held, the other four parked behind them
        release.set()
        assert outbox.wait_idle(5)
    assert outbox.counts["fake", "sent"] == 26


def test_what_waits_for_a_busy_target_goes_out_as_one_batch_after_its_spacing() -> None:
    release = threading.Event()
    channel = FakeChannel(lambda batch: DELIVERED if release.wait(10) else DELIVERED, per_target=1, batch_size=10,
                          spacing=0.2)  # fmt: skip
    with running(Outbox({"fake": channel})) as outbox:
        outbox.offer(delivery("chat", 0))
        assert channel.started.wait(5)
        for n in range(1, 5):
            outbox.offer(delivery("chat", n))
        finished = time.monotonic()
        release.set()
        assert outbox.wait_idle(5)
    assert [[d.signal["n"] for d in batch] for _, batch in channel.sent] == [[0], [1, 2, 3, 4]]
    assert channel.sent[1][0] - finished >= 0.2


def test_a_full_outbox_drops_and_counts_and_an_unknown_channel_is_dead() -> None:
    outbox = Outbox({"fake": FakeChannel(lambda batch: DELIVERED)}, capacity=2)
    assert outbox.offer(delivery()) and outbox.offer(delivery())
    assert not outbox.offer(delivery())
    assert not outbox.offer(Delivery("telegram", "42", {}))
    assert outbox.counts["fake", "dropped"] == 1 and outbox.counts["telegram", "dead"] == 1
    assert outbox.backlog() == 2


def test_a_channel_that_raises_is_retried_and_never_kills_a_worker() -> None:
    calls = iter([RuntimeError("bug"), None])

    def answer(batch: Sequence[Delivery]) -> Outcome:
        error = next(calls)
        if error is not None:
            raise error
        return DELIVERED

    with running(Outbox({"fake": FakeChannel(answer)}, retry_delays=(0.01,)), workers=1) as outbox:
        outbox.offer(delivery())
        assert outbox.wait_idle(5)
    assert outbox.counts["fake", "retried"] == 1 and outbox.counts["fake", "sent"] == 1


def test_every_send_first_gives_way_to_a_running_scan() -> None:
    reached, scan_over, sends_before_scan_end = threading.Event(), threading.Event(), []
    channel = FakeChannel(lambda batch: DELIVERED)
    outbox = Outbox({"fake": channel})

    def give_way() -> None:
        sends_before_scan_end.append(len(channel.sent))
        reached.set()
        scan_over.wait(5)

    outbox.give_way = give_way
    with running(outbox, workers=1):
        assert outbox.offer(delivery("a", 1)) and outbox.offer(delivery("b", 2))
        assert reached.wait(5) and channel.sent == []  # held while the scan runs
        scan_over.set()
        assert outbox.wait_idle(5)
    assert len(channel.sent) == 2 and sends_before_scan_end == [0, 1]
