"""The market's own pump.fun launches, for the demo: one every `every` seconds (a third from a few serial
creators), and now and then an earlier one graduating; plus migrations a test asks for."""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any

from token_discovery.simulator.generation import make_token
from token_discovery.simulator.pumpfun import (
    creation_message,
    graduate,
    launched,
    market_creator,
    migration_message,
)
from token_discovery.simulator.pumpportal import MIGRATIONS, NEW_TOKENS, PumpPortalHub
from token_discovery.simulator.token import INJECTED_BASE, solana_address
from token_discovery.simulator.universe import Universe

LAUNCH_BASE = 2 * INJECTED_BASE  # the market's launches are numbered apart from generated and injected tokens
MIGRATE_EVERY = 7  # one launch in this many makes an earlier one graduate


class InvalidMigration(ValueError):
    """A migration request that cannot be honoured."""


class MarketLaunches:
    """A daemon thread launching a token on the stream every `every` seconds until the simulator stops."""

    def __init__(self, universe: Universe, hub: PumpPortalHub, every: float, stopping: threading.Event) -> None:
        self._universe, self._hub, self._every, self._stopping = universe, hub, every, stopping
        self.count = 0
        threading.Thread(target=self._run, name="pump-launches", daemon=True).start()

    def _run(self) -> None:
        """Launch until stopped."""
        while not self._stopping.wait(self._every):
            self.launch()

    def launch(self) -> None:
        """One launch, and sometimes a graduation."""
        seed, index = self._universe.seed, LAUNCH_BASE + self.count
        rng = random.Random(f"launch:{seed}:{index}")
        base = make_token(seed, index, self._universe.now())
        token = dataclasses.replace(base, chain="solana", address=solana_address(rng, pump=True),
                                    pair_address=solana_address(rng), created_at=self._universe.now())  # fmt: skip
        buy = round(rng.choice((0.0, 0.0, 0.5, 1.0, 2.0, 5.0, 20.0)) * rng.uniform(0.8, 1.2), 3)
        token = launched(token, buy)
        self._universe.register(token)
        self._hub.publish(NEW_TOKENS, creation_message(token, market_creator(seed, index), buy, rng))
        self.count += 1
        earlier = self._universe.launches()
        if self.count % MIGRATE_EVERY == 0 and len(earlier) > 1:
            chosen = rng.choice(earlier[:-1])
            graduate(chosen)
            self._hub.publish(MIGRATIONS, migration_message(chosen, rng))


def migrate(universe: Universe, hub: PumpPortalHub, body: Any) -> list[dict[str, Any]]:
    """POST /_sim/migrations `[{"address"}]`: each launched token named graduates; how many connections heard."""
    if (
        not isinstance(body, list)
        or not 1 <= len(body) <= 100
        or not all(isinstance(item, dict) and isinstance(item.get("address"), str) for item in body)
    ):
        raise InvalidMigration("body must be a JSON array of 1 to 100 objects with an address")
    known = {token.address: token for token in universe.launches()}
    tokens = [known.get(item.get("address")) for item in body]
    if any(token is None for token in tokens):
        raise InvalidMigration("every address must be a token launched on the stream")
    answers = []
    for token in tokens:
        assert token is not None
        graduate(token)
        message = migration_message(token, random.Random(f"migration:{token.address}"))
        answers.append({"address": token.address, "delivered": hub.publish(MIGRATIONS, message)})
    return answers
