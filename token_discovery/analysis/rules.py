"""The risk rules, as data: a code, a severity, the points it adds, the label and the evidence it read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from token_discovery.analysis.evidence import Evidence

RULES_VERSION = "2.0"
HIGH_TAX, PROHIBITIVE_TAX = 0.10, 0.50
CONCENTRATED_HOLDER, INSIDER_SHARE, LOCKED_LP_SHARE = 0.20, 0.10, 0.50
THIN_LIQUIDITY_USD = 5_000.0

Finding = dict[str, Any] | None


@dataclass(frozen=True)
class Rule:
    """One risk rule; `check` returns the evidence it read when the rule fires, else None."""

    code: str
    severity: str  # "critical" and "high" make a token risky on their own
    points: int
    mode: str  # "fraud": every token; "market": tokens old enough to trade on candles
    check: Callable[[Evidence], Finding]
    label: Callable[[dict[str, Any]], str]


def _flag_rule(flag: str, bad: bool, code: str, severity: str, points: int, label: str) -> Rule:
    """A rule that fires when a boolean check is answered the bad way (unknown never fires)."""

    def check(evidence: Evidence) -> Finding:
        value = evidence.flags.get(flag)
        return {flag: value} if value is not None and value is bad else None

    return Rule(code, severity, points, "fraud", check, lambda _: label)


def _over(attribute: str, threshold: float, below: float | None = None) -> Callable[[Evidence], Finding]:
    """A check that fires when a numeric fact is at or over a threshold (and under `below` when given)."""

    def check(evidence: Evidence) -> Finding:
        value = getattr(evidence, attribute)
        if value is None or value < threshold or (below is not None and value >= below):
            return None
        return {attribute: value}

    return check


def _under(attribute: str, threshold: float) -> Callable[[Evidence], Finding]:
    """A check that fires when a numeric fact is under a threshold."""

    def check(evidence: Evidence) -> Finding:
        value = getattr(evidence, attribute)
        return None if value is None or value >= threshold else {attribute: value}

    return check


def _top_holder(evidence: Evidence) -> Finding:
    """One wallet holds a large share of the supply."""
    share = evidence.top_holder_percent
    if share is None or share < CONCENTRATED_HOLDER:
        return None
    return {"top_holder_percent": share, "address": evidence.top_holder_address}


def _no_socials(evidence: Evidence) -> Finding:
    """No link at all, once we know what the token published."""
    return {"links": 0} if evidence.links == 0 else None


def _serial_creator(evidence: Evidence) -> Finding:
    """The creator has deployed honeypots before."""
    count = evidence.creator_honeypots
    return {"creator_honeypots": count} if count else None


FLAG_RULES = (
    _flag_rule("is_honeypot", True, "honeypot", "critical", 100, "Honeypot: simulated sells fail"),
    _flag_rule("cannot_sell_all", True, "cannot_sell_all", "critical", 80, "Holders cannot sell all they hold"),
    _flag_rule("non_transferable", True, "non_transferable", "critical", 80, "The token cannot be transferred"),
    _flag_rule("owner_change_balance", True, "owner_change_balance", "critical", 60, "The owner can change balances"),
    _flag_rule("cannot_buy", True, "cannot_buy", "high", 40, "The token cannot be bought"),
    _flag_rule("is_open_source", False, "closed_source", "high", 35, "The contract source is not verified"),
    _flag_rule("hidden_owner", True, "hidden_owner", "high", 30, "The contract has a hidden owner"),
    _flag_rule("can_take_back_ownership", True, "ownership_reclaimable", "high", 30, "Ownership can be taken back"),
    _flag_rule("selfdestruct", True, "selfdestruct", "high", 30, "The contract can self-destruct"),
    _flag_rule("is_mintable", True, "mintable", "high", 30, "New supply can be minted"),
    _flag_rule("freezable", True, "freezable", "high", 30, "Holders' accounts can be frozen"),
    _flag_rule("transfer_pausable", True, "transfer_pausable", "high", 25, "The owner can pause transfers"),
    _flag_rule("slippage_modifiable", True, "tax_modifiable", "medium", 20, "The owner can change the taxes"),
    _flag_rule("is_blacklisted", True, "blacklist", "medium", 15, "The owner can blacklist wallets"),
    _flag_rule("transfer_hook", True, "transfer_hook", "medium", 15, "Transfers run a hook program"),
    _flag_rule("is_proxy", True, "proxy", "low", 10, "The contract is upgradeable (proxy)"),
    _flag_rule("trading_cooldown", True, "trading_cooldown", "low", 5, "Trading has a cooldown"),
    _flag_rule("external_call", True, "external_call", "low", 5, "The contract calls other contracts"),
    _flag_rule("metadata_mutable", True, "metadata_mutable", "low", 5, "Name and symbol can still be changed"),
)  # fmt: skip

FACT_RULES = (
    Rule("sell_tax_prohibitive", "critical", 80, "fraud", _over("sell_tax", PROHIBITIVE_TAX),
         lambda e: f"Sell tax {e['sell_tax']:.0%}: selling is all but impossible"),
    Rule("sell_tax_high", "high", 30, "fraud", _over("sell_tax", HIGH_TAX, below=PROHIBITIVE_TAX),
         lambda e: f"Sell tax {e['sell_tax']:.0%}"),
    Rule("buy_tax_high", "high", 20, "fraud", _over("buy_tax", HIGH_TAX), lambda e: f"Buy tax {e['buy_tax']:.0%}"),
    Rule("serial_creator", "critical", 60, "fraud", _serial_creator,
         lambda e: f"The creator deployed {e['creator_honeypots']} honeypot(s) before"),
    Rule("holder_concentrated", "high", 25, "fraud", _top_holder,
         lambda e: f"One wallet holds {e['top_holder_percent']:.0%} of the supply"),
    Rule("owner_share_high", "medium", 15, "fraud", _over("owner_percent", INSIDER_SHARE),
         lambda e: f"The owner holds {e['owner_percent']:.0%} of the supply"),
    Rule("creator_share_high", "medium", 15, "fraud", _over("creator_percent", INSIDER_SHARE),
         lambda e: f"The creator holds {e['creator_percent']:.0%} of the supply"),
    Rule("liquidity_unlocked", "high", 25, "fraud", _under("lp_locked_share", LOCKED_LP_SHARE),
         lambda e: f"Only {e['lp_locked_share']:.0%} of the liquidity is locked"),
    Rule("liquidity_thin", "medium", 15, "fraud", _under("liquidity_usd", THIN_LIQUIDITY_USD),
         lambda e: f"Liquidity is only ${e['liquidity_usd']:,.0f}"),
    Rule("no_socials", "low", 5, "fraud", _no_socials, lambda e: "No website or social link is published"),
    Rule("price_crash", "medium", 15, "market", _under("price_change_h24", -50.0),
         lambda e: f"Price down {-e['price_change_h24']:.0f}% in 24 h"),
    Rule("rsi_overbought", "low", 5, "market", _over("rsi", 80.0), lambda e: f"RSI {e['rsi']:.0f}: overbought"),
    Rule("rsi_oversold", "medium", 10, "market", _under("rsi", 20.0), lambda e: f"RSI {e['rsi']:.0f}: heavy selling"),
    Rule("macd_bearish", "low", 5, "market", _under("macd_histogram", 0.0), lambda e: "MACD below its signal line"),
    Rule("volume_collapsing", "medium", 10, "market", _under("volume_trend", 0.3),
         lambda e: f"Recent volume is {e['volume_trend']:.0%} of the earlier average"),
)  # fmt: skip

RULES: tuple[Rule, ...] = FLAG_RULES + FACT_RULES
