"""Pure risk analysis: evidence in, verdicts out; no I/O."""

from token_discovery.analysis.evidence import Evidence, gather
from token_discovery.analysis.policy import DEFAULT_POLICY, Policy
from token_discovery.analysis.risk import assess, evaluate
from token_discovery.analysis.rules import RULES, RULES_VERSION

__all__ = ["DEFAULT_POLICY", "RULES", "RULES_VERSION", "Evidence", "Policy", "assess", "evaluate", "gather"]
