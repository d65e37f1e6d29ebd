"""The stream's lease and the creators' ledger on a real Redis: one holder at a time, a lapsed lease taken over,
launches counted across processes over a sliding day."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from token_discovery.streaming.lease import LEASE_KEY, RedisStreamLease
from token_discovery.streaming.ledger import WINDOW_SECONDS, MemoryLedger, RedisLedger

pytestmark = pytest.mark.integration
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    name = f"td:test-{secrets.token_hex(4)}:"
    yield name
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


def test_one_process_holds_the_stream_and_another_takes_over_once_it_is_given_back(client, prefix) -> None:
    first, second = RedisStreamLease(client, prefix), RedisStreamLease(client, prefix)
    assert first.hold() and not second.hold()
    assert first.hold() and not second.hold()  # renewed, still the first's
    first.release()
    assert second.hold() and not first.hold()


def test_a_holder_that_stops_renewing_loses_the_stream_when_the_lease_lapses(client, prefix) -> None:
    first, second = RedisStreamLease(client, prefix, seconds=0.3), RedisStreamLease(client, prefix, seconds=0.3)
    assert first.hold() and not second.hold()
    deadline = time.monotonic() + 5
    while not second.hold():  # the lapse is Redis's own expiry: there is nothing to await but time
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not first.hold()  # its renewal finds the key another's: it lets go
    first.release()  # and giving back what is not its own deletes nothing
    assert client.get(f"{prefix}{LEASE_KEY}") is not None and second.hold()


def test_a_lease_that_cannot_reach_redis_is_not_held() -> None:
    dead = unreachable()
    assert not RedisStreamLease(dead, "td:nowhere:").hold()


def unreachable() -> redis.Redis:
    """A client of a Redis that is not there, that does not retry."""
    return redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_creators_launches_are_counted_over_a_sliding_day(client, prefix, kind: str) -> None:
    clock = Clock()
    ledger = MemoryLedger(clock) if kind == "memory" else RedisLedger(client, prefix, clock)
    assert ledger.launched("creatorA", "sig1") == 1
    assert ledger.launched("creatorA", "sig1") == 1  # the same launch heard twice counts once
    assert ledger.launched("creatorB", "sig2") == 1
    clock.now += 3600
    assert ledger.launched("creatorA", "sig3") == 2
    clock.now += WINDOW_SECONDS - 1800  # the first launch is now over a day old
    assert ledger.launched("creatorA", "sig4") == 2


def test_two_processes_share_the_redis_ledger(client, prefix) -> None:
    clock = Clock()
    here, there = RedisLedger(client, prefix, clock), RedisLedger(client, prefix, clock)
    assert (
        here.launched("serial", "a") == 1 and there.launched("serial", "b") == 2 and here.launched("serial", "c") == 3
    )
    assert client.ttl(f"{prefix}stream:creator:serial") > 0  # it expires on its own


def test_a_ledger_that_cannot_reach_redis_says_it_does_not_know() -> None:
    dead = unreachable()
    assert RedisLedger(dead, "td:nowhere:").launched("someone", "sig") is None


def test_the_memory_ledger_forgets_creators_a_day_after_their_last_launch() -> None:
    clock = Clock()
    ledger = MemoryLedger(clock)
    for n in range(100):
        ledger.launched(f"creator{n}", f"sig{n}")
    clock.now += WINDOW_SECONDS + 1
    assert ledger.launched("newcomer", "fresh") == 1
    assert list(ledger._seen) == ["newcomer"]  # the hundred others went with their last launch's day
