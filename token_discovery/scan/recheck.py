"""Stored tokens whose evidence was incomplete, turned back into scan candidates (pure)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from token_discovery.models import BondingCurve, Candidate, Discovered, Link, TokenRecord

RECHECK_SOURCE = "recheck"


def _when(value: object) -> datetime | None:
    """A stored ISO timestamp."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def curve_from_json(launch: object) -> BondingCurve | None:
    """A stored launch (token_data["launch"]) read back, or None."""
    if not isinstance(launch, dict):
        return None
    names = {field.name for field in dataclasses.fields(BondingCurve)}
    return BondingCurve(**{key: value for key, value in launch.items() if key in names})


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
        curve=curve_from_json(data.get("launch")),
        creator_launches=(data.get("launch") or {}).get("creator_launches_24h"),
    )
    sources = tuple(data.get("sources") or ()) or (RECHECK_SOURCE,)
    return Discovered(candidate, sources)


def with_launch(found: Discovered, record: TokenRecord) -> Discovered:
    """A polled token with the launch facts its stored record kept from the pump.fun stream."""
    launch = record.data.get("launch") or {}
    candidate = dataclasses.replace(found.candidate, curve=curve_from_json(launch),
                                    creator_launches=launch.get("creator_launches_24h"))  # fmt: skip
    return Discovered(candidate, found.sources)
