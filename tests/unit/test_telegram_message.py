"""Telegram messages of signals: every outside text escaped, within the Bot API's length, as its parser wants."""

from __future__ import annotations

from typing import Any

from token_discovery.signals.telegram import TEXT_MAX_CHARS, message_text, signal_text
from token_discovery.simulator.telegram import html_problem

HOSTILE = '<a href="javascript:x">&amp;</b><script>'


def signal(name: str = "PEPE", reasons: list[str] | None = None) -> dict[str, Any]:
    return {"watcher_name": HOSTILE, "matched": reasons or ["verdict risky", HOSTILE],
            "token": {"token_chain": "solana", "token_address": "So1<>", "risk_level": "risky", "risk_score": 80,
                      "token_data": {"symbol": name, "name": HOSTILE,
                                     "market": {"liquidity_usd": 12_345.0},
                                     "pages": {"dexscreener": 'https://dexscreener.com/solana/x"y'}}}}  # fmt: skip


def test_a_signal_reads_well_and_every_outside_text_is_escaped() -> None:
    text = signal_text(signal())
    assert html_problem(text) == "" and "<script>" not in text and "&lt;script&gt;" in text
    assert "🔴 risky · score 80 · liquidity $12.3K" in text and "• verdict risky" in text
    assert 'href="https://dexscreener.com/solana/x&quot;y"' in text


def test_a_page_that_is_not_https_is_left_out() -> None:
    bad = signal()
    bad["token"]["token_data"]["pages"] = {"dexscreener": "javascript:alert(1)"}
    assert "<a href" not in signal_text(bad) and "DexScreener" not in signal_text(bad)


def test_many_signals_fit_one_message_cut_at_a_signal_and_say_how_many_more() -> None:
    batch = [signal(f"T{n}", ["x" * 119] * 3) for n in range(60)]
    text = message_text(batch)
    assert len(text) <= TEXT_MAX_CHARS and html_problem(text) == ""
    shown = text.count("🔔")
    assert 0 < shown < 60 and text.endswith(f"… and {60 - shown} more signals")


def test_the_simulated_parser_refuses_what_telegram_refuses() -> None:
    assert html_problem("<b>bold") and html_problem("a < b") and html_problem("<div>x</div>")
    assert html_problem("fish & chips") and not html_problem("fish &amp; chips <i>ok</i>")
