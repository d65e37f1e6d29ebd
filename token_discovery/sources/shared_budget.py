"""The budget's buckets in Redis, so every process of a cluster spends from the same limits.

Same rules as TokenBucket: a spent token comes back one window later; a cooldown stops everything, then
one probe. Redis's own clock is the time source, so processes never disagree. When Redis cannot answer,
the balance cannot be known, and the call is refused: never optimistic.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

import redis

from token_discovery.sources.budget import BucketFactory
from token_discovery.sources.token_bucket import RETURN_MARGIN

log = logging.getLogger(__name__)

# KEYS: spends (sorted set), cooldown-until, probe state, the "known" marker. ARGV: window, capacity, cost,
# member prefix, this process's owner id, the probe's lifetime in seconds (its call's timeout: a dead prober
# never wedges), and whether this process saw the budget in Redis before (then a missing marker means loss).
_TAKE = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local window, capacity, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local need = cost + tonumber(ARGV[8] or '0')  -- what must be there: the cost, and the floor left untouched
if redis.call('EXISTS', KEYS[4]) == 0 then
  if ARGV[7] == '1' then
    -- this process saw this budget in Redis before: Redis lost it (a restart without persistence).
    -- Assume the worst until a window has passed: the whole window spent just now.
    for i = 1, capacity do redis.call('ZADD', KEYS[1], now, 'lost:' .. i) end
    redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  end
  redis.call('SET', KEYS[4], '1')
end
local cooldown = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < cooldown then return tostring(cooldown - now) end
local probe = redis.call('GET', KEYS[3])
if probe and string.sub(probe, 1, 4) == 'out:' then return '1' end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if capacity - used < need then
  local oldest = redis.call('ZRANGE', KEYS[1], need - 1 - (capacity - used), need - 1 - (capacity - used), 'WITHSCORES')
  local back = oldest[2] and (tonumber(oldest[2]) + window - now) or (window / capacity)
  return tostring(math.max(back, 0.001))
end
for i = 1, cost do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
if probe == 'due' then redis.call('SET', KEYS[3], 'out:' .. ARGV[5], 'EX', ARGV[6]) end
return '0'
"""
_COOL = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then redis.call('SET', KEYS[1], tostring(until_), 'EX', math.ceil(tonumber(ARGV[1])) + 60) end
redis.call('SET', KEYS[2], 'due', 'EX', 3600)
return 1
"""
_STATE = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local cooldown = tonumber(redis.call('GET', KEYS[2]) or '0')
local waiting = math.max(0, cooldown - now)
local probe = redis.call('GET', KEYS[3])
if waiting == 0 and probe and string.sub(probe, 1, 4) == 'out:' then waiting = 1 end
return {tostring(redis.call('ZCARD', KEYS[1])), tostring(waiting)}
"""
_SYNC = """
local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local excess = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
for i = 1, excess do redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. i) end
return excess
"""
# A normal answer ends the probe that is out; it never erases a probe still due after a cooldown.
_CLEAR_PROBE = """
if redis.call('GET', KEYS[1]) == 'out:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
PROBE_SECONDS = 30  # default lifetime of a probe's flag: the longest one upstream call may take
REFUSE_SECONDS = 1.0


class RedisTokenBucket:
    """A TokenBucket whose state lives in Redis under `<prefix>budget:<name>`.

    The probe sent after a cooldown is flagged with this process's id and expires after `probe_seconds` (the
    call's own timeout): its owner clears it when the answer comes; if the owner dies, the flag expires.
    """

    def __init__(
        self, client: Any, name: str, capacity: int, window: float, prefix: str = "td:",
        probe_seconds: float = PROBE_SECONDS,
    ) -> None:  # fmt: skip
        self.capacity, self.rate = float(capacity), capacity / window
        self.window = window + min(1.0, window * RETURN_MARGIN)
        self._redis, self._owner, self._probe_seconds = client, uuid.uuid4().hex[:12], max(1, math.ceil(probe_seconds))
        self._keys = [f"{prefix}budget:{name}:{part}" for part in ("spent", "cooldown", "probe", "known")]
        self._known = False  # whether this process has seen the budget's state in Redis
        self._take, self._cool = client.register_script(_TAKE), client.register_script(_COOL)
        self._state, self._sync = client.register_script(_STATE), client.register_script(_SYNC)
        self._clear = client.register_script(_CLEAR_PROBE)

    def try_take(self, cost: float, floor: float = 0.0) -> float:
        """Take `cost` tokens leaving at least `floor`: 0.0 when taken, else seconds to wait; refused without Redis."""
        try:
            member = uuid.uuid4().hex
            args = [self.window, self.capacity, int(cost), member, self._owner, self._probe_seconds, int(self._known),
                    math.ceil(floor)]  # fmt: skip
            wait = float(self._take(keys=self._keys, args=args))
            self._known = True
            return wait
        except redis.RedisError as error:  # the balance cannot be known: refuse rather than guess
            log.error("shared budget unreachable, refusing the call: %s", error)
            return REFUSE_SECONDS

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` tokens would be there (an estimate: the shared log is not read)."""
        return cost / self.rate

    def succeeded(self) -> None:
        """A call was answered normally: a pending probe is over."""
        try:
            self._clear(keys=self._keys[2:], args=[self._owner])
        except redis.RedisError as error:
            log.error("shared budget unreachable: %s", error)

    def cool_down(self, seconds: float) -> None:
        """Nothing is taken, by any process, for `seconds`; then one probe."""
        try:
            self._cool(keys=self._keys[1:], args=[seconds])
        except redis.RedisError as error:
            log.error("shared budget unreachable, cooldown not shared: %s", error)

    def sync(self, remaining: float) -> None:
        """Lower the shared balance to the upstream's own count."""
        try:
            self._sync(keys=self._keys[:1], args=[self.window, self.capacity, max(0.0, remaining), uuid.uuid4().hex])
        except redis.RedisError as error:
            log.error("shared budget unreachable: %s", error)

    def state(self) -> dict[str, Any]:
        """Balance, capacity and cooldown left; balance 0 and the error when Redis cannot say."""
        try:
            used, cooling = self._state(keys=self._keys, args=[self.window])
        except redis.RedisError as error:
            return {"balance": 0.0, "capacity": self.capacity, "cooldown_seconds": 0.0, "error": str(error)[:120]}
        cooldown = round(float(cooling), 2)
        balance = 0.0 if cooldown else max(0.0, self.capacity - float(used))
        return {"balance": balance, "capacity": self.capacity, "cooldown_seconds": cooldown}


def redis_bucket_factory(url: str, prefix: str = "td:", probe_seconds: float = PROBE_SECONDS) -> BucketFactory:
    """A bucket factory for Budget, over one Redis connection pool, under a deployment's key prefix."""
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    return lambda name, capacity, window: RedisTokenBucket(client, name, capacity, window, prefix, probe_seconds)
