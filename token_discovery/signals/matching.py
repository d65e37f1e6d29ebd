"""Matching one token against every watcher, fast: the token's facts read once, the watchers bucketed by chain,
level and kind, and each candidate checked with plain comparisons; the reasons are written for matches only.

The result is always what `Rules.match` says for each watcher (a property test holds it to that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from token_discovery.signals.book import Watcher
from token_discovery.signals.rules import EXCLUDABLE, Rules, age_minutes, pattern_matches

ANY = "*"


@dataclass(frozen=True)
class Facts:
    """What the rules read of one token, read once."""

    chain: Any
    level: Any
    score: int | None
    liquidity: float | None
    age_minutes: float | None
    buys_h1: int | None
    names: tuple[str, ...]  # name and symbol, lower-cased
    flags: frozenset[str]  # the excludable flags the token is known to have
    texts: tuple[tuple[str, str], ...] = ()  # ("name" or "symbol", as written), for the reasons

    @classmethod
    def of(cls, record: Mapping[str, Any], now: datetime) -> Facts:
        """The facts of a stored token (a TokenRecord as JSON) at `now`."""
        data = record.get("token_data") if isinstance(record.get("token_data"), Mapping) else {}
        assert isinstance(data, Mapping)
        liquidity = ((data.get("analysis") or {}).get("evidence") or {}).get("liquidity_usd")
        buys = (((data.get("market") or {}).get("txns") or {}).get("h1") or {}).get("buys")
        score = record.get("risk_score")
        return cls(
            chain=record.get("token_chain"),
            level=record.get("risk_level"),
            score=score if isinstance(score, int) else None,
            liquidity=liquidity if isinstance(liquidity, int | float) else None,
            age_minutes=age_minutes(data, now),
            buys_h1=buys if isinstance(buys, int) else None,
            names=tuple(text.lower() for text in (data.get("name"), data.get("symbol")) if isinstance(text, str)),
            flags=frozenset(flag for flag, present in EXCLUDABLE.items() if present(data)),
            texts=tuple((key, text) for key in ("name", "symbol") if isinstance(text := data.get(key), str)),
        )


def passes(rules: Rules, facts: Facts) -> bool:
    """Whether a token's facts meet every rule (the chain, level and kind are settled by the index)."""
    if rules.max_score is not None and (facts.score is None or facts.score > rules.max_score):
        return False
    if rules.min_liquidity_usd is not None and (facts.liquidity is None or facts.liquidity < rules.min_liquidity_usd):
        return False
    if rules.max_age_minutes is not None and (
        facts.age_minutes is None or not 0 <= facts.age_minutes <= rules.max_age_minutes
    ):
        return False
    if rules.min_buys_h1 is not None and (facts.buys_h1 is None or facts.buys_h1 < rules.min_buys_h1):
        return False
    if rules.exclude_flags and not rules.exclude_flags.isdisjoint(facts.flags):
        return False
    return rules.pattern is None or any(pattern_matches(rules.pattern, name) for name in facts.names)


class WatcherIndex:
    """Every watcher, bucketed by (risk changed, chain or any, level or any)."""

    def __init__(self, watchers: Iterable[Watcher]) -> None:
        self.size = 0
        self._buckets: dict[tuple[bool, str, str], list[Watcher]] = {}
        for watcher in watchers:
            self.size += 1
            rules = watcher.rules
            for chain in rules.chains or (ANY,):
                for level in rules.levels or (ANY,):
                    self._buckets.setdefault((rules.risk_changed, chain, level), []).append(watcher)

    def match(
        self, record: Mapping[str, Any], now: datetime, level_changed: bool = False
    ) -> list[tuple[Watcher, list[str]]]:
        """Each watcher the token matches, with why, in no particular order."""
        facts = Facts.of(record, now)
        chain, level = str(facts.chain), str(facts.level)
        reasons, found = Reasons(facts, level_changed), []
        for key in {(level_changed, chain, level), (level_changed, chain, ANY), (level_changed, ANY, level),
                    (level_changed, ANY, ANY)}:  # fmt: skip
            for watcher in self._buckets.get(key, ()):
                if passes(watcher.rules, facts):
                    found.append((watcher, reasons.of(watcher.rules)))
        return found


class Reasons:
    """The lines saying why one token matches, each written once however many watchers use it; the same lines
    `Rules.match` writes (the property test holds them equal)."""

    def __init__(self, facts: Facts, level_changed: bool) -> None:
        self._facts, self._first = facts, ["its risk level changed"] if level_changed else []
        self._lines: dict[tuple[Any, ...], str] = {}

    def of(self, rules: Rules) -> list[str]:
        """The lines for a watcher whose rules the token passes."""
        facts, line = self._facts, self._line
        why = list(self._first)
        if rules.chains:
            why.append(line(("chain",), lambda: f"on {facts.chain}"))
        if rules.levels:
            why.append(line(("level",), lambda: f"verdict {facts.level}"))
        if rules.max_score is not None:
            why.append(line(("score", rules.max_score), lambda: f"risk score {facts.score} <= {rules.max_score}"))
        if rules.min_liquidity_usd is not None:
            floor = rules.min_liquidity_usd
            why.append(line(("liquidity", floor), lambda: f"liquidity ${facts.liquidity:,.0f} >= ${floor:,.0f}"))
        if rules.max_age_minutes is not None:
            why.append(line(("age",), lambda: f"{facts.age_minutes:.0f} minutes old"))
        if rules.min_buys_h1 is not None:
            why.append(line(("buys",), lambda: f"{facts.buys_h1} buys in the last hour"))
        if rules.pattern is not None:
            why.append(line(("pattern", rules.pattern), lambda: self._named(rules.pattern or "")))
        if rules.exclude_flags:
            why.append(line(("clean", rules.exclude_flags),
                            lambda: f"none of: {', '.join(sorted(rules.exclude_flags))}"))  # fmt: skip
        return why

    def _line(self, key: tuple[Any, ...], write: Callable[[], str]) -> str:
        """A line, written the first time it is asked for."""
        text = self._lines.get(key)
        if text is None:
            text = self._lines[key] = write()
        return text

    def _named(self, pattern: str) -> str:
        """Which of the name and the symbol the pattern matched, first."""
        for key, text in self._facts.texts:
            if pattern_matches(pattern, text.lower()):
                return f"{key} {text!r} matches {pattern!r}"
        return f"matches {pattern!r}"
