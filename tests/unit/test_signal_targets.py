"""Where signals may go: public https webhooks (or hosts the operator allows) and Telegram chats."""

from __future__ import annotations

import pytest

from token_discovery.signals.rules import RuleError
from token_discovery.signals.targets import public_address, public_addresses, telegram_chat, webhook_url

ALLOWED = frozenset({"127.0.0.1"})


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/token-discovery", "https://93.184.216.34:8443/in", "http://127.0.0.1:9000/hook",
     "https://127.0.0.1/hook"],
)  # fmt: skip
def test_public_https_urls_and_allowed_hosts_are_taken(url: str) -> None:
    assert webhook_url(url, ALLOWED) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "must be an https URL"),
        ("https://10.0.0.5/x", "public address"),
        ("https://169.254.169.254/latest/meta-data", "public address"),
        ("https://[::1]/x", "public address"),
        ("https://[::ffff:192.168.1.1]/x", "public address"),
        ("https://localhost/x", "public address"),
        ("https://printer.local/x", "public address"),
        ("https://user:pass@hooks.example.com/x", "without spaces or credentials"),
        ("https://hooks.example.com:99999/x", "host or port that cannot be used"),
        ("ftp://127.0.0.1/x", "http\\(s\\) URL"),
        ("https://" + "a" * 600 + ".com", "at most 512"),
        ("https://hooks.example.com/a b", "without spaces"),
        (42, "http\\(s\\) URL"),
    ],
)
def test_other_webhooks_are_refused_with_the_field_named(url: object, why: str) -> None:
    with pytest.raises(RuleError, match=f"webhook_url.*{why}|{why}"):
        webhook_url(url, ALLOWED)


def test_a_host_is_called_only_when_every_address_it_resolves_to_is_public() -> None:
    assert public_addresses("hooks.example.com", lambda host: ["93.184.216.34"]) == ["93.184.216.34"]
    assert not public_addresses("rebind.example.com", lambda host: ["93.184.216.34", "127.0.0.1"])
    assert not public_addresses("nothing.example.com", lambda host: [])

    def fails(host: str) -> list[str]:
        raise OSError("no such host")

    assert not public_addresses("gone.example.com", fails)
    assert public_address("8.8.8.8") and not public_address("100.64.0.1") and not public_address("224.0.0.1")


@pytest.mark.parametrize(("chat", "expected"), [(123456789, 123456789), (-1001234567890, -1001234567890),
                                                ("@tokenwatch", "@tokenwatch"), (None, None)])  # fmt: skip
def test_telegram_chats_are_ids_or_public_names(chat: object, expected: object) -> None:
    assert telegram_chat(chat) == expected


@pytest.mark.parametrize("chat", [0, True, "tokenwatch", "@ab", "@" + "a" * 40, 10**16, 1.5, ["@tokenwatch"]])
def test_other_telegram_chats_are_refused(chat: object) -> None:
    with pytest.raises(RuleError, match="telegram_chat_id"):
        telegram_chat(chat)
