"""Each key's watchers: made, read, changed and deleted; another key's are invisible and unchangeable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from token_discovery.signals.book import NotFound, TooMany, WatcherBook, owner_of
from token_discovery.signals.rules import RuleError
from token_discovery.store.memory import MemoryStore

NOW = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
BODY = {"name": "dogs on base", "rules": {"chains": ["base"], "pattern": "dog"},
        "webhook_url": "http://127.0.0.1:9000/hook", "telegram_chat_id": "@tokenwatch"}  # fmt: skip


def book(per_key: int = 5) -> tuple[WatcherBook, MemoryStore]:
    store = MemoryStore()
    return WatcherBook(store, frozenset({"127.0.0.1"}), per_key, lambda: NOW, telegram=True), store


def test_a_first_watcher_makes_a_key_returned_once_and_kept_only_as_its_hash() -> None:
    watchers, store = book()
    made, key = watchers.create(BODY, None)
    assert key and made.name == "dogs on base" and made.rules.chains == frozenset({"base"})
    shown = made.to_json(with_secret=True)
    assert len(shown["webhook_secret"]) == 64 and "owner" not in shown and "secret" not in made.to_json()
    (stored,) = store.watchers()
    assert stored["owner"] == owner_of(key) and key not in str(stored)
    second, again = watchers.create({**BODY, "name": "cats"}, key)
    assert again is None and [w.id for w in watchers.of(key)] == [made.id, second.id]


def test_another_keys_watchers_are_invisible_and_unchangeable() -> None:
    watchers, _ = book()
    mine, key = watchers.create(BODY, None)
    _, other = watchers.create(BODY, None)
    assert other and watchers.of(other)[0].id != mine.id
    for attempt in (lambda: watchers.get(other, mine.id), lambda: watchers.update(other, mine.id, {"name": "x"}),
                    lambda: watchers.delete(other, mine.id), lambda: watchers.signals(other, mine.id)):  # fmt: skip
        with pytest.raises(NotFound):
            attempt()
    assert watchers.get(key, mine.id).name == "dogs on base"


def test_an_update_changes_only_what_it_names_and_is_checked_like_a_new_one() -> None:
    watchers, _ = book()
    made, key = watchers.create(BODY, None)
    assert key
    changed = watchers.update(key, made.id, {"rules": {"levels": ["safe"]}, "telegram_chat_id": None})
    assert changed.name == "dogs on base" and changed.rules.levels == frozenset({"safe"})
    assert changed.telegram_chat_id is None and changed.secret == made.secret and changed.id == made.id
    with pytest.raises(RuleError, match="max_score"):
        watchers.update(key, made.id, {"rules": {"max_score": 300}})
    assert watchers.get(key, made.id).rules.levels == frozenset({"safe"})  # a refused change changes nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": {}}, "name is required"),
        ({"name": "x"}, "rules is required"),
        ({**BODY, "name": ""}, "name must be"),
        ({**BODY, "name": "x" * 65}, "name must be"),
        ({**BODY, "colour": "red"}, "unknown field"),
        ({**BODY, "rules": {"chains": ["tron"]}}, "chains: unknown tron"),
        ({**BODY, "webhook_url": "https://10.1.2.3/x"}, "webhook_url"),
        ({**BODY, "telegram_chat_id": "me"}, "telegram_chat_id"),
        (["not", "an", "object"], "body must be a JSON object"),
    ],
)
def test_bad_watchers_are_refused_with_the_field_named(body: object, field: str) -> None:
    watchers, store = book()
    with pytest.raises(RuleError, match=field):
        watchers.create(body, None)
    assert store.watchers() == []


def test_a_key_holds_at_most_its_share_of_watchers() -> None:
    watchers, _ = book(per_key=2)
    _, key = watchers.create(BODY, None)
    watchers.create(BODY, key)
    with pytest.raises(TooMany, match="2 watchers"):
        watchers.create(BODY, key)
    assert watchers.create(BODY, None)[1]  # another key is not held back


def test_deleting_a_watcher_takes_its_signals_with_it() -> None:
    watchers, store = book()
    made, key = watchers.create(BODY, None)
    assert key
    store.add_signals([{"watcher_id": made.id, "seq": 3}])
    assert watchers.signals(key, made.id) == [{"watcher_id": made.id, "seq": 3}]
    watchers.delete(key, made.id)
    assert watchers.of(key) == [] and store.signals(made.id) == []


def test_a_name_is_cleaned_as_token_names_are() -> None:
    watchers, _ = book()
    assert watchers.create({**BODY, "name": "a\u0000b\u202e"}, None)[0].name == "a b"
    assert watchers.create({**BODY, "name": "\u200b"}, None)[0].name == "Watcher"
