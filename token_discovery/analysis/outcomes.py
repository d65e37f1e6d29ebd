"""What became of each token after its verdict: follow-ups at +1 h, +6 h and +24 h, graded (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CHECKPOINTS: tuple[tuple[str, timedelta], ...] = (
    ("1h", timedelta(hours=1)),
    ("6h", timedelta(hours=6)),
    ("24h", timedelta(hours=24)),
)
GIVE_UP_AFTER = timedelta(hours=36)  # a token not seen again by then keeps the outcome it has
RETRY_AFTER = timedelta(minutes=30)  # a follow-up that saw nothing is tried again this much later
RUG_DROP = 0.90  # liquidity or price down by this share (or more) since the verdict: a rug
# Liquidity figures that measure the same thing (a pool's reserve): only these are compared with each other.
COMPARABLE_SOURCES = ({"dexscreener", "geckoterminal"}, {"goplus"})
LEVELS = ("safe", "risky", "unknown")
OUTCOMES = ("rugged", "alive", "unknown")


@dataclass(frozen=True)
class Observation:
    """What a follow-up saw of a token: its liquidity, price and whether it is now a honeypot."""

    liquidity_usd: float | None
    price_usd: float | None
    honeypot: bool | None
    liquidity_source: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing was seen (no pair, no security): the check does not count."""
        return self.liquidity_usd is None and self.price_usd is None and self.honeypot is None


def _iso(moment: datetime) -> str:
    """An ISO-8601 timestamp."""
    return moment.isoformat()


def start_tracking(chain: str, address: str, level: str, score: int, seen: Observation, at: datetime) -> dict:
    """The outcome document of a token at its first verdict."""
    return {
        "chain": chain, "address": address, "level": level, "score": score,
        "discovered_at": _iso(at), "baseline": _observation_json(seen), "checks": {},
        "outcome": "unknown", "rug_reason": None, "next_due": _iso(at + CHECKPOINTS[0][1]),
    }  # fmt: skip


def _observation_json(seen: Observation) -> dict[str, Any]:
    """An observation as JSON."""
    return {"liquidity_usd": seen.liquidity_usd, "liquidity_source": seen.liquidity_source,
            "price_usd": seen.price_usd, "honeypot": seen.honeypot}  # fmt: skip


def _has_baseline(baseline: Mapping[str, Any]) -> bool:
    """Whether there is a liquidity or a price to measure a drop from."""
    return baseline.get("liquidity_usd") is not None or baseline.get("price_usd") is not None


def update_verdict(document: Mapping[str, Any], level: str, score: int, seen: Observation) -> dict[str, Any]:
    """A later verdict counts only while the graded one is "unknown", before any follow-up, and before a rug.

    The grade is what traders saw: the first complete verdict is kept, and a verdict given on drained liquidity
    would grade the rug, not the call. A baseline still empty is filled from this sighting.
    """
    if document["checks"] or rug_reason(document["baseline"], seen) is not None:
        return dict(document)
    baseline = document["baseline"] if _has_baseline(document["baseline"]) else _observation_json(seen)
    if document["level"] != "unknown":
        return {**document, "baseline": baseline}
    return {**document, "level": level, "score": score, "baseline": baseline}


def _comparable(baseline: Mapping[str, Any], seen: Observation) -> bool:
    """Whether two liquidity figures measure the same thing (an unknown source is taken as DexScreener's)."""
    sources = {baseline.get("liquidity_source") or "dexscreener", seen.liquidity_source or "dexscreener"}
    return any(sources <= group for group in COMPARABLE_SOURCES)


def _gradable(baseline: Mapping[str, Any], seen: Observation) -> bool:
    """Whether a sighting can be measured against the baseline: a comparable liquidity, a price, or a honeypot."""
    liquidity = baseline.get("liquidity_usd") is not None and seen.liquidity_usd is not None
    price = baseline.get("price_usd") is not None and seen.price_usd is not None
    return bool(seen.honeypot) or price or (liquidity and _comparable(baseline, seen))


def rug_reason(baseline: Mapping[str, Any], seen: Observation) -> str | None:
    """Why a follow-up counts as a rug, or None."""
    if seen.honeypot and baseline.get("honeypot") is not True:
        return "became a honeypot"
    for field, what in (("liquidity_usd", "liquidity pulled"), ("price_usd", "price down")):
        if field == "liquidity_usd" and not _comparable(baseline, seen):
            continue
        before, now = baseline.get(field), getattr(seen, field)
        if before and now is not None and before > 0 and now <= before * (1 - RUG_DROP):
            return f"{what} {1 - now / before:.0%}"
    return None


def observe(document: Mapping[str, Any], seen: Observation, now: datetime) -> dict[str, Any]:
    """Record a follow-up: every checkpoint passed by now is covered; a rug is final."""
    discovered = datetime.fromisoformat(document["discovered_at"])
    passed = [name for name, after in CHECKPOINTS if now - discovered >= after and name not in document["checks"]]
    measurable = _gradable(document["baseline"], seen) or not _has_baseline(document["baseline"])
    if seen.empty or not passed or not measurable:
        return {**document, "next_due": _retry(discovered, document["checks"], now)}
    reason = rug_reason(document["baseline"], seen)
    check = {**_observation_json(seen), "at": _iso(now), "rugged": reason is not None}
    checks = {**document["checks"], **dict.fromkeys(passed, check)}
    updated = {**document, "checks": checks}
    if reason is not None or document["outcome"] == "rugged":
        rugged = {"outcome": "rugged", "rug_reason": document["rug_reason"] or reason, "next_due": None}
        return {**updated, **rugged}
    if not _has_baseline(document["baseline"]):  # nothing to measure a drop from: this sighting becomes the base
        return {**updated, "baseline": _observation_json(seen), "next_due": _next_due(discovered, checks)}
    return {**updated, "outcome": "alive", "next_due": _next_due(discovered, checks)}


def _next_due(discovered: datetime, checks: Mapping[str, Any]) -> str | None:
    """When the next checkpoint not yet covered falls due; None once the last one is covered."""
    return next((_iso(discovered + after) for name, after in CHECKPOINTS if name not in checks), None)


def _retry(discovered: datetime, checks: Mapping[str, Any], now: datetime) -> str | None:
    """After a follow-up that saw nothing: the next checkpoint, or a retry a little later; give up in the end."""
    due = _next_due(discovered, checks)
    if due is None or now - discovered >= GIVE_UP_AFTER:
        return None
    return max(due, _iso(now + RETRY_AFTER))


def _rate(part: int, whole: int) -> float | None:
    """A share rounded to 4 places, None over nothing."""
    return None if whole == 0 else round(part / whole, 4)


def summarize(documents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per verdict level: tokens, rugged, alive, unknown; the rug rate among safe and the rugs called risky."""
    table = {level: dict.fromkeys(("tokens", *OUTCOMES), 0) for level in LEVELS}
    for document in documents:
        row = table.setdefault(document["level"], dict.fromkeys(("tokens", *OUTCOMES), 0))
        row["tokens"] += 1
        row[document["outcome"] if document["outcome"] in OUTCOMES else "unknown"] += 1
    safe, rugs = table["safe"], sum(row["rugged"] for row in table.values())
    return {
        "levels": table,
        "safe_rug_rate": _rate(safe["rugged"], safe["rugged"] + safe["alive"]),
        "rug_catch_rate": _rate(table["risky"]["rugged"], rugs),
        "rugged": rugs,
    }
