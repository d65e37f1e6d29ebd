"""The verdict: a 0-100 score from the rules that fire; "safe" only when the key evidence is known and clean."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from token_discovery.analysis.evidence import Evidence, gather
from token_discovery.analysis.policy import DEFAULT_POLICY, Policy
from token_discovery.analysis.rules import QUIET_POOL_MIN_HOURS, RULES, RULES_VERSION, Rule
from token_discovery.analysis.verdict import Assessment, Reason
from token_discovery.models import Candidate, Candle, MarketData, SecurityReport

FRAUD_MODE_HOURS = 2.0
RISKY_SCORE = 40
RISKY_SEVERITIES = frozenset({"critical", "high"})
# Checks that must be answered before anything may be called safe. Solana has no honeypot simulation
# nor source verification; its mint, freeze and balance authorities play that part.
REQUIRED_FLAGS = {
    "evm": ("is_honeypot", "is_open_source"),
    "solana": ("is_mintable", "freezable", "owner_change_balance"),
}


def mode_of(evidence: Evidence) -> str:
    """Fraud-detection mode under two hours of age (or unknown age), market mode after."""
    young = evidence.age_hours is None or evidence.age_hours < FRAUD_MODE_HOURS
    return "fraud" if young else "market"


def missing_evidence(evidence: Evidence) -> tuple[str, ...]:
    """What a safe verdict needs that we do not know."""
    if not evidence.has_security:
        missing = ["security"]
    else:
        family = "solana" if evidence.chain == "solana" else "evm"
        missing = [flag for flag in REQUIRED_FLAGS[family] if evidence.flags.get(flag) is None]
        if evidence.sell_tax is None:
            missing.append("sell_tax")
    if evidence.liquidity_usd is None:
        missing.append("liquidity")
    young = evidence.age_hours is not None and evidence.age_hours < QUIET_POOL_MIN_HOURS
    if evidence.trades_h24 == 0 and young:
        missing.append("trades")  # nobody has traded it yet: whether it can be sold is not shown
    return tuple(missing)


def established_by(evidence: Evidence, policy: Policy) -> str | None:
    """Why a token counts as established (GoPlus trust list, or an old and deep pool), or None."""
    if evidence.trusted:
        return "trust_list"
    old = evidence.age_hours is not None and evidence.age_hours >= policy.established_age_days * 24
    deep = evidence.liquidity_usd is not None and evidence.liquidity_usd >= policy.established_liquidity_usd
    return "age_and_depth" if old and deep else None


# On Solana the mint, freeze and balance authorities are the key checks: only GoPlus's trust list tempers them.
SOLANA_KEY_RULES = frozenset({"mintable", "freezable", "owner_change_balance"})
_TEMPERED_NOTE = {"trust_list": "on GoPlus's trust list", "age_and_depth": "an old pool with deep liquidity"}


def _fire(rule: Rule, evidence: Evidence, policy: Policy, established: str | None) -> Reason | None:
    """The reason a rule gives, if it fires; an owner-power finding on an established token is tempered."""
    found = rule.check(evidence, policy)
    if found is None:
        return None
    key_check = evidence.chain == "solana" and rule.code in SOLANA_KEY_RULES
    if established in rule.tempered_for and (established == "trust_list" or not key_check):
        label = f"{rule.label(found)}: usual for an established token ({_TEMPERED_NOTE[established]})"
        return Reason(rule.code, "info", 0, label, {**found, "tempered_by": established})
    return Reason(rule.code, rule.severity, rule.points, rule.label(found), found)


def evaluate(evidence: Evidence, policy: Policy = DEFAULT_POLICY) -> Assessment:
    """Score evidence with the current rules; unknown evidence can make a token risky, never safe."""
    mode = mode_of(evidence)
    established = established_by(evidence, policy)
    active = [rule for rule in RULES if rule.mode == "fraud" or mode == "market"]
    reasons = [reason for rule in active if (reason := _fire(rule, evidence, policy, established)) is not None]
    missing = missing_evidence(evidence)
    if missing:
        reasons.append(
            Reason("unverified", "info", 0, "Not enough evidence to call it safe", {"missing": list(missing)})
        )
    score = min(100, sum(r.points for r in reasons))
    risky = score >= RISKY_SCORE or any(r.severity in RISKY_SEVERITIES for r in reasons)
    level = "risky" if risky else "unknown" if missing else "safe"
    ordered = tuple(sorted(reasons, key=lambda r: -r.points))
    return Assessment(score, level, mode, ordered, missing, RULES_VERSION)


def assess(
    candidate: Candidate,
    market: MarketData | None,
    security: SecurityReport | None,
    now: datetime,
    candles: Sequence[Candle] = (),
    policy: Policy = DEFAULT_POLICY,
) -> Assessment:
    """Gather the evidence of a token and evaluate it."""
    return evaluate(gather(candidate, market, security, candles, now), policy)
