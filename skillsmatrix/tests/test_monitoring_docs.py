"""docs/grafana-dashboard.json and docs/alerts.yml (issue 19): well formed, and built only on
series the site exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from skillsmatrix import metrics
from skillsmatrix.breaker import breaker_for

DOCS = Path(__file__).resolve().parents[2] / "docs"
DASHBOARD = DOCS / "grafana-dashboard.json"
ALERTS = DOCS / "alerts.yml"
# Series Prometheus makes itself for every target it scrapes.
PROMETHEUS_OWN = {"up"}
# Words of PromQL that look like names.
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
DURATION = re.compile(r"\d+[smhdwy]")


def metric_names(expr: str) -> set[str]:
    """The series an expression reads, roughly: what is left once label matchers, groupings,
    ranges, strings, Grafana's variables and function calls are taken out."""
    expr = re.sub(r"\$\{[^}]*\}|\$\w+", "", expr)
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    names = set()
    for match in re.finditer(r"\b([a-zA-Z_:][\w:]*)\b(\s*\()?", expr):
        name, call = match.groups()
        if call is None and name.lower() not in PROMQL_WORDS:
            names.add(name)
    return names


def test_metric_names_reads_the_series_of_an_expression():
    assert metric_names(
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{view!~"x|y"}[5m]))) > 2'
    ) == {"a_bucket"}
    assert metric_names('sum(rate(a_count{s=~"5.."}[$__rate_interval])) / sum(b) and up') == {
        "a_count",
        "b",
        "up",
    }


@pytest.fixture
def exported(client, settings, db) -> set[str]:
    """Every sample name /metrics answers once each kind of series has a sample."""
    settings.METRICS_TOKEN = "metrics-token-for-the-tests"
    client.get("/healthz")
    metrics.task_observe("tests.task", "SUCCESS", 0.1)
    metrics.redis_command_observe("Redis at docs:1", "GET", "ok", 0.001)
    breaker_for("Redis at docs:1", reset_seconds=5).failure()
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-for-the-tests")
    assert response.status_code == 200
    return {
        sample.name
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def _alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.mark.django_db
def test_the_dashboard_and_alerts_read_only_exported_series(exported):
    for source, exprs in (
        ("docs/grafana-dashboard.json", _dashboard_exprs()),
        ("docs/alerts.yml", [rule["expr"] for rule in _alert_rules()]),
    ):
        read = set().union(*(metric_names(expr) for expr in exprs))
        assert read, source
        unknown = read - exported - PROMETHEUS_OWN
        assert not unknown, f"{source} reads series /metrics does not export: {sorted(unknown)}"


def test_the_dashboard_is_a_grafana_dashboard():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"]
    assert dashboard["uid"]
    assert isinstance(dashboard["schemaVersion"], int)
    panels = dashboard["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        position = panel["gridPos"]
        assert 0 <= position["x"] < 24
        assert position["x"] + position["w"] <= 24
        assert position["h"] > 0
        if panel["type"] == "row":
            continue
        assert panel["type"] in {"timeseries", "stat"}
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids))
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    for expr in _dashboard_exprs():
        assert expr.count("(") == expr.count(")"), expr
        assert set(re.findall(r"\$(\w+)", expr)) <= variables | {"__rate_interval"}, expr


def test_the_alerts_cover_what_the_issue_asks():
    rules = _alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        assert isinstance(rule["expr"], str)
        assert rule["expr"].count("(") == rule["expr"].count(")")
        assert DURATION.fullmatch(rule["for"])
        assert rule["labels"]["severity"] in {"page", "warning"}
        assert rule["annotations"]["summary"]
    exprs = " ".join(rule["expr"] for rule in rules)
    # Error rate, p99, outbox age, breaker open, worker absent.
    assert 'status=~"5.."' in exprs
    assert "histogram_quantile(0.99" in exprs
    assert "skillsmatrix_outbox_oldest_pending_age_seconds" in exprs
    assert "skillsmatrix_circuit_breaker_open" in exprs
    assert 'absent(up{job="skillsmatrix-worker"} == 1)' in exprs


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_alerts():
    result = subprocess.run(  # noqa: S603 - a fixed command on our file
        ["promtool", "check", "rules", str(ALERTS)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
