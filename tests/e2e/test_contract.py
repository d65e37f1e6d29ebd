"""The OpenAPI document is the contract: schemathesis runs every operation of the production server with every
check, negative data included, once as an anonymous client and once with the admin credential."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live_server import ROOT, LiveApp
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "s3cret-admin-token"
CONFIG = ROOT / "tests" / "contract" / "schemathesis.toml"
EXAMPLES = 60  # per operation and phase: about 1,500 requests a run


@pytest.fixture
def production(simulator: SimulatorServer, tmp_path: Path) -> Iterator[LiveApp]:
    """gunicorn -c gunicorn.conf.py with admin access, inbound limits out of the way of one fuzzing client."""
    env = {**simulator.base_urls(), "SQLITE_PATH": str(tmp_path / "tokens.db"), "ADMIN_TOKEN": ADMIN_TOKEN,
           "RATE_LIMIT_DEFAULT": "100000 per minute", "RATE_LIMIT_TRIGGER": "100000 per minute",
           "DISCOVERY_MIN_INTERVAL": "30"}  # fmt: skip
    app = LiveApp(env, server="gunicorn").start()
    try:
        yield app
    finally:
        app.stop()


def schemathesis(app: LiveApp, workdir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`schemathesis run --checks all` against the app's own OpenAPI document."""
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
               f"{app.url}/api/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", "20261129",
               "--no-color", "--report-dir", str(workdir), *options]  # fmt: skip
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("credential", ["anonymous", "admin"])
def test_every_operation_keeps_the_contract_under_schemathesis(
    production: LiveApp, tmp_path: Path, credential: str
) -> None:
    options = ("--header", f"Authorization: Bearer {ADMIN_TOKEN}") if credential == "admin" else ()
    run = schemathesis(production, tmp_path, *options)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    passed = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert passed and passed.group(1) == passed.group(2) and "Failures:" not in run.stdout, run.stdout[-5000:]
    # Without the credential the admin operations answer 401, then 429 once too many wrong tokens were sent;
    # the watchers' operations answer 401 without an owner key, which no run can hold beforehand.
    warnings = [line for line in run.stdout.splitlines() if line.strip().startswith("⚠️")]
    allowed = ("Authentication failed",) if credential == "admin" else ("Authentication failed", "Rate limited")
    assert all(any(kind in warning for kind in allowed) for warning in warnings), warnings
    tested = [line for line in run.stdout.splitlines() if line.strip().startswith("Tested:")]
    operations = sum(len(item) for item in requests.get(f"{production.url}/api/openapi.json", timeout=5)
                     .json()["paths"].values())  # fmt: skip
    selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    assert selected and tested and selected.group(1) == selected.group(2) == tested[0].split()[-1], run.stdout[-3000:]
    assert int(selected.group(1)) >= operations - 1  # every operation but the document itself, none skipped
    assert requests.get(f"{production.url}/healthz", timeout=5).status_code == 200
