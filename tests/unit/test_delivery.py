"""Ordered delivery: skipped seqs come from the store, repeats are dropped, the tail is filled, joiners replayed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from tests.service_support import ManualClock
from token_discovery.realtime.delivery import REPLAY_BATCH, OrderedDelivery
from token_discovery.records import record_json
from token_discovery.store.memory import MemoryStore
from token_discovery.store.snapshot import RecentSnapshot


def stored(count: int) -> MemoryStore:
    store = MemoryStore()
    for i in range(count):
        store.upsert("base", f"0x{i}", {"n": i}, 0, "unknown", True, datetime.now(UTC))
    return store


def delivery_of(store: MemoryStore, **options: Any) -> OrderedDelivery:
    return OrderedDelivery(store, RecentSnapshot(store, 200), **options)


def announce(seq: int) -> dict:
    return {"seq": seq, "announced": True}


def handed(delivery: OrderedDelivery, seq: int) -> list[int]:
    """The seqs handed to the room when `seq` is announced."""
    out: list[dict] = []
    delivery.deliver(announce(seq), out.append)
    return [r["seq"] for r in out]


def test_a_skipped_seq_is_sent_from_the_store_before_the_next_one_and_repeats_are_dropped() -> None:
    delivery = delivery_of(stored(6))
    assert handed(delivery, 1) == [1] and handed(delivery, 2) == [2]
    out: list[dict] = []
    delivery.deliver(announce(5), out.append)  # the queue lost 3 and 4
    assert [r["seq"] for r in out] == [3, 4, 5] and out[-1]["announced"] and "token_data" in out[0]
    assert handed(delivery, 4) == [] and handed(delivery, 5) == []  # late, repeated
    assert handed(delivery, 6) == [6]


def test_tokens_the_queue_never_brought_are_sent_once_after_a_grace() -> None:
    clock = ManualClock()
    delivery = delivery_of(stored(5), clock=clock)
    handed(delivery, 2)
    out: list[dict] = []
    assert delivery.deliver_overdue(out.append) == 0  # the queue gets its chance first
    clock.now += 3
    assert delivery.deliver_overdue(out.append) == 3 and [r["seq"] for r in out] == [3, 4, 5]
    assert delivery.deliver_overdue(out.append) == 0 and handed(delivery, 4) == []  # never twice


def test_a_late_joiner_is_replayed_from_memory_up_to_what_the_room_had_then_the_queue_goes_on() -> None:
    store = stored(6)
    delivery = delivery_of(store)
    handed(delivery, 4)
    joined, sent = [], []
    count = delivery.replay(1, lambda: joined.append(True), sent.append)
    assert joined and count == 3 and [r["seq"] for r in sent] == [2, 3, 4]  # 5 and 6 are not the room's yet
    assert sent[0] == record_json(store.since_seq(1, 1)[0])
    assert handed(delivery, 5) == [5]
    first = delivery_of(stored(3))
    assert first.replay(0, lambda: None, [].append) == 3 and handed(first, 3) == []


def test_a_replay_is_paced_and_holds_no_lock_the_room_needs() -> None:
    store = stored(3 * REPLAY_BATCH)
    paces: list[int] = []
    delivery = delivery_of(store, pace=lambda: paces.append(1))
    handed(delivery, 3 * REPLAY_BATCH)
    during: list[int] = []

    def send(record: dict) -> None:
        """While the joiner is being sent its replay, another thread hands a new token to the room."""
        if record["seq"] == 2:
            worker = threading.Thread(target=lambda: during.extend(handed(delivery, 3 * REPLAY_BATCH + 1)))
            worker.start()
            worker.join(timeout=2)

    assert delivery.replay(0, lambda: None, send) == 3 * REPLAY_BATCH
    assert during == [3 * REPLAY_BATCH + 1]  # not blocked behind the replay
    assert len(paces) == 3
