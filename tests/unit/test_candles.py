"""The candle cache: never-read pools first, then the stalest; the refresh stops when the budget must be kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from token_discovery.models import Batch, Candle
from token_discovery.scan.candles import CandleCache, Pool, Series, candle_minutes, refresh_candles
from token_discovery.sources.base import BudgetRefused

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def pool(name: str, hours_old: float = 5.0) -> Pool:
    return Pool("base", name, NOW - timedelta(hours=hours_old), "0x" + "ab" * 20)


class FakeCandles:
    """Answers every pool with one candle; refuses once `budget` calls were made."""

    def __init__(self, budget: int = 100) -> None:
        self.asked: list[tuple[str, int]] = []
        self.budget = budget

    def ohlcv(self, chain, pool_address, timeframe="hour", limit=100, aggregate=1, token=None):
        assert token == "0x" + "ab" * 20  # the token's price, whichever side of the pool it is on
        if len(self.asked) >= self.budget:
            raise BudgetRefused("geckoterminal.ohlcv", 10.0)
        self.asked.append((pool_address, aggregate))
        return Batch((Candle(0, 1.0, 1.0, 1.0, 1.0, 1.0),))


def test_never_read_pools_come_first_then_the_stalest_and_fresh_ones_not_at_all() -> None:
    cache = CandleCache(refresh_after=timedelta(minutes=5))
    cache.put(pool("stale"), Series((), NOW - timedelta(minutes=30)))
    cache.put(pool("staler"), Series((), NOW - timedelta(minutes=50)))
    cache.put(pool("fresh"), Series((), NOW - timedelta(minutes=1)))
    due = cache.due([pool("stale"), pool("fresh"), pool("new"), pool("staler")], NOW)
    assert [p.address for p in due] == ["new", "staler", "stale"]


def test_a_refresh_reads_at_most_its_limit_and_every_token_gets_what_the_cache_holds() -> None:
    cache, source = CandleCache(), FakeCandles()
    pools = {("base", f"0x{i}"): pool(f"p{i}") for i in range(5)}
    first, calls, errors = refresh_candles(pools, source, cache, 3, NOW)
    assert (len(first), calls, errors) == (3, 3, [])
    second, calls, _ = refresh_candles(pools, source, cache, 3, NOW + timedelta(minutes=1))
    assert len(second) == 5 and calls == 2  # the two never read; the three fresh ones come from the cache


def test_the_refresh_pauses_when_the_budget_has_nothing_to_spare_or_refuses() -> None:
    pools = {("base", f"0x{i}"): pool(f"p{i}") for i in range(5)}
    spare = iter([True, True, False])
    found, calls, _ = refresh_candles(pools, FakeCandles(), CandleCache(), 5, NOW, lambda: next(spare))
    assert (len(found), calls) == (2, 2)
    found, calls, errors = refresh_candles(pools, FakeCandles(budget=1), CandleCache(), 5, NOW)
    assert (len(found), calls, errors) == (1, 1, [])  # a refused call was never sent: not a call, not an error


def test_young_pools_get_one_minute_candles_so_macd_has_enough_of_them() -> None:
    assert candle_minutes(pool("young", hours_old=2.5), NOW) == 1
    assert candle_minutes(pool("old", hours_old=30), NOW) == 5
