"""Where a watcher's signals may go: a webhook URL to a public https address (or a host the operator allows),
and a Telegram chat. Checked when a watcher is saved, and the address again when a delivery is made."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from token_discovery.signals.rules import RuleError

URL_MAX_CHARS = 512
CHAT_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{4,31}")  # Telegram's public channel and group names
URL_SHAPE = r"^https?://[^\s/?#@]+(/[^\s]*)?$"  # what the OpenAPI document promises is read as a URL
CHAT_ID_RANGE = 10**15


class TargetRefused(RuleError):
    """A well-formed webhook URL this service will not call (a private address, plain http, a bad port)."""


Resolve = Callable[[str], Iterable[str]]


def webhook_url(value: object, allowed_hosts: frozenset[str]) -> str | None:
    """A webhook URL fit to be called, or RuleError naming `webhook_url`; None when absent.

    https to a host that is not an address of this machine or of a private network; a host named in
    WEBHOOK_ALLOWED_HOSTS may also be called over http, whatever its address (tests name 127.0.0.1).
    """
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > URL_MAX_CHARS or not re.match(URL_SHAPE, value):
        raise RuleError(f"webhook_url must be an http(s) URL without spaces or credentials, of at most "
                        f"{URL_MAX_CHARS} characters")  # fmt: skip
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # a bad port raises here
    except ValueError:
        raise TargetRefused("webhook_url has a host or port that cannot be used") from None
    if not host:
        raise TargetRefused("webhook_url must name a host")
    if host.lower() in allowed_hosts:
        return value
    if parts.scheme != "https":
        raise TargetRefused("webhook_url must be an https URL (or its host must be in WEBHOOK_ALLOWED_HOSTS)")
    if host.lower() == "localhost" or host.lower().endswith((".localhost", ".local", ".internal")):
        raise TargetRefused("webhook_url must reach a public address")
    if _is_address(host) and not public_address(host):
        raise TargetRefused("webhook_url must reach a public address")
    return value


def public_address(address: str) -> bool:
    """Whether an IP address is a public one (not loopback, private, link-local, reserved, multicast, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, resolve: Resolve | None = None) -> list[str]:
    """The addresses a host resolves to when every one is public, else none (checked again at delivery: DNS
    may change)."""
    try:
        addresses = list((resolve or resolve_addresses)(host))
    except OSError:
        return []
    return addresses if addresses and all(public_address(address) for address in addresses) else []


def telegram_chat(value: object) -> int | str | None:
    """A Telegram chat id (an integer) or a public chat's @name, or RuleError naming `telegram_chat_id`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RuleError("telegram_chat_id must be an integer chat id or an @name")
    if isinstance(value, int):
        if not -CHAT_ID_RANGE < value < CHAT_ID_RANGE or value == 0:
            raise RuleError("telegram_chat_id is out of range")
        return value
    if not CHAT_USERNAME.fullmatch(value):
        raise RuleError("telegram_chat_id must be an integer chat id or an @name of 5 to 32 characters")
    return value


def _is_address(host: str) -> bool:
    """Whether a URL's host is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve_addresses(host: str) -> list[str]:
    """The addresses a host name resolves to."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]
