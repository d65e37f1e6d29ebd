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

from token_discovery.models import BondingCurve, Candidate, Discovered
from token_discovery.scan.pipeline import STREAM_ORIGIN, Scanner, stored_by_key
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
        self._recent: OrderedDict[tuple[str, str], Discovered] = OrderedDict()
        self._signatures: OrderedDict[str, None] = OrderedDict()  # of the latest events, to hear each one once
        self.stored = self.migrations_unknown = self.upstream_calls = self.repeated = self.already_known = 0

    def handle(self, message: Message) -> None:
        """A creation or a migration into the intake (each event once; a token is created once); a notice to the
        log."""
        if isinstance(message, Creation | Migration) and not self._first_hearing(message.signature):
            self.repeated += 1
        elif isinstance(message, Creation):
            if message.candidate.key in self._recent:
                self.repeated += 1  # a second creation of one mint is not a launch: the first one stands
                return
            self.intake.offer(self._remember(Discovered(self._launched(message), (ROUTE,))))
        elif isinstance(message, Migration):
            migrated = self._migrated(message)
            if migrated is None:
                self.migrations_unknown += 1
            else:
                self.intake.offer(self._remember(migrated))
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
            "repeated": self.repeated, "already_known": self.already_known,
        }  # fmt: skip

    def _launched(self, creation: Creation) -> Candidate:
        """The created token, dated now (its creator's launches are counted when its batch goes: a ledger in
        Redis is never waited for on the stream's own thread)."""
        return dataclasses.replace(creation.candidate, pool_created_at=self._clock())

    def _counted(self, found: Discovered) -> Discovered:
        """A creation with how many tokens its creator launched in the last day, this one included."""
        curve = found.candidate.curve
        if curve is None or curve.migrated or not curve.creator or not curve.signature:
            return found
        launches = self._ledger.launched(curve.creator, curve.signature)
        return Discovered(dataclasses.replace(found.candidate, creator_launches=launches), found.sources)

    def _first_hearing(self, signature: str) -> bool:
        """Whether this event (by its transaction's signature) is new here; remembered, bounded."""
        if signature in self._signatures:
            return False
        self._signatures[signature] = None
        while len(self._signatures) > REMEMBERED:
            self._signatures.popitem(last=False)
        return True

    def _migrated(self, migration: Migration) -> Discovered | None:
        """The token that graduated, as last known (with every feed that saw it), now migrated; None when it was
        never seen here."""
        key = (SOLANA, migration.address)
        known = self._recent.get(key) or self._stored(key)
        if known is None:
            return None
        before = known.candidate.curve or BondingCurve()
        curve = dataclasses.replace(before, migrated=True, pool=migration.pool, progress=1.0)
        sources = known.sources if ROUTE in known.sources else (*known.sources, ROUTE)
        return Discovered(dataclasses.replace(known.candidate, curve=curve), sources)

    def _stored(self, key: tuple[str, str]) -> Discovered | None:
        """A token among the latest stored, as the feeds saw it."""
        try:
            record = stored_by_key(self._store, SOLANA, [key]).get(key)
        except StoreUnavailable:
            return None
        return None if record is None else candidate_from_record(record)

    def _remember(self, found: Discovered) -> Discovered:
        """Keep the latest tokens the stream announced, by key (bounded)."""
        self._recent.pop(found.key, None)
        self._recent[found.key] = found
        while len(self._recent) > REMEMBERED:
            self._recent.popitem(last=False)
        return found

    def _new_only(self, batch: list[Discovered]) -> list[Discovered]:
        """The batch less the creations of tokens already stored (from a feed, or before this process heard the
        stream): a token is created once, and a repeated creation must not rename or re-date it."""
        creations = {d.key for d in batch if not (d.candidate.curve and d.candidate.curve.migrated)}
        if not creations:
            return batch
        try:
            known = set(stored_by_key(self._store, SOLANA, creations))
        except StoreUnavailable:
            return batch
        self.already_known += len(known)
        return [d for d in batch if d.key not in known]

    def _budget_wait(self, size: int) -> float:
        """Seconds until the budget can pay for a batch of `size` Solana tokens (0: now), leaving its share."""
        settings = self.settings
        plan = {ROUTE_CLASS["dexscreener.tokens"]: math.ceil(size / settings.market_batch),
                ROUTE_CLASS["goplus.solana_token_security"]: math.ceil(size / settings.security_batch)}  # fmt: skip
        quote = self._quote(plan, settings.keep)
        return 0.0 if quote.affordable else max(quote.retry_after, 0.5)

    def _ingest(self, batch: list[Discovered]) -> None:
        """One batch through the pipeline, within the stream's share of the budget."""
        batch = [self._counted(found) for found in self._new_only(batch)]
        if not batch:
            return
        state = ScanState(max_tokens=len(batch), chain=SOLANA, started_at=self._clock(),
                          started_monotonic=time.monotonic(), origin=STREAM_ORIGIN)  # fmt: skip
        with keep_scope(self.settings.keep):
            tally = self._scanner.ingest(batch, state)
        self.stored += tally.tokens_stored
        self.upstream_calls += tally.upstream_calls
