"""The Telegram Bot API's sendMessage, as a bot sees it: its answers, its errors, its flood limits, and the
HTML it accepts; every message kept so tests and the demo can read what a chat received.

Limits as Telegram publishes them for bots: about 30 messages a second overall, and 20 a minute in a group
(applied here to every chat, the strictest case).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from typing import Any

from token_discovery.simulator.answers import telegram_limited
from token_discovery.simulator.handlers import Answer
from token_discovery.simulator.limits import SlidingWindowLimiter

TOKEN_SHAPE = re.compile(r"\d{3,12}:[A-Za-z0-9_-]{20,64}")
TEXT_MAX_CHARS = 4096
MESSAGES_KEPT = 1000
PER_SECOND = 30
PER_CHAT_PER_MINUTE = 20
UNKNOWN_CHATS = frozenset({"@nosuchchat", "-1000000000404"})  # answered "chat not found"
BLOCKING_CHATS = frozenset({"403"})  # a user who blocked the bot
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                       "tg-spoiler", "span", "blockquote", "tg-emoji"})  # fmt: skip


def _error(status: int, description: str) -> Answer:
    """A Bot API error: ok false, the code and the description."""
    return Answer(status, {"ok": False, "error_code": status, "description": description})


class TelegramBot:
    """The simulated Bot API behind one or more bot tokens."""

    def __init__(self, clock: Callable[[], float], rate_scale: float = 1.0) -> None:
        self._clock, self._scale = clock, rate_scale
        self._lock = threading.Lock()
        self.messages: deque[dict[str, Any]] = deque(maxlen=MESSAGES_KEPT)
        self._next_id = 1
        self._overall = SlidingWindowLimiter(PER_SECOND, 1.0 / rate_scale, clock)
        self._chats: dict[str, SlidingWindowLimiter] = {}

    def send_message(self, token: str, body: Any) -> Answer:
        """POST /bot<token>/sendMessage with a JSON body."""
        if not TOKEN_SHAPE.fullmatch(token):
            return _error(401, "Unauthorized")
        refused = _refusal(body)
        if refused is not None:
            return refused
        chat = str(body["chat_id"])
        if chat in UNKNOWN_CHATS:
            return _error(400, "Bad Request: chat not found")
        if chat in BLOCKING_CHATS:
            return _error(403, "Forbidden: bot was blocked by the user")
        limited = self._flood(chat)
        if limited is not None:
            return limited
        return Answer(200, {"ok": True, "result": self._keep(token, body)})

    def reset(self) -> None:
        """No message, fresh limits."""
        with self._lock:
            self.messages.clear()
            self._chats.clear()
            self._overall = SlidingWindowLimiter(PER_SECOND, 1.0 / self._scale, self._clock)

    def _flood(self, chat: str) -> Answer | None:
        """A 429 when the bot is over its overall or this chat's limit."""
        with self._lock:
            limiter = self._chats.setdefault(chat, SlidingWindowLimiter(PER_CHAT_PER_MINUTE, 60.0 / self._scale,
                                                                        self._clock))  # fmt: skip
        for admission in (self._overall.admit(), limiter.admit()):
            if not admission.admitted:
                return telegram_limited(admission.retry_after)
        return None

    def _keep(self, token: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The sent Message, kept."""
        with self._lock:
            message_id, self._next_id = self._next_id, self._next_id + 1
            chat_id, private = body["chat_id"], isinstance(body["chat_id"], int) and body["chat_id"] > 0
            chat = {"id": chat_id, "first_name": "Trader", "username": f"trader{chat_id}", "type": "private"} \
                if private else {"id": chat_id, "title": "Signals", "type": "channel"}  # fmt: skip
            message = {"message_id": message_id, "from": {"id": int(token.split(":")[0]), "is_bot": True,
                                                          "first_name": "Token Discovery", "username": "td_sim_bot"},
                       "chat": chat, "date": int(self._clock()), **_content(body)}  # fmt: skip
            self.messages.append({**message, "sent_text": body["text"], "parse_mode": body.get("parse_mode")})
        return message


def _content(body: Mapping[str, Any]) -> dict[str, Any]:
    """The text as Telegram keeps it: HTML parsed into plain text and entities."""
    if body.get("parse_mode") != "HTML":
        return {"text": body["text"]}
    reader = parsed(body["text"])
    return {"text": reader.text, **({"entities": reader.entities} if reader.entities else {})}


def _refusal(body: Any) -> Answer | None:
    """The Bot API's 400 for a body it cannot send, else None."""
    if not isinstance(body, Mapping):
        return _error(400, "Bad Request: invalid request body")
    chat = body.get("chat_id")
    if chat is None or chat == "" or isinstance(chat, bool) or not isinstance(chat, int | str):
        return _error(400, "Bad Request: chat_id is empty")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "Bad Request: message text is empty")
    if len(text) > TEXT_MAX_CHARS:
        return _error(400, "Bad Request: message is too long")
    if body.get("parse_mode") == "HTML":
        problem = html_problem(text)
        if problem:
            return _error(400, f"Bad Request: can't parse entities: {problem}")
    return None


ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
                "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
                "a": "text_link", "tg-spoiler": "spoiler", "blockquote": "blockquote", "span": "spoiler",
                "tg-emoji": "custom_emoji"}  # fmt: skip


class _Parsed(HTMLParser):
    """Telegram HTML read as the Bot API does: the text without its markup, the entities (offsets in UTF-16 code
    units), or the first problem, worded as Telegram words it."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source, self._starts = source, [0]
        for line in source.splitlines(keepends=True):
            self._starts.append(self._starts[-1] + len(line))
        self.text, self.problem = "", ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """An opening tag must be a supported one."""
        if tag not in HTML_TAGS:
            self.problem = self.problem or f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
        self._open.append((tag, _utf16_length(self.text), dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        """A closing tag must close the last one opened; it makes an entity."""
        if not self._open or self._open[-1][0] != tag:
            self.problem = self.problem or f'Can\'t find end tag corresponding to start tag "{tag}"'
            return
        _, start, url = self._open.pop()
        length = _utf16_length(self.text) - start
        if length and tag in ENTITY_TYPES:
            entity: dict[str, Any] = {"type": ENTITY_TYPES[tag], "offset": start, "length": length}
            self.entities.append({**entity, "url": url} if tag == "a" and url else entity)

    def handle_data(self, data: str) -> None:
        """Text between tags, entities already decoded."""
        self.text += data

    def _byte_offset(self) -> int:
        """Where the tag being read starts, in UTF-8 bytes of the message."""
        line, column = self.getpos()
        return len(self._source[: self._starts[line - 1] + column].encode())


def _utf16_length(text: str) -> int:
    """A text's length as Telegram counts offsets: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parsed(text: str) -> _Parsed:
    """An HTML message parsed."""
    reader = _Parsed(text)
    reader.feed(text)
    reader.close()
    if not reader.problem and reader._open:
        reader.problem = f'Can\'t find end tag corresponding to start tag "{reader._open[-1][0]}"'
    return reader


def html_problem(text: str) -> str:
    """What Telegram would object to in an HTML message ("" when nothing): an unknown tag, an unclosed one,
    or a bare `<` or `&` that is not an entity."""
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return 'Unescaped "<" or "&"'
    return parsed(text).problem
