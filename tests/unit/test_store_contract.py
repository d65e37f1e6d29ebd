"""One contract suite for every TokenStore: SQLite for real, MongoDB on mongomock (and a real server if given)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import mongomock
import pytest

from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.store.memory import MemoryStore
from token_discovery.store.mongo import MongoStore, connect
from token_discovery.store.sqlite import SQLiteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Opener = Callable[[int], TokenStore]


@pytest.fixture(params=["sqlite", "memory", "mongomock", "mongodb"])
def opener(request: pytest.FixtureRequest, tmp_path) -> Iterator[Opener]:
    """A function that (re)opens the same store, as a restart would."""
    opened: list[TokenStore] = []
    if request.param == "sqlite":
        path = str(tmp_path / "tokens.db")
        make: Opener = lambda capacity: SQLiteStore(path, capacity)  # noqa: E731
    elif request.param == "memory":
        shared = MemoryStore()  # a "restart" keeps the same object, as the process would keep its memory

        def make(capacity: int) -> TokenStore:
            shared.capacity = capacity
            return shared
    elif request.param == "mongomock":
        client = mongomock.MongoClient(tz_aware=True)
        make = lambda capacity: MongoStore(client["token_discovery"], capacity)  # noqa: E731
    else:
        uri = os.environ.get("MONGODB_TEST_URI")
        if not uri:
            pytest.skip("MONGODB_TEST_URI is not set: no real MongoDB server to test against")
        name = f"td_test_{uuid.uuid4().hex[:8]}"
        make = lambda capacity: MongoStore(connect(uri)[name], capacity)  # noqa: E731

    def open_store(capacity: int = 200) -> TokenStore:
        store = make(capacity)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def put(store: TokenStore, chain: str, address: str, level: str = "safe", at: datetime = T0, complete: bool = True):
    return store.upsert(chain, address, {"name": address}, 10, level, complete, at)


def test_a_new_token_gets_the_next_seq(opener: Opener) -> None:
    store = opener(200)
    first, second = put(store, "base", "0x1"), put(store, "solana", "Mint1")
    assert (first.record.seq, second.record.seq) == (1, 2)
    assert first.created and second.created
    assert store.count() == 2


def test_a_token_seen_again_is_updated_in_place(opener: Opener) -> None:
    store = opener(200)
    put(store, "base", "0x1", level="unknown")
    again = put(store, "base", "0x1", level="risky", at=T0 + timedelta(minutes=5))
    assert not again.created
    assert again.previous_level == "unknown"
    assert (again.record.seq, again.record.risk_level) == (1, "risky")
    assert store.count() == 1


def test_fifo_keeps_exactly_the_newest_capacity_without_duplicates(opener: Opener) -> None:
    store = opener(200)
    for n in range(600):
        put(store, "base", f"0x{n}")
        if n % 7 == 0:
            put(store, "base", f"0x{n}")  # seen twice: still one row
    records = store.recent(500)
    assert len(records) == 200 == store.count()
    assert [r.seq for r in records] == list(range(600, 400, -1))
    assert len({(r.chain, r.address) for r in records}) == 200


def test_seq_survives_a_restart_and_is_never_reused(opener: Opener) -> None:
    store = opener(3)
    for n in range(5):
        put(store, "bsc", f"0x{n}")
    store.close()
    reopened = opener(3)
    assert [r.seq for r in reopened.recent(10)] == [5, 4, 3]
    assert put(reopened, "bsc", "0xnew").record.seq == 6
    assert put(reopened, "bsc", "0x0").record.seq == 7  # evicted earlier: it comes back as a new token


def test_recent_filters_by_chain_and_after_seq(opener: Opener) -> None:
    store = opener(200)
    for n in range(6):
        put(store, "solana" if n % 2 else "base", f"A{n}")
    assert [r.seq for r in store.recent(10, chain="solana")] == [6, 4, 2]
    assert [r.seq for r in store.recent(10, after_seq=4)] == [6, 5]
    assert [r.seq for r in store.recent(2)] == [6, 5]


def test_since_seq_replays_oldest_first(opener: Opener) -> None:
    store = opener(200)
    for n in range(5):
        put(store, "base", f"0x{n}")
    assert [r.seq for r in store.since_seq(2, 100)] == [3, 4, 5]
    assert store.since_seq(5, 100) == []


def test_analysed_since_counts_only_complete_and_recent_analyses(opener: Opener) -> None:
    store = opener(200)
    put(store, "base", "0xold", at=T0 - timedelta(hours=1))
    put(store, "base", "0xnew", at=T0)
    put(store, "base", "0xpartial", at=T0, complete=False)
    keys = [("base", "0xold"), ("base", "0xnew"), ("base", "0xpartial"), ("base", "0xnever")]
    assert store.analysed_since(keys, T0 - timedelta(minutes=5)) == {("base", "0xnew")}


def test_records_round_trip_their_data(opener: Opener) -> None:
    store = opener(200)
    data = {"name": "Ünïcode \u202e", "links": [{"kind": "twitter", "url": "https://x.com/a"}], "n": 1.5}
    store.upsert("solana", "Mint", data, 42, "risky", True, T0)
    (record,) = store.recent(1)
    assert record.data == data
    assert (record.risk_score, record.risk_level, record.scanned_at) == (42, "risky", T0)
    assert store.level_counts() == {"risky": 1}


def test_scan_history_is_kept_newest_first(opener: Opener) -> None:
    store = opener(200)
    for n in range(3):
        store.record_scan({"scan_id": f"s{n}", "finished_at": f"2026-01-01T00:00:0{n}+00:00", "tokens_found": n})
    assert [s["scan_id"] for s in store.scans(10)] == ["s2", "s1", "s0"]
    assert store.scan_count() == 3


def test_concurrent_upserts_of_one_token_store_it_once(opener: Opener) -> None:
    store = opener(200)
    threads = [threading.Thread(target=put, args=(store, "base", "0xsame")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 1


def test_a_down_mongodb_is_reported_within_a_second() -> None:
    import time

    store = MongoStore(connect("mongodb://127.0.0.1:1/token_discovery"))
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.recent(10)
    with pytest.raises(StoreUnavailable):
        store.ping()
    assert time.monotonic() - started < 2.5  # two calls, each under a second
    store.close()


def test_incomplete_lists_unfinished_analyses_oldest_first(opener: Opener) -> None:
    store = opener(200)
    put(store, "base", "0xlate", at=T0 + timedelta(minutes=2), complete=False)
    put(store, "base", "0xearly", at=T0, complete=False)
    put(store, "base", "0xdone", at=T0 - timedelta(minutes=5))
    assert [r.address for r in store.incomplete(10)] == ["0xearly", "0xlate"]
    assert [r.address for r in store.incomplete(1)] == ["0xearly"]


def outcome(address: str, discovered: datetime, next_due: datetime | None, chain: str = "base") -> dict:
    due = None if next_due is None else next_due.isoformat()
    return {"chain": chain, "address": address, "level": "safe", "score": 0, "discovered_at": discovered.isoformat(),
            "next_due": due, "checks": {}, "outcome": "unknown"}  # fmt: skip


def test_outcomes_are_kept_per_token_and_survive_a_restart(opener: Opener) -> None:
    store = opener(200)
    store.save_outcomes([outcome("0x1", T0, T0 + timedelta(hours=1)), outcome("0x2", T0, None)])
    store.save_outcomes([{**outcome("0x1", T0, T0 + timedelta(hours=6)), "outcome": "alive"}])  # replaced, not added
    reopened = opener(200)
    found = reopened.outcomes_for([("base", "0x1"), ("base", "0x2"), ("base", "0x3")])
    assert set(found) == {("base", "0x1"), ("base", "0x2")}
    assert found[("base", "0x1")]["outcome"] == "alive"
    assert len(reopened.outcomes_since(T0 - timedelta(hours=1))) == 2


def test_due_outcomes_come_most_overdue_first_and_finished_ones_never(opener: Opener) -> None:
    store = opener(200)
    store.save_outcomes([
        outcome("0xlate", T0, T0 + timedelta(hours=1)), outcome("0xlater", T0, T0 + timedelta(hours=2)),
        outcome("0xfuture", T0, T0 + timedelta(hours=9)), outcome("0xdone", T0, None),
    ])  # fmt: skip
    due = store.due_outcomes(T0 + timedelta(hours=3), 10)
    assert [d["address"] for d in due] == ["0xlate", "0xlater"]
    assert [d["address"] for d in store.due_outcomes(T0 + timedelta(hours=3), 1)] == ["0xlate"]


def test_outcomes_older_than_the_retention_are_dropped(opener: Opener) -> None:
    store = opener(200)
    store.save_outcomes([outcome("0xold", T0, None)])
    store.save_outcomes([outcome("0xnew", T0 + timedelta(days=31), None)])
    assert [d["address"] for d in store.outcomes_since(T0 - timedelta(days=1))] == ["0xnew"]
    assert store.outcomes_since(T0 + timedelta(days=32)) == []


def test_outcomes_of_many_tokens_are_read_in_one_go(opener: Opener) -> None:
    store = opener(200)
    store.save_outcomes([outcome(f"0x{i:x}", T0, None) for i in range(450)])
    found = store.outcomes_for([("base", f"0x{i:x}") for i in range(460)])
    assert len(found) == 450 and found[("base", "0x1c1")]["address"] == "0x1c1"


def test_due_outcomes_of_one_chain_are_not_starved_by_another_and_stale_ones_are_left(opener: Opener) -> None:
    store = opener(200)
    store.save_outcomes([outcome(f"0x{i}", T0, T0 + timedelta(hours=1)) for i in range(20)])
    store.save_outcomes([outcome("Mint1", T0, T0 + timedelta(hours=2), chain="solana")])
    store.save_outcomes([outcome("Old", T0 - timedelta(days=3), T0, chain="solana")])
    now = T0 + timedelta(hours=3)
    assert [d["address"] for d in store.due_outcomes(now, 5, "solana", now - timedelta(hours=36))] == ["Mint1"]
    assert len(store.due_outcomes(now, 50)) == 22


def test_a_running_scan_is_replaced_when_it_ends_and_counted_once(opener: Opener) -> None:
    store = opener(200)
    store.record_scan({"scan_id": "s1", "status": "running", "finished_at": T0.isoformat()})
    assert store.scan_count() == 0 and store.scans(5)[0]["status"] == "running"
    store.record_scan({"scan_id": "s1", "status": "completed", "finished_at": (T0 + timedelta(seconds=9)).isoformat()})
    assert store.scan_count() == 1 and [s["status"] for s in store.scans(5)] == ["completed"]


def watcher(watcher_id: str, owner: str, name: str = "dogs on base") -> dict:
    return {"id": watcher_id, "owner": owner, "name": name, "rules": {"chains": ["base"], "pattern": "dog"},
            "webhook_url": None, "telegram_chat_id": None}  # fmt: skip


def test_watchers_are_kept_per_owner_in_the_order_made_and_survive_a_restart(opener: Opener) -> None:
    store = opener(200)
    for watcher_id, owner in (("w1", "alice"), ("w2", "bob"), ("w3", "alice")):
        store.save_watcher(watcher(watcher_id, owner))
    store.save_watcher(watcher("w1", "alice", name="renamed"))  # replaced in place, keeping its place
    reopened = opener(200)
    assert [w["id"] for w in reopened.watchers("alice")] == ["w1", "w3"]
    assert (
        reopened.watchers("alice")[0]["name"] == "renamed"
        and reopened.watchers("alice")[0]["rules"]["pattern"] == "dog"
    )
    assert [w["id"] for w in reopened.watchers()] == ["w1", "w2", "w3"] and reopened.watchers("carol") == []


def test_a_watcher_keeps_its_newest_hundred_signals_and_loses_them_with_it(opener: Opener) -> None:
    store = opener(200)
    store.save_watcher(watcher("w1", "alice"))
    store.save_watcher(watcher("w2", "alice"))
    store.add_signals([{"watcher_id": "w1", "seq": n, "matched": ["on base"]} for n in range(1, 131)])
    store.add_signals([{"watcher_id": "w2", "seq": 7, "matched": []}])
    kept = opener(200).signals("w1")
    assert [s["seq"] for s in kept] == list(range(130, 30, -1))  # newest first, the hundred newest
    assert [s["seq"] for s in store.signals("w1", limit=3)] == [130, 129, 128]
    assert store.delete_watcher("w1") and not store.delete_watcher("w1")
    assert store.signals("w1") == [] and [s["seq"] for s in store.signals("w2")] == [7]
    assert [w["id"] for w in store.watchers()] == ["w2"]


def test_every_change_of_a_watcher_changes_the_version_every_process_reads(opener: Opener) -> None:
    store = opener(200)
    versions = [store.watchers_version()]
    store.save_watcher(watcher("w1", "alice"))
    versions.append(opener(200).watchers_version())  # what another process reads
    store.save_watcher({**watcher("w1", "alice"), "name": "renamed"})
    versions.append(store.watchers_version())
    store.add_signals([{"watcher_id": "w1", "seq": 1, "matched": []}])  # a signal is not a change of a watcher
    versions.append(store.watchers_version())
    store.delete_watcher("w1")
    versions.append(opener(200).watchers_version())
    assert versions[0] < versions[1] < versions[2] == versions[3] < versions[4]
