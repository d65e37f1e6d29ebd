"""The Redis scan lease against a real Redis server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import redis

from token_discovery.coordination.lease import LEASE_KEY, RedisLease

pytestmark = pytest.mark.integration


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/10")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_one_holder_at_a_time(client: redis.Redis) -> None:
    first, second = RedisLease(client), RedisLease(client)
    assert first.try_acquire("scan-a", {"max_tokens": 5, "chain": None}, ttl=30) is None
    assert second.try_acquire("scan-b", {"max_tokens": 5, "chain": None}, ttl=30) == "scan-a"
    first.release("scan-a", {"success": True, "scan_id": "scan-a", "max_tokens": 5, "chain": None})
    assert second.try_acquire("scan-b", {}, ttl=30) is None


def test_a_lease_expires_with_the_scan_deadline(client: redis.Redis) -> None:
    lease = RedisLease(client)
    lease.try_acquire("scan-a", {}, ttl=0.05)
    assert client.pttl(LEASE_KEY) <= 50


def test_releasing_never_frees_a_lease_taken_over_by_another_scan(client: redis.Redis) -> None:
    lease = RedisLease(client)
    lease.try_acquire("scan-new", {}, ttl=30)
    lease.release("scan-old", {"success": False, "scan_id": "scan-old"})
    assert lease.try_acquire("scan-x", {}, ttl=30) == "scan-new"


def test_followers_get_the_holders_result(client: redis.Redis) -> None:
    holder, follower = RedisLease(client), RedisLease(client)
    holder.try_acquire("scan-a", {}, ttl=30)
    results: list[dict | None] = []
    waiting = threading.Thread(target=lambda: results.append(follower.wait_for("scan-a", timeout=10)))
    waiting.start()
    summary = {"success": True, "scan_id": "scan-a", "tokens_found": 7, "max_tokens": 20, "chain": None}
    holder.release("scan-a", summary)
    waiting.join(10)
    assert results == [summary]
    assert follower.last()["params"] == {"max_tokens": 20, "chain": None}


def test_a_follower_gives_up_when_the_holder_vanishes(client: redis.Redis) -> None:
    RedisLease(client).try_acquire("scan-dead", {}, ttl=0.2)
    assert RedisLease(client).wait_for("scan-dead", timeout=5) is None


def test_a_dead_redis_never_breaks_a_trigger(simulator) -> None:
    from tests.service_support import sim_services
    from token_discovery.coordination.lease import redis_lease

    services, _ = sim_services(simulator, lease=redis_lease("redis://127.0.0.1:1/0"))  # as built from REDIS_URL
    try:
        result = services.service.trigger_scan(max_tokens=3).to_json()
        assert result["success"] and result["tokens_stored"] == 3
    finally:
        services.close()
