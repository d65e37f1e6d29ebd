"""Following tokens after their verdict: which are due, and what each scan saw of them (the I/O shell)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from token_discovery.analysis.outcomes import (
    GIVE_UP_AFTER,
    Observation,
    observe,
    start_tracking,
    summarize,
    update_verdict,
)
from token_discovery.models import Candidate, MarketData, SecurityReport
from token_discovery.store.base import TokenStore

Key = tuple[str, str]
REPORT_TTL = timedelta(seconds=30)  # the console asks every 2 s; the table only moves when a scan settles
FOLLOWUPS_PER_SCAN = 30  # one DexScreener call's worth: follow-ups ride in the scan's own batches
NOTHING_SEEN = Observation(None, None, None)


def _liquidity(
    market: MarketData | None, security: SecurityReport | None, candidate: Candidate | None
) -> tuple[float | None, str | None]:
    """Liquidity as the verdict reads it: DexScreener's pair, else the GeckoTerminal pool, else GoPlus's deepest."""
    if market is not None and market.liquidity_usd is not None:
        return market.liquidity_usd, "dexscreener"
    if candidate is not None and candidate.pool_reserve_usd is not None:
        return candidate.pool_reserve_usd, "geckoterminal"
    pools = [p.liquidity_usd for p in (security.dex_pools if security else ()) if p.liquidity_usd is not None]
    return (max(pools), "goplus") if pools else (None, None)


def observation(
    market: MarketData | None, security: SecurityReport | None, candidate: Candidate | None = None
) -> Observation:
    """What one scan saw of a token: its liquidity and where from, its price, whether it is a honeypot."""
    liquidity, source = _liquidity(market, security, candidate)
    price = market.price_usd if market is not None else None
    if price is None and candidate is not None:
        price = candidate.pool_price_usd
    honeypot = security.flag("is_honeypot") if security is not None and security.indexed else None
    return Observation(liquidity, price, honeypot, source)


class OutcomeTracker:
    """Starts following each token at its first verdict and records the follow-ups the scans make."""

    def __init__(self, store: TokenStore, clock: Callable[[], datetime]) -> None:
        self._store, self._clock = store, clock
        self._reports: dict[float, tuple[int, datetime, dict[str, Any]]] = {}
        self._generation = 0  # bumped by every settle, so a report read before it is never kept after it

    def due(self, chain: str | None, limit: int = FOLLOWUPS_PER_SCAN) -> list[Key]:
        """Tokens of a chain (or any) whose next follow-up is due, the most overdue first; too old ones never."""
        now = self._clock()
        documents = self._store.due_outcomes(now, limit, chain, now - GIVE_UP_AFTER)
        return [(d["chain"], d["address"]) for d in documents]

    def settle(self, verdicts: Mapping[Key, tuple[str, int]], seen: Mapping[Key, Observation], due: set[Key]) -> None:
        """Track new tokens, refresh verdicts not yet graded, and record the due follow-ups, in one write."""
        now = self._clock()
        documents = self._store.outcomes_for(set(verdicts) | due)
        changed = []
        for key in dict.fromkeys([*verdicts, *due]):
            document = documents.get(key)
            if document is None and key not in verdicts:
                continue
            if document is None:
                level, score = verdicts[key]
                document = start_tracking(*key, level, score, seen.get(key, NOTHING_SEEN), now)
            elif key in verdicts:
                document = update_verdict(document, *verdicts[key], seen.get(key, NOTHING_SEEN))
            if key in due:
                document = observe(document, seen.get(key, NOTHING_SEEN), now)
            changed.append(document)
        self._store.save_outcomes(changed)
        self._generation += 1

    def report(self, hours: float) -> dict[str, Any]:
        """The outcome table of the tokens discovered in the last `hours` hours (kept a little while)."""
        now, generation = self._clock(), self._generation
        cached = self._reports.get(hours)
        if cached is not None and cached[0] == generation and now - cached[1] < REPORT_TTL:
            return cached[2]
        report = {"hours": hours, **summarize(self._store.outcomes_since(now - timedelta(hours=hours)))}
        self._reports = {
            **{h: c for h, c in self._reports.items() if c[0] == generation},
            hours: (generation, now, report),
        }
        return report
