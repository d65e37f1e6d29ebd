"""Untrusted upstream text and numbers are cleaned and typed before anything else sees them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from token_discovery.models import Candidate, Link
from token_discovery.scan.discovery import merge_sightings
from token_discovery.sources.chains import token_pages
from token_discovery.sources.parsing import (
    NAME_MAX,
    clean_text,
    parse_links,
    safe_url,
    to_flag,
    to_float,
    to_fraction,
)


def test_clean_text_strips_controls_bidi_and_zero_width() -> None:
    assert clean_text("Sa\u202efe\u200b Token\x00\x1b[31m", NAME_MAX) == "Safe Token [31m"
    assert clean_text("\u3164\u3164\u115f\uffa0\u2800", NAME_MAX) in (None, "")  # blank-looking fillers
    assert clean_text("   ", NAME_MAX) is None
    assert clean_text(123, NAME_MAX) is None


@given(st.text())
def test_clean_text_is_bounded_and_printable(value: str) -> None:
    cleaned = clean_text(value, NAME_MAX)
    assert cleaned is None or (0 < len(cleaned) <= NAME_MAX and cleaned.isprintable() and cleaned == cleaned.strip())


def test_only_http_links_survive() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url(" https://x.com/a ") == "https://x.com/a"
    links = parse_links([{"type": "twitter", "url": "javascript:alert(1)"}, {"label": "Docs", "url": "https://d.io"}])
    assert links == (Link("docs", "https://d.io", "Docs"),)


def test_numbers_and_flags() -> None:
    assert to_float("0.0007094") == 0.0007094
    assert to_float("nan") is None and to_float("") is None and to_float(True) is None
    assert (to_flag("1"), to_flag("0"), to_flag(None), to_flag("")) == (True, False, None, None)
    assert to_fraction("0.1") == 0.1 and to_fraction("-1") is None


def test_a_share_a_hair_over_one_is_clamped_and_a_wild_one_is_unknown() -> None:
    assert to_fraction("1.000000000000000001") == 1.0 and to_fraction("1.004") == 1.0
    assert to_fraction("1769801.017821791962924900") is None and to_fraction("1.5") is None


def test_sightings_of_one_token_merge_with_every_source() -> None:
    profile = Candidate(
        "base", "0xa", "dexscreener.token_profiles", name=None, links=(Link("twitter", "https://x.com/a"),)
    )
    pool = Candidate("base", "0xa", "geckoterminal.new_pools", name="Alpha", pool_address="0xp")
    other = Candidate("bsc", "0xa", "geckoterminal.new_pools")
    merged = merge_sightings([profile, pool, other, profile])
    assert [m.key for m in merged] == [("base", "0xa"), ("bsc", "0xa")]
    first = merged[0]
    assert first.sources == ("dexscreener.token_profiles", "geckoterminal.new_pools")
    assert (first.candidate.name, first.candidate.pool_address) == ("Alpha", "0xp")
    assert first.candidate.links == (Link("twitter", "https://x.com/a"),)


def test_token_pages_are_built_only_from_a_known_chain_and_a_well_formed_address() -> None:
    evm = "0x" + "ab" * 20
    assert token_pages("base", evm) == {
        "dexscreener": f"https://dexscreener.com/base/{evm}",
        "explorer": f"https://basescan.org/token/{evm}",
    }
    mint = "So11111111111111111111111111111111111111112"
    assert token_pages("solana", mint)["explorer"] == f"https://solscan.io/token/{mint}"
    assert token_pages("base", "javascript:alert(1)") == {}
    assert token_pages("base", evm + "/../../evil") == {}
    assert token_pages("tron", evm) == {}
    assert token_pages("base", evm + "\n") == {}


def test_a_token_with_twenty_thousand_links_keeps_a_dozen_and_its_feed_the_rest() -> None:
    import json

    from token_discovery.sources.dexscreener import parse_profile
    from token_discovery.sources.parsing import MAX_LINKS

    wall = [{"type": "twitter", "url": f"https://x.com/spam{n}"} for n in range(20_000)]
    feed = [
        {
            "chainId": "solana",
            "tokenAddress": f"{n}" * 3 + "4YdXErexBTy89NpxKvp2EaybBh3kUZxLqkpump"[3:],
            "links": wall if n == 1 else [{"type": "website", "url": "https://example.org"}],
        }
        for n in range(1, 4)
    ]
    assert len(json.dumps(feed)) > 700_000  # one item carries most of the feed
    candidates = [parse_profile(item) for item in feed]
    assert all(c is not None for c in candidates)  # the feed's other tokens are still discovered
    assert len(candidates[0].links) == MAX_LINKS and [len(c.links) for c in candidates[1:]] == [1, 1]


def test_towers_of_combining_marks_are_cut_and_real_accents_kept() -> None:
    zalgo = "Z" + "\u0301\u0302\u0303\u0304" * 25 + "ALGO"
    assert clean_text(zalgo, 100) == "Z\u0301\u0302\u0303ALGO"
    vietnamese = "Vie\u0323\u0302t Nam"  # two stacked marks: a real word
    assert clean_text(vietnamese, 100) == vietnamese
