"""One anonymous client must not be able to hurt everybody else: attacks run against the production server."""

from __future__ import annotations

import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websocket

from tests.e2e.test_live_server import rss_mb
from tests.live_server import LiveApp, top_up_tokens
from tests.swarm import HealthWatch, Swarm
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration


@pytest.fixture
def production(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    """gunicorn -c gunicorn.conf.py with 200 stored tokens, limits open enough for one test machine."""
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "tokens.db"), "DISCOVERY_MIN_INTERVAL": "0",
           "ANALYSIS_CACHE_TTL": "0", "SOCKET_MAX_PER_ADDRESS": "0", "RATE_LIMIT_TRIGGER": "1000 per minute",
           "RATE_LIMIT_DEFAULT": "100000 per minute", "REQUEST_BODY_TIMEOUT": "1"}  # fmt: skip
    app = LiveApp(env, server="gunicorn").start()
    try:
        requests.post(f"{app.url}/api/discovery/trigger", json={"max_tokens": 20}, timeout=60).raise_for_status()
        assert top_up_tokens(tmp_path / "tokens.db") == 200  # as a scanner process would: the app's watcher sends them
        deadline = time.monotonic() + 20
        while 'td_broadcast_seconds_count{event="new_token"} 200.0' not in requests.get(f"{app.url}/metrics").text:
            assert time.monotonic() < deadline, "the tokens another writer stored never reached the room"
            time.sleep(0.2)
        yield app
    finally:
        app.stop()


def test_fifty_joins_replaying_everything_leave_health_fast_and_a_trigger_quick(production: LiveApp) -> None:
    swarm = Swarm(production.url, 50, processes=1, concurrency=50, join={"last_seq": 0}).launch()
    try:
        with HealthWatch(production.url, period=0.02) as health:
            swarm.connect(within=60)  # each client is told it joined once its replay was sent
            report = swarm.report()
        started = time.perf_counter()
        answer = requests.post(f"{production.url}/api/discovery/trigger", json={"max_tokens": 5}, timeout=30)
        trigger = time.perf_counter() - started
    finally:
        swarm.close()
    assert all(len(client.seqs) == 200 for client in report.clients), "every joiner gets every stored token"
    assert all(client.seqs == sorted(set(client.seqs)) for client in report.clients)  # in order, none twice
    assert answer.status_code == 200 and trigger < 1.0, f"a trigger took {trigger:.2f} s"
    assert health.samples and health.failures == 0
    assert health.slowest() < 0.2, f"/healthz took up to {health.slowest() * 1000:.0f} ms during the replays"


def test_websocket_handshakes_are_never_compressed(production: LiveApp) -> None:
    url = production.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
    connection = websocket.create_connection(url, header=[offer], origin=production.url, timeout=5)
    try:
        assert connection.getstatus() == 101
        assert "sec-websocket-extensions" not in {name.lower() for name in connection.getheaders()}
    finally:
        connection.close()


def gunicorn_worker(app: LiveApp) -> int:
    """The pid of the gunicorn worker serving a LiveApp."""
    assert app.process is not None
    children = Path(f"/proc/{app.process.pid}/task/{app.process.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def socketio_websocket(app: LiveApp) -> websocket.WebSocket:
    """A raw websocket that has opened the engine.io session and joined the default namespace."""
    url = app.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    connection = websocket.create_connection(url, origin=app.url, timeout=5)
    assert connection.recv().startswith("0{")  # engine.io open
    connection.send("40")
    answers = [connection.recv() for _ in range(2)]  # the greeting event, and the namespace's acceptance
    assert any(answer.startswith("40{") for answer in answers), answers
    return connection


def test_a_binary_attachment_flood_is_refused_and_memory_stays_put(production: LiveApp) -> None:
    worker = gunicorn_worker(production)
    before = rss_mb(worker)
    connection = socketio_websocket(production)
    connection.send('459999999-["join_discovery",{"_placeholder":true,"num":0}]')  # announces ~60 M attachments
    frame = b"\0" * 60_000
    sent = 0
    try:
        for _ in range(2_000):  # 120 MB of attachments, were they kept
            connection.send_binary(frame)
            sent += len(frame)
    except (OSError, websocket.WebSocketException):
        pass  # the server may close the connection: that is a refusal too
    finally:
        connection.close()
    assert requests.get(f"{production.url}/healthz", timeout=5).status_code == 200
    grown = rss_mb(worker) - before
    assert grown < 50, f"the worker grew {grown:.0f} MB after {sent / 1e6:.0f} MB of attachments"
    metrics = requests.get(f"{production.url}/metrics", timeout=5).text
    refused = [line for line in metrics.splitlines() if line.startswith("td_socket_refused_packets_total ")]
    assert refused and float(refused[0].split()[1]) >= 1


def test_a_message_too_big_for_the_websocket_layer_closes_the_connection(production: LiveApp) -> None:
    worker = gunicorn_worker(production)
    before = rss_mb(worker)
    for _ in range(20):
        connection = socketio_websocket(production)
        try:
            with pytest.raises((websocket.WebSocketException, OSError)):
                connection.send('42["join_discovery",{"pad":"' + "x" * 4_000_000 + '"}]')  # 4 MB in one message
                while True:  # the server closes it: a close frame, or the socket going away
                    if connection.recv() == "":
                        raise websocket.WebSocketConnectionClosedException("closed")
        finally:
            connection.close()
    assert requests.get(f"{production.url}/healthz", timeout=5).status_code == 200
    assert rss_mb(worker) - before < 50


def test_fifty_kept_alive_clients_are_served_in_turn(production: LiveApp) -> None:
    assert shutil.which("wrk"), "wrk is needed: run `make system-deps`"
    url = f"{production.url}/api/discovery/recent?limit=5"
    report = subprocess.run(["wrk", "-t2", "-c50", "-d4s", "--latency", url], capture_output=True, text=True,
                            timeout=60, check=True).stdout  # fmt: skip
    found = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", report)
    assert found, report
    p99 = float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
    # a connection whose next request is already there must not keep the worker while 49 others wait
    assert p99 < 200, f"p99 {p99:.0f} ms across 50 kept-alive connections:\n{report}"


@pytest.mark.parametrize("body", [b"ZZZ\r\n{}\r\n0\r\n\r\n", b"5\r\n{}\r\n0\r\n\r\n", b"2\r\n{}"])
def test_a_malformed_chunked_body_is_a_400_not_a_500(production: LiveApp, body: bytes) -> None:
    head = (b"POST /api/discovery/trigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")  # fmt: skip
    with socket.create_connection(("127.0.0.1", production.port), timeout=5) as connection:
        connection.sendall(head + body)
        connection.shutdown(socket.SHUT_WR)  # a truncated body ends here
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status = answer.split(b"\r\n", 1)[0]
    assert status.startswith(b"HTTP/1.1 400"), answer[:300]
    assert requests.get(f"{production.url}/healthz", timeout=5).status_code == 200


def trickle(app: LiveApp, head: bytes, within: float, sending_for: float = 0.9) -> tuple[bytes, float]:
    """Send `head`, then one byte of body every 0.2 s for `sending_for` seconds, then wait for the answer; the
    answer and when it came. (Bytes still arriving when the server closes would make it reset the connection,
    and the answer could be lost on the way: the trickle stops just before the deadline.)"""
    with socket.create_connection(("127.0.0.1", app.port), timeout=5) as connection:
        connection.sendall(head)
        started = time.monotonic()
        while time.monotonic() - started < within:
            if select.select([connection], [], [], 0.2)[0]:
                break
            if time.monotonic() - started < sending_for:
                connection.sendall(b"1" if b"chunked" not in head else b"1\r\n1\r\n")
        answer, waited = b"", time.monotonic() - started
        while chunk := connection.recv(65536):
            answer += chunk
    return answer, waited


@pytest.mark.parametrize("encoding", [b"Content-Length: 60000", b"Transfer-Encoding: chunked"])
def test_a_trickled_body_is_a_408_at_its_deadline_and_nobody_waits_for_it(production: LiveApp, encoding: bytes) -> None:
    head = b"POST /api/discovery/trigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s\r\n\r\n"
    with HealthWatch(production.url) as watch:
        answer, waited = trickle(production, head % encoding, within=10)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"did not arrive within 1 s" in answer
    assert 0.9 < waited < 1.5  # REQUEST_BODY_TIMEOUT is 1 s for the whole body: not 1 s after the last byte (1.8 s)
    assert watch.samples and watch.slowest() < 0.5 and {status for _, status, _ in watch.samples} == {200}


def test_the_built_in_server_also_answers_a_trickled_body_408_and_closes(simulator: SimulatorServer,
                                                                        tmp_path: Path) -> None:  # fmt: skip
    app = LiveApp({**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "t.db"), "REQUEST_BODY_TIMEOUT": "1"})
    head = b"POST /api/admin/rescore HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    app.start()
    try:
        answer, waited = trickle(app, head, within=10)  # returns only once the server has closed the connection
        assert answer.startswith(b"HTTP/1.1 408") and 0.9 < waited < 3
        assert requests.get(f"{app.url}/healthz", timeout=5).status_code == 200
    finally:
        app.stop()


def test_connections_that_never_connect_hold_the_gate_a_second_at_most_and_health_never_waits(
    production: LiveApp,
) -> None:
    from token_discovery.realtime.gate import HANDSHAKE_SLOTS

    idle = []
    with HealthWatch(production.url) as watch:
        for _ in range(3 * HANDSHAKE_SLOTS):  # three times the slots: engine.io opened, then silent
            idle.append(websocket.create_connection(f"ws://127.0.0.1:{production.port}/socket.io/"
                                                    "?EIO=4&transport=websocket", timeout=10))  # fmt: skip
        started = time.monotonic()
        client = socketio_websocket(production)  # a well-behaved client behind the storm
        client.send('42["join_discovery"]')
        answers = [client.recv()]
        while "joined_discovery" not in answers[-1] and len(answers) < 10:  # what else came first is skipped
            answers.append(client.recv())
        assert "joined_discovery" in answers[-1], answers
        waited = time.monotonic() - started
    for connection in [*idle, client]:
        connection.close()
    assert waited < 5  # each idle connection gave its slot back within a second
    assert watch.samples and watch.slowest() < 0.2
