"""One scan through the pipeline: discover, skip fresh, enrich, analyse, store, then announce each token."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from token_discovery import events
from token_discovery.analysis import DEFAULT_POLICY, evaluate, gather
from token_discovery.models import Discovered, SecurityReport, TokenRecord
from token_discovery.records import iso, token_data
from token_discovery.scan.candles import CandleCache, Pool, always_spare, refresh_candles
from token_discovery.scan.discovery import discover
from token_discovery.scan.enrichment import Enrichment, fetch_market, security_batches
from token_discovery.scan.followups import OutcomeTracker, observation
from token_discovery.scan.publisher import Publisher
from token_discovery.scan.recheck import candidate_from_record, with_launch
from token_discovery.scan.state import ScanCancelled, ScanSources, ScanState, ScanTally
from token_discovery.sources.chains import SOLANA
from token_discovery.store.base import StoreUnavailable, TokenStore

log = logging.getLogger(__name__)

Key = tuple[str, str]
MARKET_MODE_AGE = timedelta(hours=2)
# GeckoTerminal allows 30 calls a minute, shared with new-pool discovery; the rest is refreshed next scan.
CANDLE_FETCHES_PER_SCAN = 16
STORED_LOOKUP = 500  # the newest stored tokens of a chain looked through by key (all of them at the default capacity)
STREAM_ORIGIN = "stream"  # a batch of tokens a stream delivered, run through the pipeline without a scan


class Scanner:
    """Runs the pipeline of one scan; persists each token, then announces it."""

    def __init__(
        self,
        sources: ScanSources,
        store: TokenStore,
        notifier: events.Notifier,
        clock: Callable[[], datetime],
        analysis_ttl: float,
    ) -> None:
        self._sources, self._store, self._notifier = sources, store, notifier
        self._clock, self._ttl = clock, timedelta(seconds=analysis_ttl)
        self.publisher = Publisher(store, notifier)
        self.candle_fetches = CANDLE_FETCHES_PER_SCAN
        self.candle_cache = CandleCache()
        self.candle_budget_spare: Callable[[], bool] = always_spare
        self.policy = DEFAULT_POLICY
        self.outcomes: OutcomeTracker | None = None

    def run(self, state: ScanState) -> ScanTally:
        """Scan once; the tally counts what was found, stored and called."""
        started = {"scan_id": state.scan_id, "timestamp": iso(state.started_at),
                   "max_tokens": state.max_tokens, "chain": state.chain}  # fmt: skip
        self._notifier.broadcast(events.SCAN_STARTED, started)
        feeds = self._sources.feeds(state.chain)
        discovered, outcomes = discover(feeds)
        feed_errors = [str(o.error) for o in outcomes if o.error is not None]
        if len(feed_errors) == len(outcomes):
            raise RuntimeError("every discovery feed failed: " + "; ".join(feed_errors))
        chosen, fresh_skipped = self._choose(discovered, state)
        enrichment = Enrichment(calls=len(feeds))
        stored, created = self._enrich_and_store(chosen, state, enrichment)
        return ScanTally(
            tokens_found=len(discovered),
            tokens_analysed=len(chosen),
            tokens_stored=stored,
            tokens_new=created,
            tokens_skipped_recent=fresh_skipped,
            items_malformed=enrichment.skipped + sum(o.skipped for o in outcomes),
            upstream_calls=enrichment.calls,
            errors=tuple(feed_errors + [str(error) for error in enrichment.failures]),
        )

    def ingest(self, found: Sequence[Discovered], state: ScanState) -> ScanTally:
        """Analyse and store tokens a stream delivered: no feed read, no freshness skip, no scan events and no
        follow-ups riding along; market data and security batched as a scan batches them."""
        enrichment = Enrichment()
        stored, created = self._enrich_and_store(list(found), state, enrichment)
        return ScanTally(tokens_found=len(found), tokens_analysed=len(found), tokens_stored=stored,
                         tokens_new=created, items_malformed=enrichment.skipped, upstream_calls=enrichment.calls,
                         errors=tuple(str(error) for error in enrichment.failures))  # fmt: skip

    def _choose(self, discovered: list[Discovered], state: ScanState) -> tuple[list[Discovered], int]:
        """Keep the chain asked for, drop tokens analysed within the TTL, cap at max_tokens."""
        wanted = [d for d in discovered if state.chain is None or d.candidate.chain == state.chain]
        fresh = self._store.analysed_since((d.key for d in wanted), self._clock() - self._ttl)
        chosen = [d for d in wanted if d.key not in fresh][: state.max_tokens]
        chosen += self._rechecks(state, {d.key for d in chosen}, state.max_tokens - len(chosen))
        state.total, state.stage = len(chosen), "enriching"
        self._progress(state)
        return chosen, len(fresh)

    def _rechecks(self, state: ScanState, taken: set[tuple[str, str]], room: int) -> list[Discovered]:
        """Stored tokens with incomplete evidence, least recently checked first, in the room left."""
        if room <= 0:
            return []
        records = [r for r in self._store.incomplete(room + len(taken)) if (r.chain, r.address) not in taken]
        records = [r for r in records if state.chain is None or r.chain == state.chain]
        return [candidate_from_record(record) for record in records[:room]]

    def _enrich_and_store(self, chosen: list[Discovered], state: ScanState, into: Enrichment) -> tuple[int, int]:
        """Market data for all, then security batch by batch; each batch is stored and announced at once.

        Tokens due a follow-up ride along: in the market calls (at most one more call a chain), and in the
        security calls only where a batch has room. What was stored is handed to the outcome tracker even
        when the scan is abandoned half-way.
        """
        by_key = {d.key: d for d in self._with_launches(chosen)}
        keys = list(by_key)
        due = [] if state.origin == STREAM_ORIGIN else self._due_followups(state.chain)
        followed = [key for key in due if key not in by_key]
        if not keys and not followed:
            return 0, 0
        fetch_market(keys + followed, self._sources.market, into)
        self._candles(by_key, into)
        verdicts: dict[Key, tuple[str, int]] = {}
        created = 0
        riders = ride_along(keys, followed, self._sources.security.max_batch)
        try:
            for batch in security_batches(keys + riders, self._sources.security, into):
                self._check(state)
                for key in (k for k in batch.keys if k in by_key):
                    new, verdicts[key] = self._store_one(by_key[key], into, batch.reports.get(key), batch.error is None)
                    created += new
                    state.done += 1
                self._progress(state)
        finally:
            self._settle_outcomes(verdicts, set(due), into, by_key)
        return len(verdicts), created

    def _with_launches(self, chosen: list[Discovered]) -> list[Discovered]:
        """Solana tokens a feed found that the pump.fun stream saw launch keep their launch facts (the creator's
        launches, its buy) in this analysis too: a polled look never forgets what the stream said."""
        wanted = {d.key for d in chosen if d.candidate.chain == SOLANA and d.candidate.curve is None}
        if not wanted:
            return chosen
        try:
            stored = {key: r for key, r in stored_by_key(self._store, SOLANA, wanted).items() if r.data.get("launch")}
        except StoreUnavailable:
            return chosen
        return [with_launch(d, stored[d.key]) if d.key in stored else d for d in chosen]

    def _due_followups(self, chain: str | None) -> list[Key]:
        """Tokens due a follow-up; none when there is no tracker or the store cannot say."""
        if self.outcomes is None:
            return []
        try:
            return self.outcomes.due(chain)
        except StoreUnavailable as error:
            log.warning("no follow-ups this scan: %s", error)
            return []

    def _settle_outcomes(
        self, verdicts: dict[Key, tuple[str, int]], due: set[Key], into: Enrichment, by_key: dict[Key, Discovered]
    ) -> None:
        """Hand what this scan saw to the outcome tracker; its failure never fails the scan."""
        if self.outcomes is None or not (verdicts or due):
            return
        seen = {
            key: observation(into.market.get(key), into.security.get(key),
                             by_key[key].candidate if key in by_key else None)
            for key in {*verdicts, *due}
        }  # fmt: skip
        try:
            self.outcomes.settle(verdicts, seen, due)
        except StoreUnavailable as error:
            log.warning("outcomes not recorded this scan: %s", error)

    def _candles(self, by_key: dict[tuple[str, str], Discovered], into: Enrichment) -> None:
        """Candles of every market-mode token from the cache, the most overdue pools read again first."""
        now, pools = self._clock(), {}
        for key, found in by_key.items():
            market = into.market.get(key)
            address = market.pair_address if market else found.candidate.pool_address
            created = (market.pair_created_at if market else None) or found.candidate.pool_created_at
            if address and created is not None and now - created >= MARKET_MODE_AGE:
                pools[key] = Pool(key[0], address, created, key[1])
        found_candles, calls, errors = refresh_candles(
            pools, self._sources.candles, self.candle_cache, self.candle_fetches, now, self.candle_budget_spare
        )
        into.candles.update(found_candles)
        into.calls += calls
        into.failures.extend(errors)

    def _store_one(
        self, found: Discovered, into: Enrichment, security: SecurityReport | None, checked: bool
    ) -> tuple[bool, tuple[str, int]]:
        """Analyse one token, then persist and announce it; whether it is new, and its verdict (level, score)."""
        market = into.market.get(found.key)
        now = self._clock()
        evidence = gather(found.candidate, market, security, into.candles.get(found.key, ()), now)
        verdict = evaluate(evidence, self.policy)
        data = token_data(found, market, security, verdict, evidence)
        created = self.publisher.publish(found.key, data, verdict.score, verdict.level, checked and market is not None,
                                         now)  # fmt: skip
        return created, (verdict.level, verdict.score)

    def _progress(self, state: ScanState) -> None:
        """Announce progress (a scan's: a stream's batches are not scans)."""
        if state.origin == STREAM_ORIGIN:
            return
        payload = {"scan_id": state.scan_id, "stage": state.stage, "done": state.done, "total": state.total}
        self._notifier.broadcast(events.SCAN_PROGRESS, payload)

    @staticmethod
    def _check(state: ScanState) -> None:
        """Stop here if the scan was abandoned."""
        if state.cancelled.is_set():
            raise ScanCancelled(state.scan_id)


def stored_by_key(store: TokenStore, chain: str, keys: Iterable[Key]) -> dict[Key, TokenRecord]:
    """The stored tokens of a chain (among its newest STORED_LOOKUP) that have one of `keys`; StoreUnavailable
    when the store does not answer."""
    wanted = set(keys)
    return {(r.chain, r.address): r for r in store.recent(STORED_LOOKUP, chain) if (r.chain, r.address) in wanted}


def ride_along(keys: Sequence[Key], extra: Sequence[Key], batch: int) -> list[Key]:
    """The extra keys that fit in the room left in the last batch of each chain: no call is added for them."""
    counts = Counter(chain for chain, _ in keys)
    room = {chain: -count % batch for chain, count in counts.items()}
    riders = []
    for key in extra:
        if room.get(key[0], 0) > 0:
            riders.append(key)
            room[key[0]] -= 1
    return riders
