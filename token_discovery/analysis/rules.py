"""The risk rules, as data: a code, a severity, the points it adds, the label and the evidence it read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from token_discovery.analysis.evidence import Evidence
from token_discovery.analysis.policy import Policy

RULES_VERSION = "3.1"
HIGH_TAX, PROHIBITIVE_TAX = 0.10, 0.50
CONCENTRATED_HOLDER, INSIDER_SHARE, LOCKED_LP_SHARE = 0.20, 0.10, 0.50
THIN_LIQUIDITY_USD = 5_000.0
SERIAL_LAUNCHES = 3  # tokens one creator launched in a day: past this, a launcher, not a project
LAUNCH_BUY_SHARE = 0.20  # of the supply, bought by the creator in the creating transaction
QUIET_POOL_MIN_HOURS = 1.0  # a pool younger than this may not have traded yet: no trade is not yet a finding
LIQUIDITY_SOURCES = {"dexscreener": "DexScreener", "geckoterminal": "GeckoTerminal", "goplus": "GoPlus"}

Finding = dict[str, Any] | None
Check = Callable[[Evidence, Policy], Finding]


@dataclass(frozen=True)
class Rule:
    """One risk rule; `check` returns the evidence it read when the rule fires, else None."""

    code: str
    severity: str  # "critical" and "high" make a token risky on their own
    points: int
    mode: str  # "fraud": every token; "market": tokens old enough to trade on candles
    check: Check
    label: Callable[[dict[str, Any]], str]
    # Owner powers and LP locks are the norm for established tokens: such a rule is tempered for a token
    # established in one of these ways ("trust_list", "age_and_depth"). Honeypot, tax and sellability never are.
    tempered_for: frozenset[str] = frozenset()


def _flag_rule(
    flag: str, bad: bool, code: str, severity: str, points: int, label: str, tempered_for: frozenset[str] = frozenset()
) -> Rule:
    """A rule that fires when a boolean check is answered the bad way (unknown never fires)."""

    def check(evidence: Evidence, _: Policy) -> Finding:
        value = evidence.flags.get(flag)
        return {flag: value} if value is not None and value is bad else None

    return Rule(code, severity, points, "fraud", check, lambda _: label, tempered_for)


def _over(attribute: str, threshold: float, below: float | None = None) -> Check:
    """A check that fires when a numeric fact is at or over a threshold (and under `below` when given)."""

    def check(evidence: Evidence, _: Policy) -> Finding:
        value = getattr(evidence, attribute)
        if value is None or value < threshold or (below is not None and value >= below):
            return None
        return {attribute: value}

    return check


def _under(attribute: str, threshold: float) -> Check:
    """A check that fires when a numeric fact is under a threshold."""

    def check(evidence: Evidence, _: Policy) -> Finding:
        value = getattr(evidence, attribute)
        return None if value is None or value >= threshold else {attribute: value}

    return check


def _top_holder(evidence: Evidence, _: Policy) -> Finding:
    """One wallet holds a large share of the supply."""
    share = evidence.top_holder_percent
    if share is None or share < CONCENTRATED_HOLDER:
        return None
    return {"top_holder_percent": share, "address": evidence.top_holder_address}


def _no_socials(evidence: Evidence, _: Policy) -> Finding:
    """No link at all, once we know what the token published."""
    return {"links": 0} if evidence.links == 0 else None


def _serial_creator(evidence: Evidence, _: Policy) -> Finding:
    """The creator has deployed honeypots before."""
    count = evidence.creator_honeypots
    return {"creator_honeypots": count} if count else None


def _liquidity_finding(evidence: Evidence, policy: Policy, low: float, high: float) -> Finding:
    """Liquidity in [low, high), with where it was read."""
    value = evidence.liquidity_usd
    if value is None or not low <= value < high:
        return None
    return {"liquidity_usd": value, "source": evidence.liquidity_source, "floor_usd": policy.liquidity_floor_usd}


def _below_floor(evidence: Evidence, policy: Policy) -> Finding:
    """Liquidity under the floor: a token nobody can sell in any size."""
    return _liquidity_finding(evidence, policy, 0.0, policy.liquidity_floor_usd)


def _thin(evidence: Evidence, policy: Policy) -> Finding:
    """Liquidity over the floor but still thin."""
    return _liquidity_finding(
        evidence, policy, policy.liquidity_floor_usd, max(THIN_LIQUIDITY_USD, policy.liquidity_floor_usd)
    )


def _no_trades(evidence: Evidence, _: Policy) -> Finding:
    """Nobody traded the pool in 24 h, once it is old enough to have been traded."""
    young = evidence.age_hours is not None and evidence.age_hours < QUIET_POOL_MIN_HOURS
    return {"trades_h24": 0} if evidence.trades_h24 == 0 and not young else None


def _source_note(finding: dict[str, Any]) -> str:
    """Where a liquidity figure came from, for a label, when it is not DexScreener's pair (the usual source)."""
    source = LIQUIDITY_SOURCES.get(str(finding.get("source")))
    return f" per {source}" if source and finding.get("source") != "dexscreener" else ""


OWNER = frozenset({"trust_list", "age_and_depth"})  # an owner power: tempered for any established token
TRUSTED = frozenset({"trust_list"})  # tempered only for a token GoPlus vouches for
ANYONE: frozenset[str] = frozenset()  # never tempered

FLAG_RULES = tuple(
    _flag_rule(flag, bad, code, severity, points, label, tempered_for)
    for flag, bad, code, severity, points, tempered_for, label in (
        ("is_honeypot", True, "honeypot", "critical", 100, ANYONE, "Honeypot: simulated sells fail"),
        ("cannot_sell_all", True, "cannot_sell_all", "critical", 80, ANYONE, "Holders cannot sell all they hold"),
        ("non_transferable", True, "non_transferable", "critical", 80, ANYONE, "The token cannot be transferred"),
        ("owner_change_balance", True, "owner_change_balance", "critical", 60, OWNER, "The owner can change balances"),
        ("cannot_buy", True, "cannot_buy", "high", 40, ANYONE, "The token cannot be bought"),
        ("is_open_source", False, "closed_source", "high", 35, ANYONE, "The contract source is not verified"),
        ("hidden_owner", True, "hidden_owner", "high", 30, OWNER, "The contract has a hidden owner"),
        ("can_take_back_ownership", True, "ownership_reclaimable", "high", 30, OWNER, "Ownership can be taken back"),
        ("selfdestruct", True, "selfdestruct", "high", 30, ANYONE, "The contract can self-destruct"),
        ("is_mintable", True, "mintable", "high", 30, OWNER, "New supply can be minted"),
        ("freezable", True, "freezable", "high", 30, OWNER, "Holders' accounts can be frozen"),
        ("transfer_pausable", True, "transfer_pausable", "high", 25, OWNER, "The owner can pause transfers"),
        ("slippage_modifiable", True, "tax_modifiable", "medium", 20, ANYONE, "The owner can change the taxes"),
        ("is_blacklisted", True, "blacklist", "medium", 15, OWNER, "The owner can blacklist wallets"),
        ("transfer_hook", True, "transfer_hook", "medium", 15, OWNER, "Transfers run a hook program"),
        ("is_proxy", True, "proxy", "low", 10, OWNER, "The contract is upgradeable (proxy)"),
        ("trading_cooldown", True, "trading_cooldown", "low", 5, ANYONE, "Trading has a cooldown"),
        ("external_call", True, "external_call", "low", 5, OWNER, "The contract calls other contracts"),
        ("metadata_mutable", True, "metadata_mutable", "low", 5, OWNER, "Name and symbol can still be changed"),
    )
)  # fmt: skip

FACT_RULES = (
    Rule("sell_tax_prohibitive", "critical", 80, "fraud", _over("sell_tax", PROHIBITIVE_TAX),
         lambda e: f"Sell tax {e['sell_tax']:.0%}: selling is all but impossible"),
    Rule("sell_tax_high", "high", 30, "fraud", _over("sell_tax", HIGH_TAX, below=PROHIBITIVE_TAX),
         lambda e: f"Sell tax {e['sell_tax']:.0%}"),
    Rule("buy_tax_high", "high", 20, "fraud", _over("buy_tax", HIGH_TAX), lambda e: f"Buy tax {e['buy_tax']:.0%}"),
    Rule("serial_creator", "critical", 60, "fraud", _serial_creator,
         lambda e: f"The creator deployed {e['creator_honeypots']} honeypot(s) before"),
    Rule("serial_launcher", "high", 30, "fraud", _over("creator_launches_24h", SERIAL_LAUNCHES),
         lambda e: f"Its creator launched {e['creator_launches_24h']} tokens on pump.fun in the last 24 h"),
    Rule("creator_launch_buy_high", "medium", 15, "fraud", _over("creator_launch_buy", LAUNCH_BUY_SHARE),
         lambda e: f"The creator bought {e['creator_launch_buy']:.0%} of the supply at launch"),
    Rule("holder_concentrated", "high", 25, "fraud", _top_holder,
         lambda e: f"One wallet holds {e['top_holder_percent']:.0%} of the supply", TRUSTED),
    Rule("owner_share_high", "medium", 15, "fraud", _over("owner_percent", INSIDER_SHARE),
         lambda e: f"The owner holds {e['owner_percent']:.0%} of the supply", TRUSTED),
    Rule("creator_share_high", "medium", 15, "fraud", _over("creator_percent", INSIDER_SHARE),
         lambda e: f"The creator holds {e['creator_percent']:.0%} of the supply"),
    Rule("liquidity_unlocked", "high", 25, "fraud", _under("lp_locked_share", LOCKED_LP_SHARE),
         lambda e: f"Only {e['lp_locked_share']:.0%} of the liquidity is locked", OWNER),
    Rule("liquidity_below_floor", "high", 40, "fraud", _below_floor,
         lambda e: f"Only ${e['liquidity_usd']:,.0f} of liquidity{_source_note(e)} (floor ${e['floor_usd']:,.0f})"),
    Rule("liquidity_thin", "medium", 15, "fraud", _thin,
         lambda e: f"Thin liquidity: ${e['liquidity_usd']:,.0f}{_source_note(e)}"),
    Rule("no_trades_24h", "high", 30, "fraud", _no_trades, lambda e: "No trade in the last 24 h"),
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
