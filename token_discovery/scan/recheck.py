"""Stored tokens whose evidence was incomplete, turned back into scan candidates (pure)."""

from __future__ import annotations

from datetime import datetime

from token_discovery.models import Candidate, Discovered, Link, TokenRecord

RECHECK_SOURCE = "recheck"


def _when(value: object) -> datetime | None:
    """A stored ISO timestamp."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def candidate_from_record(record: TokenRecord) -> Discovered:
    """What the feeds said of a stored token, so it can go through the pipeline again."""
    data = record.data
    links = tuple(
        Link(str(link.get("kind")), str(link.get("url")), link.get("label"))
        for link in data.get("links") or []
        if isinstance(link, dict) and link.get("url")
    )
    candidate = Candidate(
        chain=record.chain,
        address=record.address,
        source=RECHECK_SOURCE,
        name=data.get("name"),
        symbol=data.get("symbol"),
        description=data.get("description"),
        links=links,
        icon=data.get("icon"),
        pool_address=data.get("pool_address"),
        pool_created_at=_when(data.get("pool_created_at")),
        boost_amount=data.get("boost_amount"),
    )
    sources = tuple(data.get("sources") or ()) or (RECHECK_SOURCE,)
    return Discovered(candidate, sources)
