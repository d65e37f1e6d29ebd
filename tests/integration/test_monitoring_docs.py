"""The alert rules and the dashboard in docs/monitoring/ are well formed and read only what /metrics exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from tests.service_support import make_app
from token_discovery import events
from token_discovery.api.app import services_of, socketio_of
from token_discovery.simulator import SimulatorServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "docs" / "monitoring"
ALERTS = MONITORING / "alerts.yml"
ALERT_TESTS = MONITORING / "alerts_test.yml"
DASHBOARD = MONITORING / "grafana.json"
METRIC = re.compile(r"\btd_[a-z0-9_]+")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
SERIES_SUFFIXES = {"counter": ("_total",), "histogram": HISTOGRAM_SUFFIXES}
SEVERITIES = {"critical", "warning", "info"}
REDIS_URL = "redis://127.0.0.1:6379/12"


def alert_rules() -> list[dict[str, Any]]:
    """Every rule of alerts.yml."""
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def panel_expressions() -> list[str]:
    """The PromQL expression of every panel target of grafana.json."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def variable_queries() -> list[str]:
    """The queries of grafana.json's template variables (Grafana's label_values(metric, label))."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [variable["definition"] for variable in dashboard["templating"]["list"] if variable["type"] == "query"]


def promtool(*args: str, cwd: Path = MONITORING) -> None:
    """Run promtool and fail with its output unless it succeeds."""
    done = subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_the_alert_rules_are_well_formed() -> None:
    document = yaml.safe_load(ALERTS.read_text())
    assert document["groups"], "no rule group"
    names = []
    for group in document["groups"]:
        assert group["name"] and group["rules"], group
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"TokenDiscovery[A-Za-z]+", rule["alert"]), rule["alert"]
            assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule["alert"]
            assert re.fullmatch(r"\d+[smh]", str(rule["for"])), rule["alert"]
            assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
            assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
            names.append(rule["alert"])
    assert len(names) == len(set(names)), "an alert name is used twice"
    if shutil.which("promtool"):
        promtool("check", "rules", ALERTS.name)
        promtool("test", "rules", ALERT_TESTS.name)  # "no new token for 10 minutes" and "store down" fire


def test_the_dashboard_is_importable_with_any_prometheus_datasource(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    assert dashboard["title"] and dashboard["uid"] and dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "two panels share an id"
    for panel in dashboard["panels"]:
        assert panel["title"], panel
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"] and all(target["expr"].strip() for target in panel["targets"]), panel["title"]
    if shutil.which("promtool"):  # every expression parses as PromQL (Grafana's variables given plain values)
        rules = [{"record": f"dashboard:expr{i}", "expr": expression.replace("$__rate_interval", "5m")
                  .replace("$instance", ".*")} for i, expression in enumerate(panel_expressions())]  # fmt: skip
        (tmp_path / "dashboard.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
        promtool("check", "rules", "dashboard.yml", cwd=tmp_path)


def grade_two_tokens_by_hand(app: Flask) -> None:
    """A safe verdict that held and a risky one that rugged, so both outcome rates are exported."""
    store = services_of(app).store
    keys = [(record.chain, record.address) for record in store.recent(10)]
    documents = list(store.outcomes_for(keys).values())
    assert len(documents) >= 2, "the scan tracked no outcome"
    store.save_outcomes([{**documents[0], "level": "safe", "outcome": "alive"},
                         {**documents[1], "level": "risky", "outcome": "rugged"}])  # fmt: skip


def exported_names(app: Flask) -> set[str]:
    """Every series name the app's /metrics declares or holds (td_scans_total, td_broadcast_seconds_bucket, ...).

    A counter with no sample yet (no route was ever rate-limited, say) is declared all the same.
    """
    text = app.test_client().get("/metrics").get_data(as_text=True)
    names = set()
    for family in text_string_to_metric_families(text):
        names |= {sample.name for sample in family.samples}
        names |= {family.name + suffix for suffix in SERIES_SUFFIXES.get(family.type, ("",))}
    return names


def metric_of(name: str) -> str:
    """A histogram's series named as its metric (td_broadcast_seconds_bucket -> td_broadcast_seconds)."""
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_every_metric_the_rules_and_the_dashboard_read_is_exported(simulator: SimulatorServer) -> None:
    referenced = {name for rule in alert_rules() for name in METRIC.findall(rule["expr"])}
    referenced |= {name for query in panel_expressions() + variable_queries() for name in METRIC.findall(query)}
    app = make_app(simulator)
    clustered = make_app(simulator, REDIS_URL=REDIS_URL, REDIS_PREFIX=f"td:test:{uuid.uuid4()}:")
    try:
        socket = socketio_of(app).test_client(app)
        socket.emit(events.JOIN_DISCOVERY, {})
        response = app.test_client().post("/api/discovery/trigger", json={"max_tokens": 4})
        assert response.status_code == 200, response.get_json()  # broadcasts timed, HTTP latency recorded
        grade_two_tokens_by_hand(app)
        socket.disconnect()
        exported = exported_names(app) | exported_names(clustered)  # td_redis_up exists only with REDIS_URL
    finally:
        services_of(app).close()
        services_of(clustered).close()
    missing = sorted({metric_of(name) for name in referenced if name not in exported})
    assert not missing, f"read by docs/monitoring/ but not exported by /metrics: {missing}"
