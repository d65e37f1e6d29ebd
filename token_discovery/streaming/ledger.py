"""How many tokens each creator launched on the stream in the last day: the serial-launcher evidence. In this
process, or in Redis so a process that takes the stream over remembers what the last one saw."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

import redis

log = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600.0
CREATORS_KEPT = 50_000  # in memory: past this (or a day after their last launch), creators are forgotten
LAUNCHES_KEPT = 100  # a creator's launches remembered (past this, "100 or more")
KEY = "stream:creator:{}"


class CreatorLedger(Protocol):
    """Launches per creator over a sliding day."""

    def launched(self, creator: str, signature: str) -> int | None:
        """Record one launch (a repeated signature counts once); this creator's launches in the window, this one
        included, or None when it cannot be known."""
        ...


class MemoryLedger:
    """The launches this process saw, bounded in creators and in launches each."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._seen: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def launched(self, creator: str, signature: str) -> int:
        """Record and count."""
        now = self._clock()
        with self._lock:
            launches = self._seen.pop(creator, None) or deque(maxlen=LAUNCHES_KEPT)
            while launches and launches[0][0] < now - WINDOW_SECONDS:
                launches.popleft()
            if all(seen != signature for _, seen in launches):
                launches.append((now, signature))
            self._seen[creator] = launches  # the creators seen longest ago come first
            while self._seen and (len(self._seen) > CREATORS_KEPT or self._stale(next(iter(self._seen.values())), now)):
                self._seen.popitem(last=False)
            return len(launches)

    @staticmethod
    def _stale(launches: deque[tuple[float, str]], now: float) -> bool:
        """Whether a creator's latest launch is out of the window: nothing of it counts any more."""
        return not launches or launches[-1][0] < now - WINDOW_SECONDS


class RedisLedger:
    """The launches the deployment saw: a sorted set a creator (signatures by time), expiring after a day."""

    def __init__(self, client: redis.Redis, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self._redis, self._prefix, self._clock = client, prefix, clock

    def launched(self, creator: str, signature: str) -> int | None:
        """Record and count in one round trip; None when Redis does not answer."""
        key, now = self._prefix + KEY.format(creator), self._clock()
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.zadd(key, {signature: now})
            pipe.zremrangebyscore(key, 0, now - WINDOW_SECONDS)
            pipe.zremrangebyrank(key, 0, -LAUNCHES_KEPT - 1)
            pipe.zcard(key)
            pipe.expire(key, int(WINDOW_SECONDS))
            count = pipe.execute()[3]
        except redis.RedisError as error:
            log.warning("creator launches not counted: %s", error.__class__.__name__)
            return None
        return int(count)


def creator_ledger(url: str, prefix: str) -> CreatorLedger:
    """Shared through Redis when there is one, else this process's."""
    if not url:
        return MemoryLedger()
    return RedisLedger(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2), prefix)
