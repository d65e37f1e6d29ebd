"""Discovery: read every feed once, then merge sightings of the same token (pure merge, thin I/O)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from token_discovery.models import Candidate, Discovered
from token_discovery.sources.base import DiscoveryFeed, SourceError
from token_discovery.sources.parsing import merge_links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed gave: its candidates, how many items were malformed, or the error it raised."""

    feed: str
    candidates: tuple[Candidate, ...] = ()
    skipped: int = 0
    error: SourceError | None = None


def read_feed(feed: DiscoveryFeed) -> FeedOutcome:
    """One call to one feed; an upstream failure is reported, never raised."""
    try:
        batch = feed.fetch()
    except SourceError as error:
        log.warning("discovery feed %s failed: %s", feed.name, error)
        return FeedOutcome(feed.name, error=error)
    return FeedOutcome(feed.name, batch.items, batch.skipped)


def _merge_pair(first: Candidate, later: Candidate) -> Candidate:
    """Fill what the first sighting lacks from a later one; links are united."""
    filled = {
        field.name: getattr(later, field.name)
        for field in dataclasses.fields(Candidate)
        if getattr(first, field.name) is None and getattr(later, field.name) is not None
    }
    return dataclasses.replace(first, **filled, links=merge_links(first.links, later.links))


def merge_sightings(candidates: Iterable[Candidate]) -> list[Discovered]:
    """Dedupe by (chain, address), keeping first-seen order and every source that saw the token."""
    merged: dict[tuple[str, str], Candidate] = {}
    sources: dict[tuple[str, str], list[str]] = {}
    for candidate in candidates:
        key = candidate.key
        merged[key] = _merge_pair(merged[key], candidate) if key in merged else candidate
        seen = sources.setdefault(key, [])
        if candidate.source not in seen:
            seen.append(candidate.source)
    return [Discovered(merged[key], tuple(sources[key])) for key in merged]


def interleave(outcomes: Sequence[FeedOutcome]) -> list[Candidate]:
    """Round-robin over the feeds, so a cap on the scan size takes the newest of each feed."""
    columns = [outcome.candidates for outcome in outcomes]
    depth = max((len(column) for column in columns), default=0)
    return [column[row] for row in range(depth) for column in columns if row < len(column)]


def discover(feeds: Sequence[DiscoveryFeed]) -> tuple[list[Discovered], list[FeedOutcome]]:
    """Read every feed once and merge what they saw."""
    outcomes = [read_feed(feed) for feed in feeds]
    return merge_sightings(interleave(outcomes)), outcomes
