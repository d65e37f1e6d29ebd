"""The browser code's pure parts (formats, filters, sort, URL, export, the client's resume logic) under node:test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_javascript_unit_tests_pass() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed: run `make system-deps`"
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", "tests/js/unit/"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout
