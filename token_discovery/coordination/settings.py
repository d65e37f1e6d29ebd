"""The service's settings, its clock, and the refusal of a scan the budget cannot pay for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from token_discovery.sources.budget import Quote


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class ScanRefused(Exception):
    """The upstream budget cannot pay for a new scan now."""

    def __init__(self, quote: Quote) -> None:
        super().__init__("upstream budget cannot pay for this scan now")
        self.quote = quote

    def answer(self) -> dict[str, Any]:
        """The refusal as a trigger answer."""
        quote = self.quote
        return {"success": False, "status": "refused", "error": str(self), "balance": round(quote.balance, 2),
                "required": quote.required, "deficit": round(quote.deficit, 2),
                "retry_after": round(quote.retry_after, 2), "route_class": quote.route_class}  # fmt: skip


@dataclass(frozen=True)
class ServiceSettings:
    """The knobs of the service, from Config."""

    default_max_tokens: int = 20
    auto_interval: int = 300
    min_interval: float = 30.0
    scan_deadline: float = 120.0
    capacity: int = 200
    goplus_batch: int = 20
