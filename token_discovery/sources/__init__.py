"""Clients of the upstream APIs: DexScreener, GeckoTerminal and GoPlus."""

from token_discovery.sources.base import (
    BadPayload,
    RateLimited,
    RequestRejected,
    SourceError,
    SourceUnavailable,
)
from token_discovery.sources.dexscreener import DexScreenerSource
from token_discovery.sources.geckoterminal import GeckoTerminalSource
from token_discovery.sources.goplus import GoPlusSecurity
from token_discovery.sources.http import HttpLimits, new_session

__all__ = [
    "BadPayload",
    "DexScreenerSource",
    "GeckoTerminalSource",
    "GoPlusSecurity",
    "HttpLimits",
    "RateLimited",
    "RequestRejected",
    "SourceError",
    "SourceUnavailable",
    "new_session",
]
