"""The Socket.IO event catalogue: every name the server emits or accepts, documented once."""

from __future__ import annotations

from typing import Any, Protocol

ROOM = "discovery"

# Server to client.
CONNECTED = "connected"  # {message, timestamp}
JOINED_DISCOVERY = "joined_discovery"  # {message, timestamp, replayed, last_seq}
NEW_TOKEN = "new_token"  # a TokenRecord
TOKEN_UPDATED = "token_updated"  # a TokenRecord whose risk level changed
SCAN_STARTED = "scan_started"  # {scan_id, timestamp, max_tokens, chain}
SCAN_PROGRESS = "scan_progress"  # {scan_id, stage, done, total}
SCAN_COMPLETED = "scan_completed"  # the scan result: {scan_id, tokens_found, tokens_stored, ...}
SCAN_ERROR = "scan_error"  # {scan_id, timestamp, error}
DISCOVERY_STATUS = "discovery_status"  # the status object of GET /api/discovery/status
ERROR = "error"  # {error}: a client payload was refused
ADMIN_STATS = "admin_stats"  # to admin sockets only: the monitor's snapshot (vitals, status, budget, health)
SIGNAL = "signal"  # to its owner's sockets only: {watcher_id, watcher_name, token, matched, at}

# Client to server.
JOIN_DISCOVERY = "join_discovery"  # optional {"last_seq": n}
LEAVE_DISCOVERY = "leave_discovery"
REQUEST_STATUS = "request_status"
JOIN_ADMIN = "join_admin"  # needs the admin session cookie on the handshake (log in at /admin first)
JOIN_SIGNALS = "join_signals"  # {"owner_key"}: this socket gets the signals of that key's watchers

SERVER_EVENTS = (CONNECTED, JOINED_DISCOVERY, NEW_TOKEN, TOKEN_UPDATED, SCAN_STARTED, SCAN_PROGRESS,
                 SCAN_COMPLETED, SCAN_ERROR, DISCOVERY_STATUS, ERROR, ADMIN_STATS, SIGNAL)  # fmt: skip
CLIENT_EVENTS = (JOIN_DISCOVERY, LEAVE_DISCOVERY, REQUEST_STATUS, JOIN_ADMIN, JOIN_SIGNALS)


def signal_room(owner: str) -> str:
    """The room of an owner's sockets (`owner` is the hash of the key, never the key)."""
    return f"signals:{owner}"


class Notifier(Protocol):
    """Where the service announces what happens: the Socket.IO room, or nowhere."""

    def broadcast(self, event: str, payload: dict[str, Any]) -> None:
        """Send an event to every client in the discovery room."""
        ...


class SilentNotifier:
    """A notifier that tells no one (the headless scanner)."""

    def broadcast(self, event: str, payload: dict[str, Any]) -> None:
        """Drop the event."""


class RecordingNotifier:
    """A notifier that keeps every event, in order (tests and the headless report)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def broadcast(self, event: str, payload: dict[str, Any]) -> None:
        """Keep the event."""
        self.events.append((event, payload))

    def named(self, event: str) -> list[dict[str, Any]]:
        """The payloads of one event, in order."""
        return [payload for name, payload in self.events if name == event]
