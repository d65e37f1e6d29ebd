"""Pure risk analysis: values in, verdicts out; no I/O."""

from token_discovery.analysis.risk import RULES_VERSION, assess

__all__ = ["RULES_VERSION", "assess"]
