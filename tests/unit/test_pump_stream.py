"""The stream connection, on scripted connections: it subscribes, reads, counts what it drops, reconnects after a
break or a silence with a growing jittered backoff, and holds the stream only while it holds the lease."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from token_discovery.sources.pumpportal import Creation, Message
from token_discovery.streaming import stream as stream_module
from token_discovery.streaming.stream import PumpStream, backoff
from token_discovery.streaming.websocket import StreamClosed

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "pumpportal"
CREATE = (REAL / "create_65R6MSmd_2gr4Vt.json").read_text(encoding="utf-8")
ACK = '{"message":"Successfully subscribed to token creation events."}'
CLOSED = object()  # the script item that closes the connection


class ScriptedConnection:
    """Answers `receive` from a script: a text, None (nothing came in time) or CLOSED; then silence."""

    def __init__(self, script: list[Any]) -> None:
        self.script, self.sent, self.closed = list(script), [], False

    def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def receive(self, timeout: float) -> str | None:
        if not self.script:
            threading.Event().wait(min(timeout, 0.01))  # a silent stream: the caller's timeout passes
            return None
        item = self.script.pop(0)
        if item is CLOSED:
            raise StreamClosed("closed by the server (1000)")
        return item

    def close(self) -> None:
        self.closed = True


class Lease:
    def __init__(self, held: bool = True) -> None:
        self.held, self.released = held, 0

    def hold(self) -> bool:
        return self.held

    def release(self) -> None:
        self.released += 1


@contextmanager
def streaming(scripts: list[list[Any]], lease: Lease | None = None, silence: float = 5.0) -> Iterator[Any]:
    connections: list[ScriptedConnection] = []
    made, heard = threading.Semaphore(0), threading.Semaphore(0)
    handled: list[Message] = []

    def handle(message: Message) -> None:
        handled.append(message)
        heard.release()

    def connect(url: str) -> ScriptedConnection:
        connection = ScriptedConnection(scripts.pop(0) if scripts else [])
        connections.append(connection)
        made.release()
        return connection

    stream = PumpStream("ws://sim/api/data", lease or Lease(), handle, silence, connect)
    worker = threading.Thread(target=stream.run, daemon=True)
    worker.start()
    try:
        yield stream, connections, made, (handled, heard)
    finally:
        stream.stop()
        worker.join(5)
    assert not worker.is_alive()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(stream_module, "STANDBY_SECONDS", 0.01)


def test_it_subscribes_to_creations_and_migrations_then_hands_each_message_over() -> None:
    with streaming([[ACK, CREATE]]) as (stream, connections, made, (handled, heard)):
        assert made.acquire(timeout=5) and heard.acquire(timeout=5) and heard.acquire(timeout=5)
        assert connections[0].sent == [{"method": "subscribeNewToken"}, {"method": "subscribeMigration"}]
        assert isinstance(handled[1], Creation) and stream.counts["creation"] == 1 and stream.state == "live"


def test_garbage_is_counted_and_dropped_and_the_connection_goes_on() -> None:
    garbage = ["not json", "[1]", '{"txType": "create", "mint": "0x1"}', "{" * 5000, '{"txType": "buy"}']
    with streaming([[*garbage, CREATE]]) as (stream, connections, made, (handled, heard)):
        assert made.acquire(timeout=5) and heard.acquire(timeout=5)
    assert stream.counts["malformed"] == 5 and len(handled) == 1 and len(connections) == 1


def test_a_closed_stream_is_connected_again_and_subscribed_again() -> None:
    with streaming([[ACK, CLOSED], [ACK, CREATE]]) as (stream, connections, made, (handled, heard)):
        assert made.acquire(timeout=5) and made.acquire(timeout=5)
        assert all(heard.acquire(timeout=5) for _ in range(3)) and isinstance(handled[-1], Creation)
        assert connections[0].closed and stream.counts["reconnects"] >= 1
        assert connections[1].sent == connections[0].sent  # subscribed again


def test_a_silent_stream_is_connected_again() -> None:
    with streaming([[ACK], [ACK, CREATE]], silence=0.2) as (stream, connections, made, _):
        assert made.acquire(timeout=5) and made.acquire(timeout=5)
        assert stream.counts["silences"] == 1 and connections[0].closed


def test_without_the_lease_it_never_connects_and_it_lets_go_when_the_lease_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stream_module, "RENEW_SECONDS", 0.01)
    lease = Lease(held=False)
    with streaming([[ACK]], lease=lease) as (stream, connections, made, _):
        assert not made.acquire(timeout=0.2) and stream.state == "standby" and connections == []
        lease.held = True
        assert made.acquire(timeout=5)
        lease.held = False  # another process took it: this one closes at its next renewal
        while stream.state == "live":
            threading.Event().wait(0.01)  # the renewal is the worker's own timer: no event to await
        assert connections[0].closed
    assert lease.released == 1  # given back when stopped


def test_backoff_doubles_up_to_a_ceiling_and_is_jittered() -> None:
    waits = [[backoff(attempt) for _ in range(200)] for attempt in (1, 2, 3, 10)]
    first, ceiling = stream_module.BACKOFF_FIRST, stream_module.BACKOFF_MOST
    for attempt, seen in zip((1, 2, 3, 10), waits, strict=True):
        top = min(ceiling, first * 2 ** (attempt - 1))
        assert all(top / 2 <= wait <= top for wait in seen) and len(set(seen)) > 100


class BrokenConnection(ScriptedConnection):
    """A connection whose reader fails in a way nobody foresaw."""

    def receive(self, timeout: float) -> str | None:
        raise RuntimeError("a bug in a reader")


def test_an_unforeseen_failure_ends_the_session_never_the_worker() -> None:
    made, handled = threading.Semaphore(0), threading.Semaphore(0)
    connections: list[ScriptedConnection] = []

    def connect(url: str) -> ScriptedConnection:
        connection = BrokenConnection([]) if not connections else ScriptedConnection([CREATE])
        connections.append(connection)
        made.release()
        return connection

    stream = PumpStream("ws://sim/api/data", Lease(), lambda message: handled.release(), 5.0, connect)
    worker = threading.Thread(target=stream.run, daemon=True)
    worker.start()
    try:
        assert made.acquire(timeout=5) and made.acquire(timeout=5) and handled.acquire(timeout=5)
        assert connections[0].closed and stream.counts["creation"] == 1
    finally:
        stream.stop()
        worker.join(5)


def test_a_server_that_closes_after_each_token_is_backed_off_from_more_and_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[int] = []
    real_backoff = stream_module.backoff
    monkeypatch.setattr(stream_module, "backoff", lambda attempt: (attempts.append(attempt), real_backoff(attempt))[1])
    flapping = [[ACK, CREATE, CLOSED] for _ in range(4)]
    with streaming(flapping) as (stream, connections, made, (handled, heard)):
        assert all(made.acquire(timeout=5) for _ in range(4))
    assert attempts[:3] == [2, 3, 4]  # each short session is a failure, though it delivered a token: longer waits
    monkeypatch.setattr(stream_module, "STABLE_SECONDS", 0.0)
    attempts.clear()
    with streaming([[ACK, CREATE, CLOSED] for _ in range(3)]) as (stream, connections, made, _):
        assert all(made.acquire(timeout=5) for _ in range(3))
    assert attempts[:2] == [1, 1]  # a session long enough starts the backoff over
