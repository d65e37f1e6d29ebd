"""Signals POSTed to a watcher's webhook: signed with its secret, to the address that was checked, never
following a redirect.

The host is resolved at each delivery and every address must be public (DNS may have changed since the
watcher was saved); the connection then goes to that very address, with the name kept for TLS and Host, so
a second lookup cannot swap in a private one. A host named in WEBHOOK_ALLOWED_HOSTS is called as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError

from token_discovery.signals.outbox import DELIVERED, Delivery, Outcome
from token_discovery.signals.targets import Resolve, public_addresses

SIGNATURE_HEADER = "X-Signature-256"
USER_AGENT = "token-discovery-webhook/1.0"
CONNECT_SECONDS = 3.0


def signature(secret: str, body: bytes) -> str:
    """The X-Signature-256 value of a body: `sha256=` and the hex HMAC-SHA256 under the watcher's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(delivery: Delivery) -> bytes:
    """What is POSTed: the signal as compact JSON (the text it was made with, when it carries one)."""
    text = getattr(delivery.signal, "json_text", None)
    return (text if isinstance(text, str) else json.dumps(delivery.signal, separators=(",", ":"))).encode()


class WebhookChannel:
    """POSTs each signal alone; a host has at most two deliveries in flight."""

    per_target = 2
    batch_size = 1
    spacing = 0.0

    def __init__(
        self, allowed_hosts: frozenset[str], timeout: float, resolve: Resolve | None = None, ca_certs: str = ""
    ) -> None:
        self._allowed, self._timeout, self._resolve = allowed_hosts, timeout, resolve
        self._ca_certs = ca_certs or certifi.where()  # the authorities a receiver's certificate must chain to

    def fairness_key(self, delivery: Delivery) -> str:
        """Deliveries to one host share its slots."""
        return (urlsplit(delivery.target).hostname or "").lower()

    def send(self, batch: Sequence[Delivery]) -> Outcome:
        """POST the one signal of the batch and read only the status."""
        (delivery,) = batch
        parts = urlsplit(delivery.target)
        host = (parts.hostname or "").lower()
        address = host if host in self._allowed else next(iter(public_addresses(host, self._resolve)), None)
        if address is None:
            return Outcome(False, f"{host} does not resolve to public addresses only")
        body = body_of(delivery)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Host": parts.netloc,
                   SIGNATURE_HEADER: signature(delivery.secret, body),
                   "X-Signal-Id": str(delivery.signal.get("id", "")),
                   "X-Signal-Attempt": str(delivery.attempt + 1)}  # fmt: skip
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            status = self._post(parts.scheme, address, host, parts.port, path, body, headers)
        except (HTTPError, OSError) as error:
            return Outcome(False, f"{type(error).__name__} from {host}", retryable=True)
        return _judged(status, host)

    def _post(self, scheme: str, address: str, host: str, port: int | None, path: str, body: bytes,
              headers: dict[str, str]) -> int:  # fmt: skip
        """One POST to an address, TLS checked against the host's name; the status, the body left unread."""
        timeout = urllib3.Timeout(connect=CONNECT_SECONDS, read=self._timeout)
        if scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                address, port or 443, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
                ca_certs=self._ca_certs, server_hostname=host, assert_hostname=host,
            )  # fmt: skip
        else:
            pool = urllib3.HTTPConnectionPool(address, port or 80, timeout=timeout, retries=False, maxsize=1)
        with pool:
            response = pool.urlopen("POST", path, body=body, headers=headers, redirect=False, retries=False,
                                    preload_content=False, assert_same_host=False)  # fmt: skip
            status = response.status
            response.close()
        return status


def _judged(status: int, host: str) -> Outcome:
    """An answer's status as an outcome: 2xx delivered; 408, 425, 429 and 5xx retried; any other refused."""
    if 200 <= status < 300:
        return DELIVERED
    if status in (408, 425, 429) or status >= 500:
        return Outcome(False, f"{host} answered {status}", retryable=True)
    if 300 <= status < 400:
        return Outcome(False, f"{host} answered a redirect ({status}), which is never followed")
    return Outcome(False, f"{host} answered {status}")
