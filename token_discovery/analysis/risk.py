"""Risk rules: an explainable 0-100 score; "safe" only when the key checks are known and clean."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from token_discovery.models import Assessment, Candidate, MarketData, Reason, SecurityReport

RULES_VERSION = "1.0"
FRAUD_MODE_AGE = timedelta(hours=2)
RISKY_SCORE = 40
RISKY_SEVERITIES = frozenset({"critical", "high"})
HIGH_TAX = 0.10
PROHIBITIVE_TAX = 0.50
THIN_LIQUIDITY_USD = 5_000.0
CONCENTRATED_HOLDER = 0.20
LOCKED_LP_SHARE = 0.50
# Checks that must be answered before anything may be called safe; Solana has no honeypot simulation
# or source verification, but its mint, freeze and balance authorities play that part.
REQUIRED_FLAGS = {
    "evm": ("is_honeypot", "is_open_source"),
    "solana": ("is_mintable", "freezable", "owner_change_balance"),
}

# flag -> (value that is bad, code, severity, points, message)
FLAG_RULES: tuple[tuple[str, bool, str, str, int, str], ...] = (
    ("is_honeypot", True, "honeypot", "critical", 100, "Simulated sells fail: this is a honeypot"),
    ("cannot_sell_all", True, "cannot_sell_all", "critical", 80, "Holders cannot sell their whole balance"),
    ("cannot_buy", True, "cannot_buy", "high", 40, "The token cannot be bought"),
    (
        "owner_change_balance",
        True,
        "owner_can_change_balance",
        "critical",
        60,
        "The owner can change balances",
    ),
    ("is_open_source", False, "closed_source", "high", 35, "The contract source is not verified"),
    ("hidden_owner", True, "hidden_owner", "high", 30, "The contract has a hidden owner"),
    (
        "can_take_back_ownership",
        True,
        "reclaimable_ownership",
        "high",
        30,
        "Renounced ownership can be taken back",
    ),
    ("selfdestruct", True, "selfdestruct", "high", 30, "The contract can self-destruct"),
    ("is_mintable", True, "mintable", "high", 30, "New supply can be minted"),
    ("transfer_pausable", True, "transfer_pausable", "medium", 20, "Transfers can be paused"),
    ("slippage_modifiable", True, "tax_modifiable", "medium", 20, "Taxes can be changed by the owner"),
    ("is_blacklisted", True, "blacklist", "medium", 15, "The owner can blacklist addresses"),
    ("freezable", True, "freezable", "high", 30, "Holders' accounts can be frozen"),
    ("non_transferable", True, "non_transferable", "critical", 80, "The token cannot be transferred"),
    ("transfer_hook", True, "transfer_hook", "medium", 15, "Transfers run a hook program"),
    ("is_proxy", True, "proxy", "low", 10, "The contract is upgradeable (proxy)"),
    ("metadata_mutable", True, "metadata_mutable", "low", 5, "Name and symbol can still be changed"),
    ("trading_cooldown", True, "trading_cooldown", "low", 5, "Trading has a cooldown"),
    ("external_call", True, "external_call", "low", 5, "The contract makes external calls"),
)


def _flag_reasons(security: SecurityReport) -> list[Reason]:
    """A reason for every boolean check answered the bad way."""
    return [
        Reason(code, severity, points, message, {flag: value})
        for flag, bad, code, severity, points, message in FLAG_RULES
        if (value := security.flag(flag)) is not None and value is bad
    ]


def _tax_reasons(security: SecurityReport) -> list[Reason]:
    """Reasons for high buy and sell taxes."""
    reasons = []
    for side, tax in (("sell", security.sell_tax), ("buy", security.buy_tax)):
        if tax is None or tax < HIGH_TAX:
            continue
        prohibitive = tax >= PROHIBITIVE_TAX
        points = 80 if prohibitive else 30 if side == "sell" else 20
        severity = "critical" if prohibitive else "high"
        reasons.append(
            Reason(f"high_{side}_tax", severity, points, f"{side.title()} tax is {tax:.0%}", {f"{side}_tax": tax})
        )
    return reasons


def _holder_reasons(security: SecurityReport) -> list[Reason]:
    """Reasons from holder concentration, unlocked liquidity and the creator's history."""
    reasons = []
    wallets = [h for h in security.holders if not h.is_contract and h.percent is not None]
    top = max(wallets, key=lambda h: h.percent or 0.0, default=None)
    if top is not None and (top.percent or 0.0) >= CONCENTRATED_HOLDER:
        evidence = {"address": top.address, "percent": top.percent}
        reasons.append(
            Reason("concentrated_holder", "high", 25, f"One wallet holds {top.percent:.0%} of supply", evidence)
        )
    known_lp = [h for h in security.lp_holders if h.percent is not None and h.is_locked is not None]
    if known_lp:
        locked = sum(h.percent or 0.0 for h in known_lp if h.is_locked)
        if locked < LOCKED_LP_SHARE:
            reasons.append(
                Reason(
                    "unlocked_liquidity",
                    "high",
                    25,
                    f"Only {locked:.0%} of liquidity is locked",
                    {"locked_share": round(locked, 4)},
                )
            )
    if security.creator_honeypots:
        evidence = {"creator": security.creator_address, "honeypots": security.creator_honeypots}
        reasons.append(Reason("serial_creator", "critical", 60, "The creator has deployed honeypots before", evidence))
    return reasons


def _market_reasons(market: MarketData | None, candidate: Candidate) -> list[Reason]:
    """Reasons from market data and the token's public presence."""
    reasons = []
    if market is not None and market.liquidity_usd is not None and market.liquidity_usd < THIN_LIQUIDITY_USD:
        reasons.append(
            Reason(
                "thin_liquidity",
                "medium",
                15,
                f"Liquidity is only ${market.liquidity_usd:,.0f}",
                {"liquidity_usd": market.liquidity_usd},
            )
        )
    links = candidate.links or (market.links if market else ())
    if not links:
        reasons.append(Reason("no_socials", "low", 5, "No website or social links are published", {}))
    return reasons


def _missing(security: SecurityReport | None, market: MarketData | None) -> tuple[str, ...]:
    """The evidence a safe verdict needs that we do not have."""
    if security is None or not security.indexed:
        missing = ["security"]
    else:
        family = "solana" if security.chain == "solana" else "evm"
        missing = [flag for flag in REQUIRED_FLAGS[family] if security.flag(flag) is None]
        if security.sell_tax is None:
            missing.append("sell_tax")
    if market is None:
        missing.append("market")
    return tuple(missing)


def _age(candidate: Candidate, market: MarketData | None, now: datetime) -> timedelta | None:
    """How long the token's pool has existed, when known."""
    created = (market.pair_created_at if market else None) or candidate.pool_created_at
    return None if created is None else now - created


def assess(
    candidate: Candidate, market: MarketData | None, security: SecurityReport | None, now: datetime
) -> Assessment:
    """Score a token from what we know; unknown evidence can make it risky, never safe."""
    age = _age(candidate, market, now)
    mode = "fraud" if age is None or age < FRAUD_MODE_AGE else "market"
    rules: list[Callable[[SecurityReport], list[Reason]]] = [_flag_reasons, _tax_reasons, _holder_reasons]
    reasons = [r for rule in rules for r in rule(security)] if security and security.indexed else []
    reasons += _market_reasons(market, candidate)
    missing = _missing(security, market)
    if missing:
        reasons.append(
            Reason("unverified", "info", 0, "Not enough evidence to call it safe", {"missing": list(missing)})
        )
    score = min(100, sum(r.points for r in reasons))
    risky = score >= RISKY_SCORE or any(r.severity in RISKY_SEVERITIES for r in reasons)
    level = "risky" if risky else "unknown" if missing else "safe"
    ordered = tuple(sorted(reasons, key=lambda r: -r.points))
    return Assessment(score, level, mode, ordered, missing, RULES_VERSION)
