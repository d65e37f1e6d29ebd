"""A watcher's rules, as data: read from JSON with errors that name the field, and matched against a stored
token with the reasons a person can read.

Every rule is optional and every rule given must hold. A rule whose evidence is missing (no liquidity
figure, no trade count, an unknown age) does not hold: a watcher is never told a token matches on
evidence nobody has.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from token_discovery.sources.chains import CHAINS

LEVELS = ("safe", "risky", "unknown")
PATTERN_MAX_CHARS = 64
PATTERN_MAX_WILDCARDS = 4
FIELDS = ("chains", "levels", "max_score", "min_liquidity_usd", "max_age_minutes", "min_buys_h1", "pattern",
          "exclude_flags", "risk_changed")  # fmt: skip


class RuleError(ValueError):
    """A rule is invalid; the message names the field."""


def _flag(name: str) -> Callable[[Mapping[str, Any]], bool]:
    """True when the token's security says `name` is set (unknown is not set)."""
    return lambda data: (data.get("security") or {}).get("flags", {}).get(name) is True


def _unlocked_lp(data: Mapping[str, Any]) -> bool:
    """True when under half of the liquidity is known to be locked or burned."""
    share = _evidence(data).get("lp_locked_share")
    return isinstance(share, int | float) and share < 0.5


EXCLUDABLE: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "honeypot": _flag("is_honeypot"),
    "mintable": _flag("is_mintable"),
    "proxy": _flag("is_proxy"),
    "hidden_owner": _flag("hidden_owner"),
    "blacklist": _flag("is_blacklisted"),
    "pausable": _flag("transfer_pausable"),
    "tax_modifiable": _flag("slippage_modifiable"),
    "freezable": _flag("freezable"),
    "metadata_mutable": _flag("metadata_mutable"),
    "closed_source": lambda data: (data.get("security") or {}).get("flags", {}).get("is_open_source") is False,
    "unlocked_lp": _unlocked_lp,
}


@dataclass(frozen=True)
class Rules:
    """What a watcher wants; None (or empty) means the rule is not used."""

    chains: frozenset[str] = field(default_factory=frozenset)
    levels: frozenset[str] = field(default_factory=frozenset)
    max_score: int | None = None
    min_liquidity_usd: float | None = None
    max_age_minutes: float | None = None
    min_buys_h1: int | None = None
    pattern: str | None = None
    exclude_flags: frozenset[str] = field(default_factory=frozenset)
    risk_changed: bool = False

    @classmethod
    def from_json(cls, raw: Any) -> Rules:
        """Rules from a JSON object; RuleError naming the first bad field."""
        if not isinstance(raw, Mapping):
            raise RuleError("rules must be a JSON object")
        unknown = sorted(set(raw) - set(FIELDS))
        if unknown:
            raise RuleError(f"rules: unknown field(s) {', '.join(unknown)[:200]}; allowed: {', '.join(FIELDS)}")
        return cls(
            chains=_choices(raw.get("chains"), "chains", tuple(CHAINS)),
            levels=_choices(raw.get("levels"), "levels", LEVELS),
            max_score=_number(raw.get("max_score"), "max_score", 0, 100, whole=True),
            min_liquidity_usd=_number(raw.get("min_liquidity_usd"), "min_liquidity_usd", 0, 1e12),
            max_age_minutes=_number(raw.get("max_age_minutes"), "max_age_minutes", 1, 60 * 24 * 30),
            min_buys_h1=_number(raw.get("min_buys_h1"), "min_buys_h1", 0, 10**9, whole=True),
            pattern=_pattern(raw.get("pattern")),
            exclude_flags=_choices(raw.get("exclude_flags"), "exclude_flags", tuple(EXCLUDABLE)),
            risk_changed=_boolean(raw.get("risk_changed"), "risk_changed"),
        )

    def to_json(self) -> dict[str, Any]:
        """The rules as given (sets as sorted lists; rules not used left out)."""
        values = {"chains": sorted(self.chains), "levels": sorted(self.levels), "max_score": self.max_score,
                  "min_liquidity_usd": self.min_liquidity_usd, "max_age_minutes": self.max_age_minutes,
                  "min_buys_h1": self.min_buys_h1, "pattern": self.pattern,
                  "exclude_flags": sorted(self.exclude_flags), "risk_changed": self.risk_changed or None}  # fmt: skip
        return {name: value for name, value in values.items() if value not in (None, [])}

    def match(self, record: Mapping[str, Any], now: datetime, level_changed: bool = False) -> list[str] | None:
        """Why a stored token (a TokenRecord as JSON) matches, one line per rule used; None when it does not.

        `level_changed` says the record is an update whose risk level changed: a watcher with `risk_changed`
        takes only those, a watcher without it only new tokens.
        """
        if self.risk_changed != level_changed:
            return None
        why: list[str] = ["its risk level changed"] if level_changed else []
        for check in _CHECKS:
            reason = check(self, record, now)
            if reason is False:
                return None
            if isinstance(reason, str):
                why.append(reason)
        return why


def _evidence(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The analysis evidence a stored token carries ({} when none)."""
    return (data.get("analysis") or {}).get("evidence") or {}


def _data(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record's token_data."""
    data = record.get("token_data")
    return data if isinstance(data, Mapping) else {}


Check = Callable[[Rules, Mapping[str, Any], datetime], "str | bool | None"]


def _chain(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if not rules.chains:
        return None
    return f"on {record.get('token_chain')}" if record.get("token_chain") in rules.chains else False


def _level(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if not rules.levels:
        return None
    return f"verdict {record.get('risk_level')}" if record.get("risk_level") in rules.levels else False


def _score(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if rules.max_score is None:
        return None
    score = record.get("risk_score")
    if not isinstance(score, int) or score > rules.max_score:
        return False
    return f"risk score {score} <= {rules.max_score}"


def _liquidity(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if rules.min_liquidity_usd is None:
        return None
    liquidity = _evidence(_data(record)).get("liquidity_usd")
    if not isinstance(liquidity, int | float) or liquidity < rules.min_liquidity_usd:
        return False
    return f"liquidity ${liquidity:,.0f} >= ${rules.min_liquidity_usd:,.0f}"


def _age(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if rules.max_age_minutes is None:
        return None
    minutes = age_minutes(_data(record), now)
    if minutes is None:
        return False
    return f"{minutes:.0f} minutes old" if 0 <= minutes <= rules.max_age_minutes else False


def age_minutes(data: Mapping[str, Any], now: datetime) -> float | None:
    """Minutes since the token's pool was created (its pair on DexScreener, else its pool), or None."""
    created = _moment((data.get("market") or {}).get("pair_created_at") or data.get("pool_created_at"))
    return None if created is None else (now - created).total_seconds() / 60


def _buys(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if rules.min_buys_h1 is None:
        return None
    buys = (((_data(record).get("market") or {}).get("txns") or {}).get("h1") or {}).get("buys")
    if not isinstance(buys, int) or buys < rules.min_buys_h1:
        return False
    return f"{buys} buys in the last hour"


def _named(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if rules.pattern is None:
        return None
    data = _data(record)
    for field_name in ("name", "symbol"):
        text = data.get(field_name)
        if isinstance(text, str) and pattern_matches(rules.pattern, text.lower()):
            return f"{field_name} {text!r} matches {rules.pattern!r}"
    return False


def _clean(rules: Rules, record: Mapping[str, Any], now: datetime) -> str | bool | None:
    if not rules.exclude_flags:
        return None
    data = _data(record)
    if any(EXCLUDABLE[flag](data) for flag in rules.exclude_flags):
        return False
    return f"none of: {', '.join(sorted(rules.exclude_flags))}"


_CHECKS: tuple[Check, ...] = (_chain, _level, _score, _liquidity, _age, _buys, _named, _clean)


def pattern_matches(pattern: str, text: str) -> bool:
    """A plain substring, or a glob (`*`, `?`) over the whole text when it has wildcards; case-insensitive."""
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(text, pattern)
    return pattern in text


def _moment(value: Any) -> datetime | None:
    """A timezone-aware datetime from an ISO text, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _choices(value: Any, name: str, allowed: tuple[str, ...]) -> frozenset[str]:
    """A list of known names (absent: any)."""
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RuleError(f"{name} must be a list of names")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RuleError(f"{name}: unknown {', '.join(unknown)[:200]}; allowed: {', '.join(allowed)}")
    return frozenset(value)


def _number(value: Any, name: str, low: float, high: float, whole: bool = False) -> Any:
    """A JSON number within [low, high] (an integer when `whole`), or None when absent."""
    if value is None:
        return None
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "an integer" if whole else "a number"
        raise RuleError(f"{name} must be {kind} between {low:g} and {high:g}")
    return value


def _pattern(value: Any) -> str | None:
    """A name pattern: a substring, or a glob with a few wildcards; bounded so matching stays cheap."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > PATTERN_MAX_CHARS:
        raise RuleError(f"pattern must be a text of 1 to {PATTERN_MAX_CHARS} characters")
    if sum(value.count(wildcard) for wildcard in "*?") > PATTERN_MAX_WILDCARDS:
        raise RuleError(f"pattern may hold at most {PATTERN_MAX_WILDCARDS} wildcards (* or ?)")
    return value.strip().lower()


def _boolean(value: Any, name: str) -> bool:
    """A JSON boolean (absent: false)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RuleError(f"{name} must be true or false")
    return value
