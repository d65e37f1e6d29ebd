"""The budget never overspends, never retries hot, and never guesses a balance it cannot know."""

from __future__ import annotations

import threading

import pytest

from tests.service_support import ManualClock
from token_discovery.sources.base import BadPayload, BudgetRefused, RateLimited, SourceUnavailable
from token_discovery.sources.budget import DEFAULT_COOLDOWN, Budget, BudgetExhausted, clamp_cooldown
from token_discovery.sources.guard import BREAKER_RESET, BREAKER_THRESHOLD, CallGate, CircuitBreaker
from token_discovery.sources.token_bucket import TokenBucket


def test_twenty_threads_spending_ten_from_a_hundred_exactly_ten_succeed() -> None:
    clock = ManualClock()
    bucket = TokenBucket(100, 60.0, clock)
    results: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def spend() -> None:
        start.wait()
        outcome = bucket.try_take(10)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=spend) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for wait in results if wait == 0.0) == 10
    assert bucket.state()["balance"] == 0.0


def test_buckets_give_tokens_back_one_window_after_they_were_spent() -> None:
    clock = ManualClock()
    budget = Budget({"goplus": 30}, window=60.0, clock=clock)
    for _ in range(30):
        budget.reserve("goplus.token_security")
    with pytest.raises(BudgetExhausted) as short:
        budget.reserve("goplus.solana_token_security")  # same class, same bucket
    assert short.value.retry_after == pytest.approx(61.0)  # spent tokens come back one window (+ margin) later
    clock.now += 61.0
    budget.reserve("goplus.token_security")


def test_no_window_ever_holds_more_calls_than_the_limit() -> None:
    clock = ManualClock()
    bucket = TokenBucket(30, 60.0, clock)
    sent: list[float] = []
    for _ in range(2000):
        if bucket.try_take(1) == 0.0:
            sent.append(clock.now)
        clock.now += 0.37
    assert len(sent) > 200
    assert max(sum(1 for t in sent if start <= t < start + 60.0) for start in sent) == 30


def test_a_rate_limit_empties_the_class_until_retry_after_then_allows_one_probe() -> None:
    clock = ManualClock()
    budget = Budget(clock=clock)
    assert budget.rate_limited("dexscreener.tokens", 20) == 20
    with pytest.raises(BudgetExhausted):
        budget.reserve("dexscreener.tokens")
    clock.now += 19.9
    with pytest.raises(BudgetExhausted):
        budget.reserve("dexscreener.tokens")
    clock.now += 0.2
    budget.reserve("dexscreener.tokens")  # the probe
    with pytest.raises(BudgetExhausted):
        budget.reserve("dexscreener.tokens")  # nothing more until the probe is answered
    budget.succeeded("dexscreener.tokens")
    budget.reserve("dexscreener.tokens")


COOLDOWNS = [(None, DEFAULT_COOLDOWN), (float("nan"), DEFAULT_COOLDOWN), (-5, DEFAULT_COOLDOWN),
             (0, 1.0), (30, 30.0), (10**9, 900.0)]  # fmt: skip


@pytest.mark.parametrize(("given", "expected"), COOLDOWNS)
def test_retry_after_is_clamped_with_a_default(given: float | None, expected: float) -> None:
    assert clamp_cooldown(given) == expected


def test_the_upstream_count_can_lower_the_balance_never_raise_it() -> None:
    bucket = TokenBucket(30, 60.0, ManualClock())
    bucket.sync(4)
    assert bucket.state()["balance"] == 4
    assert bucket.try_take(1) == 0.0
    bucket.sync(25)
    assert bucket.state()["balance"] == 3


def test_a_quote_names_the_short_class_and_the_deficit() -> None:
    budget = Budget({"goplus": 2}, clock=ManualClock())
    quote = budget.quote({"goplus": 5, "dexscreener.market": 1})
    assert not quote.affordable and quote.route_class == "goplus"
    assert (quote.balance, quote.required, quote.deficit) == (2.0, 5, 3.0)
    assert budget.quote({"goplus": 2}).affordable


def test_discovery_is_refused_only_when_no_feed_can_be_paid() -> None:
    clock = ManualClock()
    budget = Budget({"goplus": 1}, clock=clock)
    budget.reserve("goplus.token_security")
    budget.rate_limited("geckoterminal.ohlcv", 120)  # candles rate-limited: GeckoTerminal cools down
    assert budget.discovery_quote().affordable  # GoPlus spent, GeckoTerminal cooling: DexScreener still discovers
    budget.rate_limited("dexscreener.token_profiles", 30)
    refused = budget.discovery_quote()
    assert not refused.affordable and refused.route_class == "dexscreener.discovery"  # the sooner one to come back
    assert refused.retry_after == pytest.approx(30, abs=1)


class FlakyCall:
    """A call that fails with the given errors, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def gate(clock: ManualClock | None = None, **limits: int) -> CallGate:
    clock = clock or ManualClock()
    return CallGate(Budget(limits, clock=clock), clock=clock, sleep=lambda seconds: None)


def test_transient_failures_get_at_most_two_retries_each_paid_for() -> None:
    guard = gate()
    flaky = FlakyCall(SourceUnavailable("r", "reset"), SourceUnavailable("r", "timeout"))
    assert guard.call("dexscreener.tokens", flaky) == "ok" and flaky.calls == 3
    always = FlakyCall(*[SourceUnavailable("r", "5xx")] * 5)
    with pytest.raises(SourceUnavailable):
        guard.call("dexscreener.tokens", always)
    assert always.calls == 3
    assert guard.ledger.snapshot()["calls"]["dexscreener.tokens"] == 6
    assert guard.budget.buckets["dexscreener.market"].state()["balance"] == 294


def test_a_rate_limit_is_never_retried_and_stops_the_route() -> None:
    guard = gate()
    limited = FlakyCall(RateLimited("goplus.token_security", None, "code 4029"))
    with pytest.raises(RateLimited):
        guard.call("goplus.token_security", limited)
    assert limited.calls == 1
    follow_up = FlakyCall()
    with pytest.raises(BudgetRefused):
        guard.call("goplus.solana_token_security", follow_up)
    assert follow_up.calls == 0  # nothing was sent during the cooldown


def test_bad_payloads_are_not_retried() -> None:
    guard = gate()
    garbage = FlakyCall(BadPayload("r", "html"))
    with pytest.raises(BadPayload):
        guard.call("geckoterminal.new_pools", garbage)
    assert garbage.calls == 1


def test_the_breaker_opens_after_repeated_failures_then_lets_one_probe_through() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(clock)
    for _ in range(BREAKER_THRESHOLD):
        assert breaker.allow()
        breaker.record(False)
    assert breaker.state() == "open" and not breaker.allow()
    clock.now += BREAKER_RESET
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.record(True)
    assert breaker.state() == "closed" and breaker.allow()


def test_an_open_breaker_refuses_without_calling_or_paying() -> None:
    clock = ManualClock()
    guard = gate(clock)
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            guard.call("geckoterminal.new_pools", FlakyCall(*[SourceUnavailable("r", "down")] * 3))
    blocked = FlakyCall()
    with pytest.raises(SourceUnavailable, match="circuit open"):
        guard.call("geckoterminal.ohlcv", blocked)
    assert blocked.calls == 0
    assert guard.health()["breakers"]["geckoterminal"] == "open"


def test_the_upstreams_own_remaining_count_lowers_the_budget() -> None:
    from tests.support import FAST_LIMITS, always, fake_session
    from token_discovery.sources import DexScreenerSource

    guard = gate()
    session, _ = fake_session(always(200, [], {"X-RateLimit-Remaining": "3"}))
    DexScreenerSource(session, "https://x.test", FAST_LIMITS, guard).latest_profiles()
    assert guard.budget.buckets["dexscreener.discovery"].state()["balance"] == 3


def test_every_route_has_a_cost_and_each_call_pays_it() -> None:
    from token_discovery.sources.budget import CALL_COSTS, ROUTE_CLASS

    assert set(CALL_COSTS) == set(ROUTE_CLASS)
    guard = gate()
    for route in ROUTE_CLASS:
        guard.call(route, FlakyCall())
    balances = {name: bucket.state()["balance"] for name, bucket in guard.budget.buckets.items()}
    assert balances == {"dexscreener.discovery": 58, "dexscreener.market": 299, "geckoterminal": 28, "goplus": 28}


def test_a_bad_payload_answering_the_probe_ends_it() -> None:
    clock = ManualClock()
    guard = gate(clock)
    with pytest.raises(RateLimited):
        guard.call("goplus.token_security", FlakyCall(RateLimited("goplus.token_security", 5, "4029")))
    clock.now += 6
    with pytest.raises(BadPayload):
        guard.call("goplus.token_security", FlakyCall(BadPayload("goplus.token_security", "html")))  # the probe
    assert guard.call("goplus.token_security", FlakyCall()) == "ok"  # traffic resumes


def test_a_restarted_process_remembers_the_window_and_the_cooldowns(tmp_path) -> None:
    from token_discovery.sources.budget_journal import BudgetJournal, journaled

    wall = [1_000_000.0]
    path = tmp_path / "budget.json"
    before = Budget({"goplus": 4}, clock=ManualClock())
    before.on_change = lambda: BudgetJournal(path, wall=lambda: wall[0]).save(before)
    for _ in range(4):
        before.reserve("goplus.token_security")
    before.rate_limited("geckoterminal.ohlcv", 120)
    wall[0] += 10  # the process is restarted ten seconds later
    after = Budget({"goplus": 4}, clock=ManualClock())
    BudgetJournal(path, wall=lambda: wall[0]).load(after)
    with pytest.raises(BudgetExhausted):  # the window the previous process filled is still full
        after.reserve("goplus.token_security")
    assert after.buckets["geckoterminal"].state()["cooldown_seconds"] == pytest.approx(110, abs=0.5)
    assert journaled(Budget({"goplus": 4}, clock=ManualClock()), tmp_path / "none.json").discovery_quote().affordable


def test_an_unreadable_journal_means_every_window_spent(tmp_path) -> None:
    from token_discovery.sources.budget_journal import BudgetJournal

    path = tmp_path / "budget.json"
    path.write_text("{not json")
    budget = Budget(clock=ManualClock())
    BudgetJournal(path).load(budget)
    assert not budget.discovery_quote().affordable and budget.buckets["goplus"].state()["balance"] == 0


def test_a_users_scan_leaves_the_kept_share_of_each_bucket_untouched() -> None:
    assert_kept_share(Budget({"geckoterminal": 10}, window=60.0, clock=ManualClock()))


def assert_kept_share(budget: Budget) -> None:
    """With half kept, a user's scan spends 5 of 10; an automatic one then spends the other 5."""
    for _ in range(5):
        budget.reserve("geckoterminal.new_pools", 1.0, keep=0.5)
    with pytest.raises(BudgetExhausted) as refused:
        budget.reserve("geckoterminal.new_pools", 1.0, keep=0.5)
    assert refused.value.kept  # there was enough for the call: it was kept for the automatic scans
    assert not budget.quote({"geckoterminal": 1}, keep=0.5).affordable
    assert budget.quote({"geckoterminal": 1}).affordable
    for _ in range(5):
        budget.reserve("geckoterminal.new_pools", 1.0)  # an automatic scan spends the rest
    with pytest.raises(BudgetExhausted) as empty:
        budget.reserve("geckoterminal.new_pools", 1.0)
    assert not empty.value.kept


def test_a_call_refused_for_the_kept_share_is_counted_apart() -> None:
    from token_discovery.sources.guard import keep_scope

    gate = CallGate(Budget({"goplus": 4}, window=60.0, clock=ManualClock()), clock=ManualClock())
    with keep_scope(0.5):
        assert [gate.call("goplus.token_security", lambda: "ok") for _ in range(2)] == ["ok", "ok"]
        with pytest.raises(BudgetRefused, match="kept for the automatic scans"):
            gate.call("goplus.token_security", lambda: "ok")
    assert gate.call("goplus.token_security", lambda: "ok") == "ok"  # outside: the whole bucket
    ledger = gate.ledger.snapshot()
    assert ledger["reserved"] == {"goplus.token_security": 1} and not ledger["refused"]
