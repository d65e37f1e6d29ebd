"""One serializer: the token_data document and the TokenRecord JSON fed to REST, Socket.IO and stores."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from token_discovery.analysis.evidence import Evidence
from token_discovery.analysis.verdict import Assessment
from token_discovery.models import Candidate, Discovered, Link, MarketData, SecurityReport, TokenRecord
from token_discovery.sources.chains import token_pages

SECURITY_KEEP = (
    "indexed", "flags", "buy_tax", "sell_tax", "transfer_tax", "holder_count", "lp_holder_count",
    "owner_address", "owner_percent", "creator_address", "creator_percent", "creator_honeypots",
)  # fmt: skip


def iso(moment: datetime | None) -> str | None:
    """An ISO-8601 timestamp, or None."""
    return None if moment is None else moment.isoformat()


def _links(links: tuple[Link, ...]) -> list[dict[str, Any]]:
    """Links as JSON objects."""
    return [{"kind": link.kind, "url": link.url, "label": link.label} for link in links]


def market_json(market: MarketData | None) -> dict[str, Any] | None:
    """Market data as JSON."""
    if market is None:
        return None
    data = dataclasses.asdict(market)
    data["pair_created_at"] = iso(market.pair_created_at)
    data["links"] = _links(market.links)
    data["labels"] = list(market.labels)
    return data


def security_json(security: SecurityReport | None) -> dict[str, Any] | None:
    """The security facts the analysis used, as JSON (the raw upstream answer is left out)."""
    if security is None:
        return None
    data = {key: getattr(security, key) for key in SECURITY_KEEP}
    data["flags"] = dict(security.flags)
    data["top_holders"] = [dataclasses.asdict(h) for h in security.holders[:10]]
    data["lp_holders"] = [dataclasses.asdict(h) for h in security.lp_holders[:10]]
    return data


def assessment_json(assessment: Assessment, evidence: Evidence | None = None) -> dict[str, Any]:
    """The verdict as JSON, most serious reason first, with the evidence it was computed from."""
    return {
        "evidence": None if evidence is None else evidence.to_json(),
        "mode": assessment.mode,
        "score": assessment.score,
        "level": assessment.level,
        "rules_version": assessment.rules_version,
        "missing": list(assessment.missing),
        "reasons": [dataclasses.asdict(reason) for reason in assessment.reasons],
    }


def token_data(
    found: Discovered,
    market: MarketData | None,
    security: SecurityReport | None,
    assessment: Assessment,
    evidence: Evidence | None = None,
) -> dict[str, Any]:
    """Everything known of a token, as stored in the record's token_data."""
    candidate = found.candidate
    return {
        "address": candidate.address,
        "chain": candidate.chain,
        "name": candidate.name or (market.name if market else None),
        "symbol": candidate.symbol or (market.symbol if market else None),
        "description": candidate.description,
        "icon": candidate.icon or (market.image_url if market else None),
        "links": _links(candidate.links or (market.links if market else ())),
        "pool_address": candidate.pool_address or (market.pair_address if market else None),
        "pool_created_at": iso(candidate.pool_created_at or (market.pair_created_at if market else None)),
        "boost_amount": candidate.boost_amount,
        "sources": list(found.sources),
        "launch": launch_json(candidate),
        "market": market_json(market),
        "security": security_json(security),
        "analysis": assessment_json(assessment, evidence),
    }


def launch_json(candidate: Candidate) -> dict[str, Any] | None:
    """What the pump.fun stream said of the token's launch, or None for a token not seen there."""
    if candidate.curve is None:
        return None
    return {**candidate.curve.to_json(), "creator_launches_24h": candidate.creator_launches}


def record_json(record: TokenRecord) -> dict[str, Any]:
    """The TokenRecord of the contract: what REST answers and Socket.IO pushes."""
    return {
        "id": record.seq,
        "seq": record.seq,
        "token_address": record.address,
        "token_chain": record.chain,
        "token_data": {**record.data, "pages": token_pages(record.chain, record.address)},
        "risk_score": record.risk_score,
        "risk_level": record.risk_level,
        "is_safe": record.is_safe,
        "scanned_at": iso(record.scanned_at),
    }


class EncodedRecord(dict[str, Any]):
    """A record that carries its own JSON text, made once; a packet puts that text in as it is."""

    __slots__ = ("json_text",)

    def __init__(self, record: dict[str, Any], json_text: str) -> None:
        super().__init__(record)
        self.json_text = json_text

    def __reduce__(self) -> Any:
        """Pickled (through a message queue) as the plain record it is."""
        return (dict, (dict(self),))
