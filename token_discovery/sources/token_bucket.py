"""A token bucket over a sliding window, in this process: what the budget spends from when there is no Redis."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

RETURN_MARGIN = 0.02


class TokenBucket:
    """`capacity` tokens; a spent token comes back one `window` later, so no window ever holds more calls.

    After a cooldown (an upstream "too many"), one probe may go out; the rest wait until it succeeds.
    """

    def __init__(self, capacity: int, window: float, clock: Callable[[], float]) -> None:
        self.capacity, self.rate, self._clock = float(capacity), capacity / window, clock
        # Tokens come back a little after the window, so jitter in delivery never lands a call in the
        # upstream's previous window.
        self.window = window + min(1.0, window * RETURN_MARGIN)
        self._spent: deque[list[float]] = deque()  # [when, cost], oldest first
        self._cooldown_until, self._probe = 0.0, "none"  # probe: none, due, out
        self._lock = threading.Lock()

    def _balance(self, now: float) -> float:
        """Tokens available now (call under the lock)."""
        while self._spent and self._spent[0][0] <= now - self.window:
            self._spent.popleft()
        return self.capacity - sum(cost for _, cost in self._spent)

    def _wait(self, now: float, cost: float) -> float:
        """Seconds until `cost` tokens are back (call under the lock)."""
        missing, wait = cost - self._balance(now), 0.0
        for when, spent in self._spent:
            if missing <= 0:
                break
            missing, wait = missing - spent, when + self.window - now
        return max(wait, 1.0 / self.rate) if missing > 0 else max(0.0, wait)

    def try_take(self, cost: float, floor: float = 0.0) -> float:
        """Take `cost` tokens, leaving at least `floor`: 0.0 when taken, else the seconds until they would be."""
        with self._lock:
            now = self._clock()
            if now < self._cooldown_until:
                return self._cooldown_until - now
            if self._probe == "out":
                return 1.0  # waiting for the probe's answer
            if self._balance(now) - floor < cost:
                return self._wait(now, cost + floor)
            self._spent.append([now, cost])
            if self._probe == "due":
                self._probe = "out"
            return 0.0

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` tokens are back."""
        with self._lock:
            return self._wait(self._clock(), cost)

    def succeeded(self) -> None:
        """A call was answered normally: a pending probe is over, traffic resumes."""
        with self._lock:
            if self._probe == "out":
                self._probe = "none"

    def cool_down(self, seconds: float) -> None:
        """Nothing is taken for `seconds`; then one probe."""
        with self._lock:
            now = self._clock()
            self._cooldown_until = max(self._cooldown_until, now + seconds)
            self._probe = "due"

    def sync(self, remaining: float) -> None:
        """Trust the upstream's own count when it gives one (it can lower our balance, never raise it)."""
        with self._lock:
            now = self._clock()
            excess = self._balance(now) - max(0.0, remaining)
            if excess > 0:
                self._spent.append([now, excess])

    def state(self) -> dict[str, Any]:
        """Balance, capacity and the cooldown left."""
        with self._lock:
            now = self._clock()
            cooling = max(0.0, self._cooldown_until - now)
            balance = 0.0 if cooling else self._balance(now)
            return {"balance": round(balance, 2), "capacity": self.capacity, "cooldown_seconds": round(cooling, 2)}

    def memory(self) -> dict[str, Any]:
        """What the bucket spent within its window (ages in seconds) and the cooldown left: for the journal."""
        with self._lock:
            now = self._clock()
            self._balance(now)
            spent = [[round(now - when, 3), cost] for when, cost in self._spent]
            return {"spent": spent, "cooldown_seconds": max(0.0, self._cooldown_until - now)}

    def recall(self, spent: list[list[float]], cooldown_seconds: float) -> None:
        """Take back what a previous process spent (ages in seconds) and the cooldown it left running."""
        with self._lock:
            now = self._clock()
            self._spent = deque(sorted(([now - age, cost] for age, cost in spent if age < self.window),
                                       key=lambda item: item[0]))  # fmt: skip
            if cooldown_seconds > 0:
                self._cooldown_until, self._probe = now + cooldown_seconds, "due"
