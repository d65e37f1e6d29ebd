"""A named discovery feed, and the shared loop that parses feed items one by one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from token_discovery.models import Batch, Candidate
from token_discovery.sources.parsing import Malformed

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Feed:
    """A discovery feed: its route name and the call that fetches it."""

    name: str
    fetch: Callable[[], Batch[Candidate]]


def parse_each(route: str, items: Iterable[Any], parse: Callable[[Any], T | None]) -> Batch[T]:
    """Parse items independently: a malformed one is skipped and counted, never fatal."""
    parsed: list[T] = []
    skipped = 0
    for item in items:
        try:
            value = parse(item)
        except (Malformed, TypeError, ValueError, AttributeError) as exc:
            log.debug("%s: skipped malformed item: %r", route, exc)
            value = None
        if value is None:
            skipped += 1
        else:
            parsed.append(value)
    if skipped:
        log.info("%s: skipped %d of %d items", route, skipped, skipped + len(parsed))
    return Batch(tuple(parsed), skipped)
