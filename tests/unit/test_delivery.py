"""Ordered delivery across a cluster: skipped seqs come from the store, repeats are dropped, the tail is filled."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.service_support import ManualClock
from token_discovery.realtime.delivery import OrderedDelivery
from token_discovery.store.memory import MemoryStore


def stored(count: int) -> MemoryStore:
    store = MemoryStore()
    for i in range(count):
        store.upsert("base", f"0x{i}", {"n": i}, 0, "unknown", True, datetime.now(UTC))
    return store


def announce(seq: int) -> dict:
    return {"seq": seq, "announced": True}


def seqs(records: list[dict]) -> list[int]:
    return [r["seq"] for r in records]


def test_a_skipped_seq_is_sent_from_the_store_before_the_next_one_and_repeats_are_dropped() -> None:
    delivery = OrderedDelivery(stored(6))
    assert seqs(delivery.deliveries(announce(1))) == [1]
    assert seqs(delivery.deliveries(announce(2))) == [2]
    sent = delivery.deliveries(announce(5))  # the queue lost 3 and 4
    assert seqs(sent) == [3, 4, 5] and sent[-1]["announced"] and "token_data" in sent[0]
    assert delivery.deliveries(announce(4)) == [] and delivery.deliveries(announce(5)) == []  # late, repeated
    assert seqs(delivery.deliveries(announce(6))) == [6]


def test_tokens_the_queue_never_brought_are_sent_once_after_a_grace() -> None:
    clock = ManualClock()
    delivery = OrderedDelivery(stored(5), clock=clock)
    delivery.deliveries(announce(2))
    assert delivery.overdue() == []  # the queue gets its chance first
    clock.now += 3
    assert seqs(delivery.overdue()) == [3, 4, 5]
    assert delivery.overdue() == [] and delivery.deliveries(announce(4)) == []  # never twice


def test_a_late_joiner_is_replayed_up_to_what_the_room_had_then_the_queue_goes_on() -> None:
    delivery = OrderedDelivery(stored(6))
    delivery.deliveries(announce(4))
    joined, sent = [], []
    count = delivery.replay(1, lambda: joined.append(True), sent.append)
    assert joined and count == 3 and seqs(sent) == [2, 3, 4]  # 5 and 6 are not the room's yet
    assert seqs(delivery.deliveries(announce(5))) == [5]
    first = OrderedDelivery(stored(3))
    assert first.replay(0, lambda: None, [].append) == 3 and first.deliveries(announce(3)) == []
