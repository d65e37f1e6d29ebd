"""Each user's watchers: made, read, changed and deleted under an owner key, which the store never holds.

A key is random, returned once when it is made, and kept only as its SHA-256. A watcher that belongs to
another key is answered exactly as one that does not exist: nobody can learn that it does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from token_discovery.signals.rules import RuleError, Rules
from token_discovery.signals.targets import telegram_chat, webhook_url
from token_discovery.sources.parsing import clean_text
from token_discovery.store.base import TokenStore

NAME_MAX_CHARS = 64
KEY_FORMAT = re.compile(r"[A-Za-z0-9_-]{32,64}")  # what an owner key looks like (token_urlsafe(24) makes 32)
FIELDS = ("name", "rules", "webhook_url", "telegram_chat_id")


class NotFound(LookupError):
    """No watcher of this key has that id (it may exist under another key: that is not said)."""


class TooMany(RuntimeError):
    """The key already owns as many watchers as it may."""


@dataclass(frozen=True)
class Watcher:
    """A watcher as kept: its rules parsed, where its signals go, and the secret its webhooks are signed with."""

    id: str
    owner: str  # the SHA-256 of the owner key, hex
    name: str
    rules: Rules
    webhook_url: str | None
    telegram_chat_id: int | str | None
    secret: str
    created_at: str

    def to_document(self) -> dict[str, Any]:
        """The stored document."""
        return {"id": self.id, "owner": self.owner, "name": self.name, "rules": self.rules.to_json(),
                "webhook_url": self.webhook_url, "telegram_chat_id": self.telegram_chat_id, "secret": self.secret,
                "created_at": self.created_at}  # fmt: skip

    def to_json(self, with_secret: bool = False) -> dict[str, Any]:
        """What its owner sees (the webhook secret only when it is made)."""
        public = {key: value for key, value in self.to_document().items() if key not in ("owner", "secret")}
        return {**public, "webhook_secret": self.secret} if with_secret else public

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Watcher:
        """A stored document read back."""
        return cls(id=document["id"], owner=document["owner"], name=document["name"],
                   rules=Rules.from_json(document.get("rules") or {}), webhook_url=document.get("webhook_url"),
                   telegram_chat_id=document.get("telegram_chat_id"), secret=document["secret"],
                   created_at=document["created_at"])  # fmt: skip


def owner_of(key: str) -> str:
    """What the store keeps of an owner key."""
    return hashlib.sha256(key.encode()).hexdigest()


class WatcherBook:
    """The watchers of every key, over the token store; every change is checked before it is kept."""

    def __init__(
        self,
        store: TokenStore,
        allowed_hosts: frozenset[str],
        per_key: int,
        clock: Callable[[], datetime],
        *,
        telegram: bool,
    ) -> None:
        self._store, self._allowed_hosts, self._per_key, self.clock = store, allowed_hosts, per_key, clock
        self._telegram = telegram  # whether a bot can send to chats (TELEGRAM_BOT_TOKEN)
        self._lock = threading.Lock()  # makes "count, then add" one step for a key
        self.version = 0  # grows with every change made here, so the matching index knows to reload

    def create(self, body: Any, key: str | None) -> tuple[Watcher, str | None]:
        """A new watcher from a request body, under `key` or a new one; the new key (else None) with it."""
        fields = _fields(body, required=("name", "rules"))
        new_key = None if key else secrets.token_urlsafe(24)
        owner = owner_of(key or new_key or "")
        with self._lock:
            if len(self._store.watchers(owner)) >= self._per_key:
                raise TooMany(f"this key already owns {self._per_key} watchers (WATCHERS_PER_KEY)")
            watcher = Watcher(id=secrets.token_hex(8), owner=owner, secret=secrets.token_hex(32),
                              created_at=self.clock().isoformat(), **self._checked(fields))  # fmt: skip
            self._store.save_watcher(watcher.to_document())
            self.version += 1
        return watcher, new_key

    def of(self, key: str) -> list[Watcher]:
        """A key's watchers, oldest first."""
        return [Watcher.from_document(document) for document in self._store.watchers(owner_of(key))]

    def get(self, key: str, watcher_id: str) -> Watcher:
        """One of a key's watchers, or NotFound."""
        for watcher in self.of(key):
            if hmac.compare_digest(watcher.id, watcher_id):
                return watcher
        raise NotFound(watcher_id)

    def update(self, key: str, watcher_id: str, body: Any) -> Watcher:
        """Change some fields of one of a key's watchers."""
        current = self.get(key, watcher_id)
        given = _fields(body, required=())
        merged = {"name": current.name, "rules": current.rules.to_json(), "webhook_url": current.webhook_url,
                  "telegram_chat_id": current.telegram_chat_id, **given}  # fmt: skip
        watcher = Watcher(id=current.id, owner=current.owner, secret=current.secret, created_at=current.created_at,
                          **self._checked(merged))  # fmt: skip
        self._store.save_watcher(watcher.to_document())
        self.version += 1
        return watcher

    def delete(self, key: str, watcher_id: str) -> None:
        """Delete one of a key's watchers and its signals."""
        self._store.delete_watcher(self.get(key, watcher_id).id)
        self.version += 1

    def signals(self, key: str, watcher_id: str) -> list[dict[str, Any]]:
        """One of a key's watchers' latest signals, newest first."""
        return self._store.signals(self.get(key, watcher_id).id)

    def every(self) -> list[Watcher]:
        """Every watcher of every key (for matching)."""
        return [Watcher.from_document(document) for document in self._store.watchers()]

    def _checked(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of a watcher, each validated; RuleError naming the first bad one."""
        return {"name": _name(fields.get("name")), "rules": Rules.from_json(fields.get("rules")),
                "webhook_url": webhook_url(fields.get("webhook_url"), self._allowed_hosts),
                "telegram_chat_id": self._chat(fields.get("telegram_chat_id"))}  # fmt: skip

    def _chat(self, value: Any) -> int | str | None:
        """A Telegram chat, when this server has a bot to send to it."""
        chat = telegram_chat(value)
        if chat is not None and not self._telegram:
            raise RuleError("telegram_chat_id cannot be used: this server has no Telegram bot (TELEGRAM_BOT_TOKEN)")
        return chat


def _fields(body: Any, required: tuple[str, ...]) -> dict[str, Any]:
    """The known fields of a request body; RuleError for anything else or a missing required one."""
    if not isinstance(body, Mapping):
        raise RuleError("body must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise RuleError(f"unknown field(s): {', '.join(unknown)[:200]}; allowed: {', '.join(FIELDS)}")
    missing = [name for name in required if name not in body]
    if missing:
        raise RuleError(f"{missing[0]} is required")
    return dict(body)


def _name(value: Any) -> str:
    """A watcher's name: text of 1 to NAME_MAX_CHARS characters, cleaned as token names are (what nothing
    printable is left of is called "Watcher")."""
    if not isinstance(value, str) or not 1 <= len(value) <= NAME_MAX_CHARS:
        raise RuleError(f"name must be text of 1 to {NAME_MAX_CHARS} characters")
    return clean_text(value, NAME_MAX_CHARS) or "Watcher"
