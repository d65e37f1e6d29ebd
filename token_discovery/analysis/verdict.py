"""The verdict on a token: its reasons, score and level (pure values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    """One finding of the risk analysis, readable by a person, with the evidence behind it."""

    code: str
    severity: str  # "critical", "high", "medium", "low", "info"
    points: int
    label: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """The verdict on a token: a 0-100 risk score, a level, the reasons, and the rules version."""

    score: int
    level: str  # "safe", "risky" or "unknown"
    mode: str  # "fraud" under 2 h of age, "market" after
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]
    rules_version: str

    @property
    def is_safe(self) -> bool:
        """True only for a verified safe verdict."""
        return self.level == "safe"
