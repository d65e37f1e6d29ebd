"""The pure risk analysis; the code lives in token_discovery/analysis/."""

from token_discovery.analysis import RULES_VERSION, assess

__all__ = ["RULES_VERSION", "assess"]
