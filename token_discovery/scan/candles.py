"""Candle series per pool, kept between scans and refreshed round-robin inside GeckoTerminal's budget."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from token_discovery.models import Candle
from token_discovery.sources.base import BudgetRefused, CandleSource, SourceError

log = logging.getLogger(__name__)

Key = tuple[str, str]
CANDLES_PER_POOL = 100
FINE_UNTIL = timedelta(hours=3)  # under 3 h of history, 1-minute candles: MACD 12/26/9 needs 34 of them
FINE_MINUTES, COARSE_MINUTES = 1, 5
REFRESH_AFTER = timedelta(minutes=5)
CACHE_CAPACITY = 1000


@dataclass(frozen=True)
class Pool:
    """The pool a token's candles are read from, the token priced, and when the pool opened."""

    chain: str
    address: str
    created_at: datetime
    token: str

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of a series: one token's price in one pool."""
        return (self.chain, self.address, self.token)


@dataclass(frozen=True)
class Series:
    """Candles of one pool, oldest first, and when they were read."""

    candles: tuple[Candle, ...]
    fetched_at: datetime


def candle_minutes(pool: Pool, now: datetime) -> int:
    """The candle size for a pool: fine while it is young enough that coarse candles cannot feed MACD."""
    return FINE_MINUTES if now - pool.created_at < FINE_UNTIL else COARSE_MINUTES


class CandleCache:
    """The latest series of each pool, least recently used evicted past the capacity."""

    def __init__(self, capacity: int = CACHE_CAPACITY, refresh_after: timedelta = REFRESH_AFTER) -> None:
        self._series: OrderedDict[tuple[str, str, str], Series] = OrderedDict()
        self._capacity, self._refresh = capacity, refresh_after
        self._lock = threading.Lock()

    def get(self, pool: Pool) -> Series | None:
        """The cached series of a pool."""
        with self._lock:
            return self._series.get(pool.key)

    def put(self, pool: Pool, series: Series) -> None:
        """Keep a fresh series."""
        with self._lock:
            self._series[pool.key] = series
            self._series.move_to_end(pool.key)
            while len(self._series) > self._capacity:
                self._series.popitem(last=False)

    def due(self, pools: Sequence[Pool], now: datetime) -> list[Pool]:
        """Pools to read, round-robin: never read first, then the stalest; fresh ones are not due."""
        with self._lock:
            ages = {p: self._series.get(p.key) for p in dict.fromkeys(pools)}
        read_at = {p: (s.fetched_at if s is not None else None) for p, s in ages.items()}
        stale = [p for p, at in read_at.items() if at is None or now - at >= self._refresh]
        return sorted(stale, key=lambda p: (read_at[p] is not None, read_at[p] or now))


def always_spare() -> bool:
    """No budget to keep back (tests and the headless scanner without a shared budget)."""
    return True


def refresh_candles(
    pools: Mapping[Key, Pool],
    source: CandleSource,
    cache: CandleCache,
    limit: int,
    now: datetime,
    spare: Callable[[], bool] = always_spare,
) -> tuple[dict[Key, tuple[Candle, ...]], int, list[SourceError]]:
    """Read up to `limit` due pools while the budget has calls to spare; every token's cached candles, calls, errors.

    `spare` says whether an optional call may go without eating the reserve kept for discovery.
    """
    calls, errors = 0, []
    for pool in cache.due(list(pools.values()), now)[:limit]:
        if not spare():
            log.info("candle refresh paused: GeckoTerminal's budget is kept for discovery")
            break
        try:
            minutes = candle_minutes(pool, now)
            batch = source.ohlcv(pool.chain, pool.address, "minute", CANDLES_PER_POOL, minutes, pool.token)
        except BudgetRefused:  # never sent: not a call, not an error
            log.info("candle refresh stopped: GeckoTerminal budget spent for now")
            break
        except SourceError as error:
            calls += 1
            errors.append(error)
            log.warning("candles of %s failed: %s", pool.address, error)
            continue
        except ValueError as error:  # a pool address the client refuses: never sent
            log.warning("candles of %s not asked: %s", pool.address, error)
            continue
        calls += 1
        cache.put(pool, Series(batch.items, now))
    found = {key: series.candles for key, pool in pools.items() if (series := cache.get(pool)) is not None}
    return found, calls, errors
