"""The simulated market: a seeded, deterministic stream of tokens that appear as time passes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from token_discovery.simulator.generation import make_token
from token_discovery.simulator.token import INJECTED_BASE, SimToken

INITIAL_TOKENS = 150
INITIAL_SPAN = 72 * 3600.0


class Universe:
    """Every token that has appeared by now: a seeded past plus one new token per spawn period."""

    def __init__(
        self,
        seed: int,
        clock: Callable[[], float],
        spawn_seconds: float = 15.0,
    ) -> None:
        self.seed = seed
        self._clock = clock
        self._spawn = spawn_seconds
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: the initial tokens, nothing injected, time restarts now."""
        with self._lock:
            self.started_at = self._clock()
            self._tokens: list[SimToken] = []
            self._injected: list[SimToken] = []
            self._launched: list[SimToken] = []
            self._by_address: dict[tuple[str, str], SimToken] = {}

    def now(self) -> float:
        """The current simulated wall-clock time, in unix seconds."""
        return self._clock()

    def _listed_at(self, index: int) -> float:
        """When token number `index` gets listed (its profile or first pool is published)."""
        if index < INITIAL_TOKENS:
            return self.started_at - INITIAL_SPAN * (INITIAL_TOKENS - index) / INITIAL_TOKENS
        return self.started_at + (index - INITIAL_TOKENS + 1) * self._spawn

    def _visible_count(self) -> int:
        """How many generated tokens are listed by now."""
        elapsed = self._clock() - self.started_at
        return INITIAL_TOKENS + max(0, int(elapsed // self._spawn))

    def _grow(self) -> None:
        """Generate the tokens that have appeared since the last look (call under the lock)."""
        for index in range(len(self._tokens), self._visible_count()):
            token = make_token(self.seed, index, self._listed_at(index))
            self._tokens.append(token)
            self._by_address[(token.chain, token.address)] = token

    def tokens(self) -> list[SimToken]:
        """Every visible token, injected ones first, then newest listing first."""
        with self._lock:
            self._grow()
            generated = sorted(self._tokens, key=lambda t: t.listed_at, reverse=True)
            return [*reversed(self._injected), *generated]

    def find(self, chain: str, address: str) -> SimToken | None:
        """The visible token with this address (EVM addresses compare case-insensitively)."""
        key = (chain, address.lower() if chain != "solana" else address)
        with self._lock:
            self._grow()
            return self._by_address.get(key)

    def find_pool(self, pool_address: str) -> SimToken | None:
        """The visible token one of whose pools has this address."""
        wanted = pool_address.lower()
        return next(
            (t for t in self.tokens() if wanted in {t.pair_address.lower(), (t.second_pair or "").lower()}),
            None,
        )

    def inject(self, token: SimToken) -> None:
        """Put a token at the head of every discovery feed."""
        with self._lock:
            self._injected.append(token)
            self._by_address[(token.chain, token.address)] = token

    def register(self, token: SimToken) -> None:
        """Make a token known by its address (market data, security) without putting it on the polled feeds:
        a pump.fun launch is heard of on the stream."""
        with self._lock:
            self._launched.append(token)
            self._by_address[(token.chain, token.address)] = token

    def launches(self) -> list[SimToken]:
        """The tokens launched on the stream so far, oldest first."""
        with self._lock:
            return list(self._launched)

    def next_injected_index(self) -> int:
        """A fresh index for an injected token, outside the generated range."""
        with self._lock:
            return INJECTED_BASE + len(self._injected) + len(self._launched)
