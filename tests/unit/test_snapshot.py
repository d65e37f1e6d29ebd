"""The in-memory read model of the recent-tokens route: the store's answer, each record serialised once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.service_support import ManualClock
from token_discovery.records import record_json
from token_discovery.store.base import StoreUnavailable
from token_discovery.store.memory import MemoryStore
from token_discovery.store.snapshot import REFRESH_SECONDS, RecentSnapshot

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class CountingStore(MemoryStore):
    """A memory store that counts its reads of recent tokens and can be made to fail."""

    def __init__(self, capacity: int = 200) -> None:
        super().__init__(capacity)
        self.reads = 0
        self.down = False

    def recent(self, limit: int, chain: str | None = None, after_seq: int | None = None) -> Any:
        """The store's answer, counted."""
        self.reads += 1
        if self.down:
            raise StoreUnavailable("down")
        return super().recent(limit, chain, after_seq)


def add(store: MemoryStore, n: int, chain: str = "solana", score: int = 10, minutes: int = 0) -> dict[str, Any]:
    """Store token n; its record as announced."""
    outcome = store.upsert(chain, f"Addr{n:040d}", {"name": f"T{n}"}, score, "safe" if score < 30 else "risky", True,
                           T0 + timedelta(minutes=minutes))  # fmt: skip
    return record_json(outcome.record)


def body(snapshot: RecentSnapshot, limit: int = 50, chain: str | None = None, after: int | None = None) -> Any:
    """The answer, parsed."""
    return json.loads(snapshot.answer(limit, chain, after))


@pytest.fixture
def setup() -> tuple[CountingStore, RecentSnapshot, ManualClock]:
    store, clock = CountingStore(10), ManualClock()
    for n in range(12):
        add(store, n, chain="solana" if n % 2 else "bsc")
    return store, RecentSnapshot(store, 10, clock=clock), clock


@pytest.mark.parametrize(("limit", "chain", "after"), [(50, None, None), (3, None, None), (50, "bsc", None),
                                                      (50, None, 8), (2, "solana", 5), (50, "base", None)])  # fmt: skip
def test_it_answers_what_the_store_answers(setup: Any, limit: int, chain: str | None, after: int | None) -> None:
    store, snapshot, _ = setup
    expected = [record_json(r) for r in MemoryStore.recent(store, limit, chain, after)]
    assert body(snapshot, limit, chain, after) == {"success": True, "tokens": expected, "count": len(expected)}


def test_each_record_is_serialised_once_however_many_requests(setup: Any) -> None:
    store, snapshot, clock = setup
    for _ in range(100):
        body(snapshot)
        body(snapshot, 5, "bsc")
    assert snapshot.encodings == 10 and store.reads == 1
    clock.now += REFRESH_SECONDS  # the store is read again, but nothing changed: nothing is serialised again
    body(snapshot)
    assert snapshot.encodings == 10 and store.reads == 2


def test_an_announced_token_is_served_at_once_without_reading_the_store(setup: Any) -> None:
    store, snapshot, _ = setup
    body(snapshot)
    announced = add(store, 99, minutes=5)
    snapshot.put(announced)
    tokens = body(snapshot)["tokens"]
    assert tokens[0] == announced and len(tokens) == 10 and store.reads == 1  # the oldest left, as in the store
    assert [t["seq"] for t in tokens] == [r.seq for r in MemoryStore.recent(store, 50)]


def test_an_update_replaces_its_older_version_and_a_late_older_one_is_ignored(setup: Any) -> None:
    store, snapshot, _ = setup
    old = body(snapshot)["tokens"][0]
    newer = add(store, 11, score=80, minutes=9)
    snapshot.put({**newer, "changes": ["risk safe -> risky"]})
    snapshot.put(old)  # an announcement that arrives late
    served = body(snapshot)["tokens"][0]
    assert served == newer and "changes" not in served


def test_a_silent_store_write_is_served_after_the_refresh_period_and_only_it_is_serialised(setup: Any) -> None:
    store, snapshot, clock = setup
    body(snapshot)
    add(store, 10, chain="bsc", score=90, minutes=3)  # another process rescanned it and said nothing
    assert body(snapshot)["tokens"][1]["risk_score"] == 10
    clock.now += REFRESH_SECONDS
    assert body(snapshot)["tokens"][1]["risk_score"] == 90
    assert snapshot.encodings == 11


def test_a_store_that_stops_answering_leaves_the_last_snapshot_served(setup: Any) -> None:
    store, snapshot, clock = setup
    before = body(snapshot)
    store.down = True
    clock.now += REFRESH_SECONDS
    assert body(snapshot) == before


def test_a_store_that_never_answered_is_an_error_not_an_empty_list() -> None:
    store = CountingStore()
    store.down = True
    with pytest.raises(StoreUnavailable):
        RecentSnapshot(store, 10, clock=ManualClock()).answer(50)


def test_a_gzip_answer_is_the_same_json_compressed_once_per_change(setup: Any) -> None:
    import gzip
    from unittest import mock

    store, snapshot, _ = setup
    with mock.patch("token_discovery.store.snapshot.gzip.compress", wraps=gzip.compress) as compress:
        packed = [snapshot.answer(50, gzipped=True) for _ in range(20)]
        assert compress.call_count == 1
        snapshot.put(add(store, 50, minutes=7))
        fresh = snapshot.answer(50, gzipped=True)
        assert compress.call_count == 2
    assert json.loads(gzip.decompress(fresh)) == body(snapshot)
    assert json.loads(gzip.decompress(packed[0]))["tokens"][:9] == body(snapshot)["tokens"][1:]  # one newer came
    assert len(fresh) < len(snapshot.answer(50)) / 2


@pytest.mark.parametrize(("header", "expected"), [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8", True),
                                                  ("GZIP", True), ("gzip;q=0", False), ("gzip; q=0.000", False),
                                                  ("deflate", False), ("", False), ("x-gzip2", False),
                                                  ("gzip;q=0.5", True)])  # fmt: skip
def test_accept_encoding_is_read_as_the_rfc_says(header: str, expected: bool) -> None:
    from token_discovery.api.discovery import accepts_gzip

    assert accepts_gzip(header) is expected
