"""The pump.fun stream as a discovery source: creations (their creators counted) and migrations go through the
intake into the same pipeline as polled tokens, batched and paid from the same budget; its figures for the
console and /metrics."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from token_discovery.models import Candidate, Discovered
from token_discovery.scan.pipeline import STREAM_ORIGIN, Scanner
from token_discovery.scan.recheck import candidate_from_record
from token_discovery.scan.state import ScanState
from token_discovery.sources.budget import ROUTE_CLASS, Quote
from token_discovery.sources.chains import SOLANA
from token_discovery.sources.guard import keep_scope
from token_discovery.sources.pumpportal import ROUTE, Creation, Message, Migration, Notice
from token_discovery.store.base import StoreUnavailable, TokenStore
from token_discovery.streaming.intake import CreationIntake, FlushPolicy
from token_discovery.streaming.lease import StreamLease
from token_discovery.streaming.ledger import CreatorLedger
from token_discovery.streaming.stream import Connection, PumpStream, connect_websocket

log = logging.getLogger(__name__)

REMEMBERED = 5_000  # creations kept in memory, so a migration updates the token with its launch facts
STORE_LOOKUP = 500  # else the stored tokens looked through for it


@dataclasses.dataclass(frozen=True)
class StreamSettings:
    """Where the stream is and how its creations are batched."""

    url: str
    policy: FlushPolicy
    silence: float  # seconds without a message before the connection is made again
    keep: float  # the share of each budget bucket the stream's batches leave (to the automatic scans)
    market_batch: int
    security_batch: int


class StreamService:
    """One stream, its intake and its figures."""

    def __init__(
        self,
        settings: StreamSettings,
        lease: StreamLease,
        ledger: CreatorLedger,
        scanner: Scanner,
        store: TokenStore,
        quote: Callable[[Mapping[str, float], float], Quote],
        clock: Callable[[], datetime],
        connect: Callable[[str], Connection] = connect_websocket,
    ) -> None:
        self.settings, self._ledger, self._scanner, self._store = settings, ledger, scanner, store
        self._quote, self._clock = quote, clock
        self.intake = CreationIntake(settings.policy, self._ingest, self._budget_wait)
        self.stream = PumpStream(settings.url, lease, self.handle, settings.silence, connect)
        self._recent: OrderedDict[tuple[str, str], Candidate] = OrderedDict()
        self.stored = self.migrations_unknown = self.upstream_calls = 0

    def handle(self, message: Message) -> None:
        """A creation or a migration into the intake; a notice to the log."""
        if isinstance(message, Creation):
            self.intake.offer(Discovered(self._remember(self._launched(message)), (ROUTE,)))
        elif isinstance(message, Migration):
            migrated = self._migrated(message)
            if migrated is None:
                self.migrations_unknown += 1
            else:
                self.intake.offer(Discovered(self._remember(migrated), (ROUTE,)))
        elif isinstance(message, Notice):
            log.log(logging.WARNING if message.error else logging.INFO, "pump.fun stream says: %s", message.text)

    def stats(self) -> dict[str, Any]:
        """What the console and /metrics show."""
        counts, intake = self.stream.counts, self.intake.counts
        return {
            "state": self.stream.state, "last_message_at": self.stream.last_message_at,
            "messages": {kind: counts[kind] for kind in ("creation", "migration", "notice", "malformed")},
            "connections": counts["connections"], "reconnects": counts["reconnects"], "silences": counts["silences"],
            "waiting": self.intake.waiting(), "dropped": intake.dropped, "batches": intake.batches,
            "budget_waits": intake.budget_waits, "tokens_stored": self.stored,
            "migrations_unknown": self.migrations_unknown, "upstream_calls": self.upstream_calls,
        }  # fmt: skip

    def _launched(self, creation: Creation) -> Candidate:
        """The created token, dated now, with how many tokens its creator launched in the last day."""
        candidate, curve = creation.candidate, creation.candidate.curve
        launches = self._ledger.launched(curve.creator, creation.signature) if curve and curve.creator else None
        return dataclasses.replace(candidate, pool_created_at=self._clock(), creator_launches=launches)

    def _migrated(self, migration: Migration) -> Candidate | None:
        """The token that graduated, as last known, now migrated; None when it was never seen here."""
        key = (SOLANA, migration.address)
        known = self._recent.get(key) or self._stored(key)
        if known is None:
            return None
        curve = dataclasses.replace(known.curve, migrated=True, pool=migration.pool, progress=1.0) if known.curve \
            else None  # fmt: skip
        return dataclasses.replace(known, source=ROUTE, curve=curve)

    def _stored(self, key: tuple[str, str]) -> Candidate | None:
        """A token among the latest stored, as a candidate."""
        try:
            record = next((r for r in self._store.recent(STORE_LOOKUP, SOLANA) if (r.chain, r.address) == key), None)
        except StoreUnavailable:
            return None
        return None if record is None else candidate_from_record(record).candidate

    def _remember(self, candidate: Candidate) -> Candidate:
        """Keep the latest creations by key (bounded)."""
        self._recent.pop(candidate.key, None)
        self._recent[candidate.key] = candidate
        while len(self._recent) > REMEMBERED:
            self._recent.popitem(last=False)
        return candidate

    def _budget_wait(self, size: int) -> float:
        """Seconds until the budget can pay for a batch of `size` Solana tokens (0: now), leaving its share."""
        settings = self.settings
        plan = {ROUTE_CLASS["dexscreener.tokens"]: math.ceil(size / settings.market_batch),
                ROUTE_CLASS["goplus.solana_token_security"]: math.ceil(size / settings.security_batch)}  # fmt: skip
        quote = self._quote(plan, settings.keep)
        return 0.0 if quote.affordable else max(quote.retry_after, 0.5)

    def _ingest(self, batch: list[Discovered]) -> None:
        """One batch through the pipeline, within the stream's share of the budget."""
        state = ScanState(max_tokens=len(batch), chain=SOLANA, started_at=self._clock(),
                          started_monotonic=time.monotonic(), origin=STREAM_ORIGIN)  # fmt: skip
        with keep_scope(self.settings.keep):
            tally = self._scanner.ingest(batch, state)
        self.stored += tally.tokens_stored
        self.upstream_calls += tally.upstream_calls
