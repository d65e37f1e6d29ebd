"""Matching one token against every watcher, fast: the token's facts read once; the watchers bucketed by chain,
level and kind, and in each bucket indexed by rule, so the ones a token fails come out in bulk (a bisection in
the watchers sorted by each numeric rule, a lookup by flag and by pattern) with no loop over watchers in Python;
the reasons are written once for each shape of rules that matched.

The result is always what `Rules.match` says for each watcher (a property test holds it to that).
"""

from __future__ import annotations

import bisect
import functools
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


@dataclass(frozen=True)
class Limit:
    """A numeric rule: the rule's field, the fact it bounds, and whether it is a ceiling or a floor."""

    rule: str
    fact: str
    ceiling: bool

    def failing(self, values: list[float], slots: list[int], fact: float | None) -> list[int]:
        """Of the watchers using this rule (sorted by its value), those a token with this fact fails."""
        if fact is None or (self.fact == "age_minutes" and fact < 0):  # no evidence, or a pool not yet made
            return slots
        if self.ceiling:  # fails where the ceiling is below the fact
            return slots[: bisect.bisect_left(values, fact)]
        return slots[bisect.bisect_right(values, fact) :]  # fails where the floor is above it


LIMITS = (Limit("max_score", "score", True), Limit("min_liquidity_usd", "liquidity", False),
          Limit("max_age_minutes", "age_minutes", True), Limit("min_buys_h1", "buys_h1", False))  # fmt: skip


class Bucket:
    """The watchers of one (risk changed, chain, level) key, indexed by each rule they use: the ones a token
    fails are found by bisection and lookups, in bulk, instead of by a check of each watcher."""

    def __init__(self) -> None:
        self.slots: list[int] = []
        self._pairs: list[list[tuple[float, int]]] = [[] for _ in LIMITS]
        self._sorted: list[tuple[Limit, list[float], list[int]]] = []
        self.patterns: dict[str, list[int]] = {}
        self.flags: dict[str, list[int]] = {}

    def add(self, slot: int, rules: Rules) -> None:
        """Index one watcher's rules."""
        self.slots.append(slot)
        for limit, pairs in zip(LIMITS, self._pairs, strict=True):
            value = getattr(rules, limit.rule)
            if value is not None:
                pairs.append((value, slot))
        if rules.pattern is not None:
            self.patterns.setdefault(rules.pattern, []).append(slot)
        for flag in rules.exclude_flags:
            self.flags.setdefault(flag, []).append(slot)

    def seal(self) -> None:
        """Sort each numeric rule's watchers by its value, once every watcher is in."""
        for limit, pairs in zip(LIMITS, self._pairs, strict=True):
            if pairs:
                pairs.sort()
                self._sorted.append((limit, [value for value, _ in pairs], [slot for _, slot in pairs]))
        self._pairs = []

    def passing(self, facts: Facts, named: Callable[[str], bool]) -> set[int]:
        """The slots of the watchers whose rules the token's facts meet."""
        left = set(self.slots)
        for limit, values, slots in self._sorted:
            left.difference_update(limit.failing(values, slots, getattr(facts, limit.fact)))
        for flag in facts.flags:
            left.difference_update(self.flags.get(flag, ()))
        for pattern, slots in self.patterns.items():
            if not named(pattern):
                left.difference_update(slots)
        return left


LineKey = tuple[Any, ...]  # what one line of reasons says, besides the token: ("liquidity", 5000.0)


def line_keys(rules: Rules) -> tuple[LineKey, ...]:
    """The lines a match of these rules is explained with, in order: watchers with the same keys share lines."""
    keys: list[LineKey] = []
    if rules.chains:
        keys.append(("chain",))
    if rules.levels:
        keys.append(("level",))
    if rules.max_score is not None:
        keys.append(("score", rules.max_score))
    if rules.min_liquidity_usd is not None:
        keys.append(("liquidity", rules.min_liquidity_usd))
    if rules.max_age_minutes is not None:
        keys.append(("age",))
    if rules.min_buys_h1 is not None:
        keys.append(("buys",))
    if rules.pattern is not None:
        keys.append(("pattern", rules.pattern))
    if rules.exclude_flags:
        keys.append(("clean", ", ".join(sorted(rules.exclude_flags))))
    return tuple(keys)


class WatcherIndex:
    """Every watcher, bucketed by (risk changed, chain or any, level or any), each bucket indexed by rule."""

    def __init__(self, watchers: Iterable[Watcher]) -> None:
        self._watchers: list[Watcher] = []
        self._shapes: list[int] = []  # each watcher's shape: the lines its matches are explained with
        self._shape_lines: list[tuple[int, ...]] = []  # each shape's lines, as numbers into _line_keys
        self._line_keys: list[LineKey] = []
        self._buckets: dict[tuple[bool, str, str], Bucket] = {}
        shapes: dict[tuple[LineKey, ...], int] = {}
        numbers: dict[LineKey, int] = {}
        for slot, watcher in enumerate(watchers):
            rules = watcher.rules
            self._watchers.append(watcher)
            self._shapes.append(self._shape(shapes, numbers, line_keys(rules)))
            for chain in rules.chains or (ANY,):
                for level in rules.levels or (ANY,):
                    self._bucket((rules.risk_changed, chain, level)).add(slot, rules)
        for bucket in self._buckets.values():
            bucket.seal()
        self.size = len(self._watchers)

    def _bucket(self, key: tuple[bool, str, str]) -> Bucket:
        """The bucket of a key, made the first time."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket()
        return bucket

    def _shape(
        self, shapes: dict[tuple[LineKey, ...], int], numbers: dict[LineKey, int], keys: tuple[LineKey, ...]
    ) -> int:
        """The number of a shape of lines (and of each of its lines), made the first time it is seen."""
        shape = shapes.get(keys)
        if shape is None:
            for key in keys:
                if key not in numbers:
                    numbers[key] = len(self._line_keys)
                    self._line_keys.append(key)
            shape = shapes[keys] = len(self._shape_lines)
            self._shape_lines.append(tuple(numbers[key] for key in keys))
        return shape

    def match(
        self, record: Mapping[str, Any], now: datetime, level_changed: bool = False
    ) -> list[tuple[Watcher, list[str]]]:
        """Each watcher the token matches, with why (a list shared by the watchers of one shape: read only), in
        no particular order."""
        facts = Facts.of(record, now)
        chain, level = str(facts.chain), str(facts.level)
        named = functools.cache(lambda pattern: any(pattern_matches(pattern, name) for name in facts.names))
        reasons = Reasons(facts, level_changed, self._line_keys)
        lines: list[list[str] | None] = [None] * len(self._shape_lines)
        found: list[tuple[Watcher, list[str]]] = []
        for key in {(level_changed, chain, level), (level_changed, chain, ANY), (level_changed, ANY, level),
                    (level_changed, ANY, ANY)}:  # fmt: skip
            bucket = self._buckets.get(key)
            for slot in bucket.passing(facts, named) if bucket is not None else ():
                shape = self._shapes[slot]
                why = lines[shape]
                if why is None:
                    why = lines[shape] = reasons.of(self._shape_lines[shape])
                found.append((self._watchers[slot], why))
        return found


class Reasons:
    """The lines saying why one token matches, each written once however many watchers use it; the same lines
    `Rules.match` writes (the property test holds them equal)."""

    def __init__(self, facts: Facts, level_changed: bool, keys: list[LineKey]) -> None:
        self._facts, self._keys = facts, keys
        self._first = ["its risk level changed"] if level_changed else []
        self._lines: list[str | None] = [None] * len(keys)

    def of(self, numbers: tuple[int, ...]) -> list[str]:
        """The lines of a shape, by the numbers of its line keys."""
        why, lines = list(self._first), self._lines
        for number in numbers:
            text = lines[number]
            if text is None:
                text = lines[number] = self._write(self._keys[number])
            why.append(text)
        return why

    def _write(self, key: LineKey) -> str:
        """One line about this token."""
        return LINE_WRITERS[key[0]](self._facts, key[1] if len(key) > 1 else None)


def named(facts: Facts, pattern: str) -> str:
    """Which of the name and the symbol the pattern matched, first."""
    for key, text in facts.texts:
        if pattern_matches(pattern, text.lower()):
            return f"{key} {text!r} matches {pattern!r}"
    return f"matches {pattern!r}"


LINE_WRITERS: dict[str, Callable[[Facts, Any], str]] = {  # by the first item of a LineKey; the second is its value
    "chain": lambda facts, _: f"on {facts.chain}",
    "level": lambda facts, _: f"verdict {facts.level}",
    "score": lambda facts, ceiling: f"risk score {facts.score} <= {ceiling}",
    "liquidity": lambda facts, floor: f"liquidity ${facts.liquidity:,.0f} >= ${floor:,.0f}",
    "age": lambda facts, _: f"{facts.age_minutes:.0f} minutes old",
    "buys": lambda facts, _: f"{facts.buys_h1} buys in the last hour",
    "pattern": named,
    "clean": lambda facts, flags: f"none of: {flags}",
}
