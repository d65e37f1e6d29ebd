"""Coercion of untrusted upstream values into typed ones; anything odd becomes None, never a guess."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from token_discovery.models import Link

NAME_MAX = 64
SYMBOL_MAX = 16
DESCRIPTION_MAX = 1000
URL_MAX = 2048

# Bidi overrides and isolates, and zero-width characters: used to disguise tickers and names.
_INVISIBLE = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))} | {
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u115f",  # Hangul fillers and the blank Braille pattern render as nothing: a name made of them looks empty
    "\u1160",
    "\u3164",
    "\uffa0",
    "\u2800",
}
_LINK_KIND = re.compile(r"^[a-z0-9_-]{1,32}$")
_EARLIEST_MS = 1_230_000_000_000  # 2008-12: nothing on-chain that we list predates it
_LATEST_MS = 4_102_444_800_000  # 2100-01-01


class Malformed(ValueError):
    """An upstream item lacks a required field or has the wrong type for it."""


def _keep_char(char: str, keep_newlines: bool) -> str:
    """Map one character to what we keep of it."""
    if char in _INVISIBLE:
        return ""
    if char == "\n" and keep_newlines:
        return char
    category = unicodedata.category(char)
    if category in {"Cs", "Co", "Cn"}:  # lone surrogates, private use, unassigned
        return ""
    if category in {"Cc", "Cf", "Zl", "Zp", "Zs"}:
        return " "
    return char


def clean_text(value: Any, max_len: int, keep_newlines: bool = False) -> str | None:
    """Strip control, bidi, zero-width and lone-surrogate characters; truncate; None if empty."""
    if not isinstance(value, str):
        return None
    cleaned = _trim_marks("".join(_keep_char(c, keep_newlines) for c in value[: max_len * 2]))
    cleaned = re.sub(r"[ \t]+", " ", cleaned).strip()[:max_len].strip()
    return cleaned or None


MAX_STACKED_MARKS = 3  # combining marks kept on one character: enough for any script, never a tower over the rows


def _trim_marks(text: str) -> str:
    """Drop combining marks past MAX_STACKED_MARKS in a row (the "zalgo" text that draws over its neighbours)."""
    kept, run = [], 0
    for char in text:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if run <= MAX_STACKED_MARKS:
            kept.append(char)
    return "".join(kept)


def safe_url(value: Any) -> str | None:
    """Keep an absolute http(s) URL with a host and no whitespace or control characters."""
    if not isinstance(value, str) or len(value) > URL_MAX:
        return None
    url = value.strip()
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def to_float(value: Any) -> float | None:
    """A finite number from a JSON number or a decimal string; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)  # an integer of hundreds of digits does not fit: OverflowError
        elif isinstance(value, str) and value.strip():
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    """An integer from a JSON number or a numeric string; None otherwise."""
    number = to_float(value)
    if number is None or not number.is_integer() or abs(number) > 2**63:
        return None
    return int(number)


def to_flag(value: Any) -> bool | None:
    """GoPlus booleans: "1"/1 is True, "0"/0 is False, anything else (or absent) unknown."""
    if isinstance(value, bool):
        return value
    if value in (1, "1"):
        return True
    if value in (0, "0"):
        return False
    return None


FRACTION_ROUNDING = 0.01  # GoPlus sums can land a hair over 1 ("1.000000000000000001"): that is 100%


def to_fraction(value: Any) -> float | None:
    """A share between 0 and 1 ("0.1" is 10%); a rounding excess is clamped, anything further is unknown."""
    number = to_float(value)
    if number is None or not 0.0 <= number <= 1.0 + FRACTION_ROUNDING:
        return None
    return min(number, 1.0)


def ms_to_datetime(value: Any) -> datetime | None:
    """A UTC datetime from epoch milliseconds, when plausible."""
    ms = to_int(value)
    if ms is None or not _EARLIEST_MS <= ms <= _LATEST_MS:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def seconds_to_datetime(value: Any) -> datetime | None:
    """A UTC datetime from epoch seconds, when plausible."""
    seconds = to_int(value)
    return None if seconds is None else ms_to_datetime(seconds * 1000)


def iso_to_datetime(value: Any) -> datetime | None:
    """A UTC datetime from an ISO 8601 string such as 2026-05-27T15:05:59Z."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def require_str(item: Mapping[str, Any], key: str, max_len: int = 128) -> str:
    """A required, non-empty, printable string field; Malformed otherwise."""
    value = item.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise Malformed(f"field {key!r} missing or not a string")
    if not value.isprintable():
        raise Malformed(f"field {key!r} holds unprintable characters")
    return value.strip()


def require_mapping(value: Any, what: str) -> Mapping[str, Any]:
    """A JSON object; Malformed otherwise."""
    if not isinstance(value, Mapping):
        raise Malformed(f"{what} is not an object")
    return value


MAX_LINKS = 12  # a token's own links kept: websites and socials, never a wall of them
MAX_LINK_ITEMS = 100  # entries looked at to find them


def _link_kind(item: Mapping[str, Any]) -> str:
    """The kind of a link: its type, else its label, else a website."""
    for key in ("type", "label"):
        raw = item.get(key)
        if isinstance(raw, str) and raw.strip():
            kind = raw.strip().lower()
            return kind if _LINK_KIND.match(kind) else "other"
    return "website"


def parse_links(items: Any) -> tuple[Link, ...]:
    """Links with their kind, at most MAX_LINKS of the first MAX_LINK_ITEMS entries; unsafe URLs are dropped."""
    if not isinstance(items, list):
        return ()
    links: list[Link] = []
    for item in items[:MAX_LINK_ITEMS]:  # a token listing 20,000 links is read no further than this
        if isinstance(item, Mapping) and (url := safe_url(item.get("url"))):
            label = clean_text(item.get("label"), 40)
            links.append(Link(kind=_link_kind(item), url=url, label=label))
            if len(links) == MAX_LINKS:
                break
    return tuple(links)


def merge_links(*groups: Iterable[Link]) -> tuple[Link, ...]:
    """Concatenate link groups, keeping the first link seen for each URL, at most MAX_LINKS in all."""
    seen: dict[str, Link] = {}
    for group in groups:
        for link in group:
            seen.setdefault(link.url, link)
    return tuple(seen.values())[:MAX_LINKS]
