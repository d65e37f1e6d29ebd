"""Signals sent to Telegram chats through the Bot API's sendMessage, within its published limits.

Telegram allows a bot about 30 messages a second overall and 20 a minute in one group, so a chat gets one
message every 3 s at most and what waits for it meanwhile goes out together, in one message (up to 10
signals). A 429 is retried after the `retry_after` it names; a chat that is gone or blocked the bot is not.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from token_discovery.signals.outbox import DELIVERED, Delivery, Outcome

TEXT_MAX_CHARS = 4096  # sendMessage's limit
SECONDS_PER_CHAT = 3.0  # 20 messages a minute in a group
SECONDS_PER_MESSAGE = 1 / 30  # about 30 messages a second for a bot
REASONS_SHOWN = 3
MAX_RETRY_AFTER = 7 * 86400  # the longest wait a 429 may ask for that is believed (flood waits of hours are real)
VERDICT_MARK = {"safe": "🟢", "risky": "🔴", "unknown": "⚪"}


class TelegramChannel:
    """One message per chat at a time, batching what waits."""

    per_target = 1
    batch_size = 10
    spacing = SECONDS_PER_CHAT

    def __init__(self, base_url: str, bot_token: str, timeout: float) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{bot_token}/sendMessage"
        self._timeout = timeout
        self._session = requests.Session()
        self._pace = threading.Lock()
        self._last_sent = 0.0

    def fairness_key(self, delivery: Delivery) -> str:
        """Deliveries to one chat share its slot."""
        return delivery.target

    def send(self, batch: Sequence[Delivery]) -> Outcome:
        """One sendMessage with every signal of the batch; the bot token never appears in an error."""
        self._wait_turn()
        payload = {"chat_id": _chat_id(batch[0].target), "text": message_text([d.signal for d in batch]),
                   "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}  # fmt: skip
        try:
            response = self._session.post(self._url, json=payload, timeout=(3.0, self._timeout), allow_redirects=False)
        except requests.RequestException as error:
            return Outcome(False, f"Telegram unreachable ({type(error).__name__})", retryable=True)
        return _judged(response)

    def _wait_turn(self) -> None:
        """Keep to about 30 messages a second across every chat."""
        with self._pace:
            wait = self._last_sent + SECONDS_PER_MESSAGE - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_sent = time.monotonic()


def message_text(signals: Sequence[Mapping[str, Any]]) -> str:
    """The HTML message for one or more signals, cut to Telegram's length at a signal's boundary."""
    parts: list[str] = []
    for index, signal in enumerate(signals):
        part = signal_text(signal)
        rest = len(signals) - index
        if sum(len(p) + 2 for p in parts) + len(part) > TEXT_MAX_CHARS - 40:
            parts.append(f"… and {rest} more signal{'s' if rest > 1 else ''}")
            break
        parts.append(part)
    return "\n\n".join(parts)[:TEXT_MAX_CHARS]


def signal_text(signal: Mapping[str, Any]) -> str:
    """One signal in a few lines of Telegram HTML, every outside text escaped."""
    token = signal.get("token") or {}
    data = token.get("token_data") or {}
    market = data.get("market") or {}
    level = str(token.get("risk_level") or "unknown")
    name = _text(data.get("symbol") or "?", 24), _text(data.get("name") or "", 48), _text(token.get("token_chain"), 16)
    lines = [f"🔔 <b>{_text(signal.get('watcher_name'), 64)}</b>",
             f"<b>{name[0]}</b> {name[1]} · {name[2]}",
             f"{VERDICT_MARK.get(level, '⚪')} {_text(level, 8)} · score {_text(token.get('risk_score'), 6)}"
             + (f" · liquidity {_usd(market.get('liquidity_usd'))}" if market.get("liquidity_usd") is not None else ""),
             *(f"• {_text(why, 120)}" for why in list(signal.get("matched") or [])[:REASONS_SHOWN]),
             f"<code>{_text(token.get('token_address'), 64)}</code>"]  # fmt: skip
    page = (data.get("pages") or {}).get("dexscreener")
    if isinstance(page, str) and page.startswith("https://"):
        lines.append(f'<a href="{html.escape(page, quote=True)}">DexScreener</a>')
    return "\n".join(lines)


def _text(value: object, limit: int) -> str:
    """Outside text, cut and escaped for Telegram's HTML."""
    return html.escape(str("" if value is None else value)[:limit], quote=False)


def _usd(value: object) -> str:
    """A dollar amount, short."""
    if not isinstance(value, int | float):
        return "?"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            return f"${value / size:.1f}{suffix}"
    return f"${value:.0f}"


def _chat_id(target: str) -> int | str:
    """A chat id as Telegram wants it: the integer, or the @name."""
    return target if target.startswith("@") else int(target)


def _judged(response: requests.Response) -> Outcome:
    """sendMessage's answer as an outcome: ok, a 429 with its wait, a server failure, or a refusal for good."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 200 and body.get("ok") is True:
        return DELIVERED
    description = str(body.get("description") or f"HTTP {response.status_code}")[:200]
    if response.status_code == 429:
        parameters = body.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        known = isinstance(retry_after, int | float) and 0 <= retry_after <= MAX_RETRY_AFTER
        wait = float(retry_after) if known and retry_after is not None else 30.0  # older 429s say no wait: 30 s
        return Outcome(False, f"Telegram: {description}", retryable=True, retry_after=wait)
    return Outcome(False, f"Telegram: {description}", retryable=response.status_code >= 500)
