"""Following tokens after their verdict: which are due, and what each scan saw of them (the I/O shell)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from token_discovery.models import MarketData, SecurityReport
from token_discovery.outcomes import Observation, observe, start_tracking, summarize, update_verdict
from token_discovery.store.base import TokenStore

Key = tuple[str, str]
REPORT_TTL = timedelta(seconds=30)  # the console asks every 2 s; the table only moves when a scan settles
FOLLOWUPS_PER_SCAN = 30  # one DexScreener call's worth: follow-ups ride in the scan's own batches
NOTHING_SEEN = Observation(None, None, None)


def observation(market: MarketData | None, security: SecurityReport | None) -> Observation:
    """What one scan saw of a token: DexScreener's liquidity (else GoPlus's deepest pool), price, honeypot."""
    liquidity = market.liquidity_usd if market else None
    if liquidity is None and security is not None:
        pools = [pool.liquidity_usd for pool in security.dex_pools if pool.liquidity_usd is not None]
        liquidity = max(pools) if pools else None
    honeypot = security.flag("is_honeypot") if security is not None and security.indexed else None
    return Observation(liquidity, market.price_usd if market else None, honeypot)


class OutcomeTracker:
    """Starts following each token at its first verdict and records the follow-ups the scans make."""

    def __init__(self, store: TokenStore, clock: Callable[[], datetime]) -> None:
        self._store, self._clock = store, clock
        self._reports: dict[float, tuple[datetime, dict[str, Any]]] = {}

    def due(self, chain: str | None, limit: int = FOLLOWUPS_PER_SCAN) -> list[Key]:
        """Tokens whose next follow-up is due, the most overdue first."""
        documents = self._store.due_outcomes(self._clock(), limit * 4 if chain else limit)
        keys = [(d["chain"], d["address"]) for d in documents if chain is None or d["chain"] == chain]
        return keys[:limit]

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
                document = update_verdict(document, *verdicts[key])
            if key in due:
                document = observe(document, seen.get(key, NOTHING_SEEN), now)
            changed.append(document)
        self._store.save_outcomes(changed)
        self._reports = {}

    def report(self, hours: float) -> dict[str, Any]:
        """The outcome table of the tokens discovered in the last `hours` hours (kept a little while)."""
        now = self._clock()
        cached = self._reports.get(hours)
        if cached is not None and now - cached[0] < REPORT_TTL:
            return cached[1]
        report = {"hours": hours, **summarize(self._store.outcomes_since(now - timedelta(hours=hours)))}
        self._reports = {**self._reports, hours: (now, report)}
        return report
