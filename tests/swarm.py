"""Thousands of Socket.IO clients in a few Node processes (tests/js/swarm.mjs), and a /healthz watch beside them."""

from __future__ import annotations

import json
import queue
import resource
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from token_discovery.config import Config, ConfigError

SWARM_SCRIPT = Path(__file__).resolve().parent / "js" / "swarm.mjs"


class SwarmError(RuntimeError):
    """A swarm process failed, said something unexpected, or did not answer in time."""


def raise_open_files() -> None:
    """Lift this process's soft open-file limit to the hard one (each socket is a descriptor)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def uncapped_connections_env(clients: int) -> dict[str, str]:
    """Lift SOCKET_MAX_PER_ADDRESS past the swarm, whose clients all come from 127.0.0.1.

    The first value the app's validation accepts (0 means no cap); harmless if the setting ever goes away.
    """
    for value in ("1000000", str(clients * 2), "0"):
        try:
            Config.from_env({"SOCKET_MAX_PER_ADDRESS": value})
        except ConfigError:
            continue
        return {"SOCKET_MAX_PER_ADDRESS": value}
    return {}


@dataclass
class ClientRecord:
    """What one client received: the seq of each new_token, and its delivery time in ms (arrival - scanned_at)."""

    seqs: list[int]
    delays: list[float]


@dataclass
class SwarmReport:
    """Every client's record, joined clients that lost their connection, each token's stamp and last arrival."""

    clients: list[ClientRecord]
    lost: int
    tokens: dict[int, tuple[float, float]]  # seq -> (scanned_at, last arrival), ms since the epoch
    cpu_seconds: float  # the swarm's own CPU time since every client joined

    @property
    def busy_seconds(self) -> float:
        """The time at least one token was on its way: the union of every token's [scanned_at, last arrival]."""
        busy, reached = 0.0, float("-inf")
        for stamp, last in sorted(self.tokens.values()):
            start = max(stamp, reached)
            busy += max(0.0, last - start)
            reached = max(reached, last)
        return busy / 1000


def merge_tokens(reports: list[dict[str, list[float]]]) -> dict[int, tuple[float, float]]:
    """Each token's stamp and its last arrival over every swarm process."""
    merged: dict[int, tuple[float, float]] = {}
    for report in reports:
        for seq, (stamp, last) in report.items():
            earlier = merged.get(int(seq), (stamp, last))
            merged[int(seq)] = (min(stamp, earlier[0]), max(last, earlier[1]))
    return merged


class SwarmProcess:
    """One Node process holding `clients` sockets; its stdout lines come through a queue."""

    def __init__(
        self, url: str, clients: int, concurrency: int, deflate: bool, join: dict[str, Any] | None = None
    ) -> None:
        assert shutil.which("node"), "Node.js is needed: run `make system-deps`"
        options = json.dumps({"url": url, "clients": clients, "concurrency": concurrency, "deflate": deflate,
                              "join": join})  # fmt: skip
        self.process = subprocess.Popen(
            ["node", str(SWARM_SCRIPT), options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=raise_open_files,  # runs in the child between fork and exec
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """Forward each JSON line; an end-of-output marker when the process closes its stdout."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"event": "unreadable", "line": line[:300]})
        self.lines.put({"event": "exit"})

    def tell(self, command: str) -> None:
        """Send one command line."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n")
        self.process.stdin.flush()

    def await_event(self, event: str, deadline: float) -> dict[str, Any]:
        """The next line, which must be `event`, before the monotonic `deadline`."""
        try:
            message = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise SwarmError(f"no {event!r} from the swarm in time") from None
        if message.get("event") != event:
            raise SwarmError(f"expected {event!r} from the swarm, got {str(message)[:300]}")
        return message

    def stop(self) -> None:
        """Ask the process to close its sockets and exit; kill it if it does not."""
        if self.process.poll() is None:
            try:
                self.tell("close")
                self.process.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@dataclass
class Swarm:
    """`clients` sockets spread over `processes` Node processes, each joined to the discovery room."""

    url: str
    clients: int
    processes: int = 4
    concurrency: int = 25  # handshakes in flight per process: the server's pace sets the ramp, no backlog overflow
    deflate: bool = True  # offer permessage-deflate, as browsers do
    join: dict[str, Any] | None = None  # the join_discovery payload, e.g. {"last_seq": 0} for a replay
    members: list[SwarmProcess] = field(default_factory=list)
    ready_cpu_ms: float = 0.0

    def launch(self, within: float = 30.0) -> Swarm:
        """Start the processes and wait until each has loaded the client, before any connection is made."""
        shares = [self.clients // self.processes + (i < self.clients % self.processes) for i in range(self.processes)]
        self.members = [SwarmProcess(self.url, n, self.concurrency, self.deflate, self.join) for n in shares if n]
        deadline = time.monotonic() + within
        for member in self.members:
            member.await_event("loaded", deadline)
        return self

    def connect(self, within: float) -> Swarm:
        """Connect every client (launching first if needed) and wait until all joined; SwarmError if any failed."""
        if not self.members:
            self.launch()
        for member in self.members:
            member.tell("connect")
        deadline = time.monotonic() + within
        ready = [member.await_event("ready", deadline) for member in self.members]
        self.ready_cpu_ms = sum(message["cpu_ms"] for message in ready)
        failed = {error: n for message in ready for error, n in message["errors"].items()}
        if sum(message["failed"] for message in ready):
            raise SwarmError(f"clients could not join: {failed}")
        return self

    def await_tokens(self, count: int, within: float) -> bool:
        """Wait until every client holds `count` tokens; False when the time ran out first."""
        for member in self.members:
            member.tell(f"expect {count}")
        deadline = time.monotonic() + within
        try:
            for member in self.members:
                member.await_event("complete", deadline)
        except SwarmError:
            return False
        return True

    def report(self, within: float = 60.0) -> SwarmReport:
        """What every client received."""
        deadline = time.monotonic() + within
        for member in self.members:
            member.tell("report")
        messages = [member.await_event("report", deadline) for member in self.members]
        return SwarmReport(
            [ClientRecord(c["seqs"], c["delays"]) for m in messages for c in m["clients"]],
            sum(m["lost"] for m in messages),
            merge_tokens([m["tokens"] for m in messages]),
            (sum(m["cpu_ms"] for m in messages) - self.ready_cpu_ms) / 1000,
        )

    def close(self) -> None:
        """Close every client and stop every process."""
        for member in self.members:
            member.stop()


class HealthWatch:
    """Polls /healthz on a fresh connection every `period` seconds, as a load balancer does, from start to stop."""

    def __init__(self, url: str, period: float = 0.1, timeout: float = 5.0) -> None:
        self.url, self.period, self.timeout = f"{url}/healthz", period, timeout
        self.samples: list[tuple[float, int, float]] = []  # (monotonic start, status or 0 when none, seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 1)

    def _run(self) -> None:
        """Poll until stopped; `period` paces the polls, it waits for nothing."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = requests.get(self.url, timeout=self.timeout, headers={"Connection": "close"}).status_code
            except requests.RequestException:
                status = 0
            self.samples.append((started, status, time.monotonic() - started))
            self._stop.wait(self.period)

    def slowest(self, since: float = 0.0, until: float = float("inf")) -> float:
        """The longest answer to a poll sent between two monotonic times, in seconds."""
        return max((seconds for at, _, seconds in self.samples if since <= at < until), default=0.0)

    @property
    def failures(self) -> int:
        """Polls answered other than 200, or not at all."""
        return sum(status != 200 for _, status, _ in self.samples)
