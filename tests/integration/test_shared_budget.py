"""The budget shared in Redis: processes spend from one limit, share cooldowns, and refuse when Redis is gone."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis

from tests.own_redis import OwnRedis
from token_discovery.sources.budget import Budget, BudgetExhausted
from token_discovery.sources.shared_budget import redis_bucket_factory

pytestmark = pytest.mark.integration
URL = "redis://127.0.0.1:6379/11"


@pytest.fixture(autouse=True)
def clean_redis() -> Iterator[None]:
    client = redis.Redis.from_url(URL)
    client.flushdb()
    yield
    client.flushdb()
    client.close()


def shared_budget(**limits: int) -> Budget:
    return Budget(limits, window=60.0, bucket_factory=redis_bucket_factory(URL))


def test_two_processes_spend_from_one_limit() -> None:
    first, second = shared_budget(goplus=10), shared_budget(goplus=10)
    wins: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def spend(budget: Budget) -> None:
        start.wait()
        try:
            budget.reserve("goplus.token_security")
            won = True
        except BudgetExhausted:
            won = False
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=spend, args=(first if i % 2 else second,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 10
    assert first.buckets["goplus"].state()["balance"] == 0 == second.buckets["goplus"].state()["balance"]


def test_a_cooldown_seen_by_one_process_stops_them_all_then_one_probe() -> None:
    first, second = shared_budget(), shared_budget()
    first.rate_limited("dexscreener.tokens", 1)
    with pytest.raises(BudgetExhausted):
        second.reserve("dexscreener.tokens")
    assert second.buckets["dexscreener.market"].state()["cooldown_seconds"] > 0
    threading.Event().wait(1.1)  # the shortest cooldown the budget allows is one real second
    second.reserve("dexscreener.tokens")  # the probe
    with pytest.raises(BudgetExhausted):
        first.reserve("dexscreener.tokens")  # the rest wait for the probe's answer
    second.succeeded("dexscreener.tokens")
    first.reserve("dexscreener.tokens")


def test_without_redis_the_balance_is_unknown_and_every_call_is_refused() -> None:
    budget = Budget(window=60.0, bucket_factory=redis_bucket_factory("redis://127.0.0.1:1/0"))
    with pytest.raises(BudgetExhausted):
        budget.reserve("geckoterminal.new_pools")
    assert not budget.discovery_quote().affordable
    assert "error" in budget.buckets["geckoterminal"].state()


def test_a_dead_probers_flag_expires_with_its_call_timeout_and_only_its_owner_clears_it() -> None:
    factory = redis_bucket_factory(URL, probe_seconds=1)
    prober, other = factory("goplus", 30, 60.0), factory("goplus", 30, 60.0)  # two processes
    prober.cool_down(0.001)  # a 429 ended; the next call is the one probe
    deadline = time.monotonic() + 5
    while prober.try_take(1) != 0.0:  # the cooldown is a millisecond of Redis's clock
        assert time.monotonic() < deadline
        time.sleep(0.01)  # polling Redis's expiry: there is no event to wait on
    assert other.try_take(1) > 0  # the probe is out: everyone waits for its answer
    other.succeeded()  # another process's answer does not end this probe
    assert other.try_take(1) > 0
    while other.try_take(1) != 0.0:  # the prober died without an answer: its flag expires within its timeout
        assert time.monotonic() < deadline, "the cluster stayed wedged past the probe's call timeout"
        time.sleep(0.05)
    assert time.monotonic() < deadline


def test_two_deployments_on_one_redis_spend_from_their_own_budgets() -> None:
    mine = Budget({"goplus": 2}, window=60.0, bucket_factory=redis_bucket_factory(URL, prefix="td:one:"))
    theirs = Budget({"goplus": 2}, window=60.0, bucket_factory=redis_bucket_factory(URL, prefix="td:two:"))
    for _ in range(2):
        mine.reserve("goplus.token_security")
    with pytest.raises(BudgetExhausted):
        mine.reserve("goplus.token_security")
    theirs.reserve("goplus.token_security")  # untouched by the other deployment's spending
    keys = {key.decode() for key in redis.Redis.from_url(URL).keys("*")}
    assert keys and all(key.startswith(("td:one:", "td:two:")) for key in keys)


def test_after_redis_forgets_the_budget_it_is_assumed_spent_for_a_window(tmp_path) -> None:
    own = OwnRedis(tmp_path).start()  # without persistence: a restart loses every key
    try:
        before = Budget({"goplus": 4}, window=60.0, bucket_factory=redis_bucket_factory(own.url))
        for _ in range(3):
            before.reserve("goplus.token_security")
        own.kill()
        own.start()
        with pytest.raises(BudgetExhausted):  # one call was left, but Redis cannot prove it any more
            before.reserve("goplus.token_security")
        newcomer = Budget({"goplus": 4}, window=60.0, bucket_factory=redis_bucket_factory(own.url))
        with pytest.raises(BudgetExhausted):  # a process started after the restart sees the same worst case
            newcomer.reserve("goplus.token_security")
    finally:
        own.kill()


def test_the_kept_share_holds_in_the_shared_budget_too() -> None:
    from tests.unit.test_budget import assert_kept_share

    assert_kept_share(shared_budget(geckoterminal=10))
