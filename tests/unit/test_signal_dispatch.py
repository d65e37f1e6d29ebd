"""Announced tokens become signals on their own worker: new tokens, changes of verdict, never a wait."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from token_discovery import events
from token_discovery.signals import dispatch
from token_discovery.signals.book import WatcherBook
from token_discovery.signals.dispatch import SignalDispatcher
from token_discovery.signals.outbox import Delivery, Outbox, Outcome
from token_discovery.store.memory import MemoryStore

NOW = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)


def setup(rules: dict[str, Any]) -> tuple[SignalDispatcher, list[tuple[str, dict]], str, MemoryStore]:
    store = MemoryStore()
    book = WatcherBook(store, frozenset(), 5, lambda: NOW, telegram=True)
    watcher, key = book.create({"name": "w", "rules": rules}, None)
    sent: list[tuple[str, dict]] = []
    return SignalDispatcher(book, store, lambda owner, signal: sent.append((owner, signal)), lambda: NOW), sent, \
        watcher.id, store  # fmt: skip


def token(level: str, seq: int = 1, **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "token_chain": "base", "risk_level": level, "risk_score": 50, "token_data": {}, **extra}


def test_a_new_token_that_matches_is_kept_and_sent_to_its_owner() -> None:
    dispatcher, sent, watcher_id, store = setup({"levels": ["risky"]})
    assert dispatcher.dispatch(events.NEW_TOKEN, token("risky")) == 1
    assert dispatcher.dispatch(events.NEW_TOKEN, token("safe", 2)) == 0
    ((owner, signal),) = sent
    assert signal["watcher_id"] == watcher_id and signal["matched"] == ["verdict risky"] and len(owner) == 64
    assert [s["token"]["seq"] for s in store.signals(watcher_id)] == [1]


def test_an_update_is_a_signal_only_for_risk_changed_watchers_and_only_when_the_verdict_moved() -> None:
    dispatcher, sent, _, _ = setup({"risk_changed": True})
    moved = token("risky", changes=[{"field": "risk_level", "old": "safe", "new": "risky"}])
    other = token("risky", changes=[{"field": "liquidity_usd", "old": 1, "new": 0}])
    assert dispatcher.dispatch(events.TOKEN_UPDATED, other) == 0
    assert dispatcher.dispatch(events.NEW_TOKEN, token("risky")) == 0  # a new token is not a change
    assert dispatcher.dispatch(events.TOKEN_UPDATED, moved) == 1
    assert sent[0][1]["matched"] == ["its risk level changed"] and "changes" not in sent[0][1]["token"]


def test_offering_never_waits_and_a_full_queue_drops_and_counts(monkeypatch: Any) -> None:
    monkeypatch.setattr(dispatch, "QUEUE_SIZE", 2)
    dispatcher, sent, _, _ = setup({})
    for seq in range(5):  # no worker runs: the queue fills
        dispatcher.offer(events.NEW_TOKEN, token("safe", seq))
    dispatcher.offer(events.SCAN_STARTED, {"scan_id": "x"})  # not a token: ignored
    assert dispatcher.dropped == 3
    worker = threading.Thread(target=dispatcher.run, daemon=True)
    worker.start()
    try:
        assert dispatcher.wait_idle(5) and len(sent) == 2
    finally:
        dispatcher.stop()
        worker.join(5)


def test_the_worker_outlives_a_token_it_cannot_dispatch() -> None:
    dispatcher, sent, _, _ = setup({})
    worker = threading.Thread(target=dispatcher.run, daemon=True)
    worker.start()
    try:
        dispatcher.offer(events.TOKEN_UPDATED, {"changes": 5})  # raises inside: logged, the worker goes on
        dispatcher.offer(events.NEW_TOKEN, token("safe"))
        assert dispatcher.wait_idle(5)
        assert [signal["token"]["seq"] for _, signal in sent] == [1]
    finally:
        dispatcher.stop()
        worker.join(5)
    assert not worker.is_alive()


def test_past_its_signals_a_minute_a_key_is_sent_nothing_more_but_its_history_keeps_them() -> None:
    store = MemoryStore()
    book = WatcherBook(store, frozenset({"127.0.0.1"}), 5, lambda: NOW, telegram=True)
    watcher, _ = book.create({"name": "w", "rules": {}, "webhook_url": "http://127.0.0.1:9/hook",
                              "telegram_chat_id": 77}, None)  # fmt: skip
    sent: list[tuple[str, dict]] = []
    outbox = Outbox({"webhook": FakeChannel(), "telegram": FakeChannel()})
    dispatcher = SignalDispatcher(book, store, lambda owner, s: sent.append((owner, s)), lambda: NOW, outbox, 2)
    for seq in range(1, 5):
        assert dispatcher.dispatch(events.NEW_TOKEN, token("safe", seq)) == 1
    assert [s["token"]["seq"] for _, s in sent] == [1, 2] and outbox.backlog() == 4  # two to the hook, two to chat
    assert dispatcher.counts["any", "throttled"] == 2 and len(store.signals(watcher.id)) == 4
    assert len({s["id"] for s in store.signals(watcher.id)}) == 4


class FakeChannel:
    """Never sends: the test only looks at what was queued."""

    per_target, batch_size, spacing = 1, 1, 0.0

    def fairness_key(self, delivery: Delivery) -> str:
        return delivery.target

    def send(self, batch: Any) -> Outcome:
        raise AssertionError("no worker runs in this test")


def test_the_index_is_read_again_only_when_a_watcher_changed_in_any_process(monkeypatch: Any) -> None:
    dispatcher, sent, _, store = setup({"levels": ["safe"]})
    reads = []
    every = WatcherBook.every
    monkeypatch.setattr(WatcherBook, "every", lambda book: reads.append(1) or every(book))
    monkeypatch.setattr(dispatch, "RELOAD_SECONDS", 0.0)  # ask the store at every token
    for seq in range(1, 4):
        dispatcher.dispatch(events.NEW_TOKEN, token("safe", seq))
    assert len(reads) == 1 and len(sent) == 3  # read once, then nothing changed
    other = {"id": "0123456789abcdef", "owner": "f" * 64, "name": "made elsewhere", "rules": {"levels": ["safe"]},
             "webhook_url": None, "telegram_chat_id": None, "secret": "s", "created_at": NOW.isoformat()}  # fmt: skip
    store.save_watcher(other)  # as another process's book would: this one's version does not move
    dispatcher.dispatch(events.NEW_TOKEN, token("safe", 4))
    assert len(reads) == 2 and [s["watcher_name"] for _, s in sent[3:]] == ["w", "made elsewhere"]


def test_signals_wait_for_the_scan_running_here_to_end_then_go() -> None:
    dispatcher, sent, _, _ = setup({})
    waiting, scan_over, sent_while_waiting = threading.Event(), threading.Event(), []

    def await_scan(timeout: float) -> bool:
        sent_while_waiting.append(len(sent))
        waiting.set()
        return scan_over.wait(timeout)

    dispatcher.scanning, dispatcher.await_scan = (lambda: not scan_over.is_set()), await_scan
    worker = threading.Thread(target=dispatcher.run, daemon=True)
    worker.start()
    try:
        dispatcher.offer(events.NEW_TOKEN, token("safe"))
        assert waiting.wait(5)
        scan_over.set()
        assert dispatcher.wait_idle(5)
    finally:
        dispatcher.stop()
        worker.join(5)
    assert sent_while_waiting == [0] and len(sent) == 1  # nothing went out while the scan ran; then it did


def test_a_scan_that_outlasts_the_hold_no_longer_holds_signals_back(monkeypatch: Any) -> None:
    monkeypatch.setattr(dispatch, "SCAN_HOLD_SECONDS", 0.5)
    dispatcher, sent, _, _ = setup({})
    asked: list[float] = []
    dispatcher.scanning, dispatcher.await_scan = (lambda: True), asked.append  # a scan that never ends
    offered_long_ago = dispatch.time.monotonic() - 1.0
    assert dispatcher.dispatch(events.NEW_TOKEN, token("safe"), offered_long_ago) == 1
    assert asked == [] and len(sent) == 1  # held long enough already: not asked to wait at all
    assert dispatcher.dispatch(events.NEW_TOKEN, token("safe", 2), dispatch.time.monotonic()) == 1
    assert len(asked) == 1 and 0 < asked[0] <= 0.5  # asked to wait only what is left of the hold
