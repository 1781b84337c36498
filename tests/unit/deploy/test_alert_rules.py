"""The alert rules, the dashboard and the scrape wiring of deploy/k8s/components/prometheus.

promtool is not installable here, so the rule file is checked against the Prometheus rule-file
schema (groups, rules, durations, labels, annotations) and every expression is parsed by
:mod:`tests.unit.deploy.promql`. The metric and label names an expression uses must be ones the
services export: they are collected from a real scrape of the real instruments and database
gauges (every :class:`Metrics` method called once, the outbox and sync-job gauges read from
real tables), so a renamed instrument fails here before it silences an alert.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import create_async_engine

from classbridge_common.db import session_factory
from classbridge_common.gauges import GaugeBoard, outbox_source
from classbridge_common.scrape import MetricsEndpoint
from classbridge_common.telemetry import METER_NAME, Metrics, build_telemetry
from recording_sync.adapters import tables as recording_tables
from recording_sync.adapters.sync_gauges import sync_jobs_source
from tests.unit.deploy.promql import PromQLError, parse
from webhook_ingest.adapters import tables as webhook_tables
from webhook_ingest.adapters.delivery_gauges import delivery_source

REPO = Path(__file__).resolve().parents[3]
COMPONENT = REPO / "deploy" / "k8s" / "components" / "prometheus"
RUNBOOK = REPO / "docs" / "runbook.md"
SERVICES = ("scheduler", "zoom-gateway", "recording-sync", "webhook-ingest", "edge")

# Labels Prometheus adds to every scraped series (podmonitor.yaml's relabelings, its own).
TARGET_LABELS = {"service", "pod", "job", "instance", "namespace"}
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
# Seed 002's alert conditions plus outbox lag, dead-letter growth and stuck sync jobs.
REQUIRED_ALERTS = {
    "ClassbridgeAPIErrorRateHigh",
    "ClassbridgeAuthFailureSpike",
    "ClassbridgeZoomTokenRefreshFailing",
    "ClassbridgeEdgeRateLimited",
    "ClassbridgeZoomRateLimited",
    "ClassbridgeOutboxLagging",
    "ClassbridgeDeadLettersGrowing",
    "ClassbridgeSyncJobsStuck",
}


# --- what the services export, from a real scrape -----------------------------------------------


def _record_everything(metrics: Metrics) -> set[str]:
    """Call each recording method once; returns the names called (checked to be all)."""
    metrics.recording_sync(success=True)
    metrics.recording_sync(success=False, error_type="download")
    metrics.recording_processing(3.0, file_type="MP4")
    metrics.storage_bytes(10, backend="local")
    metrics.error("internal", operation="Get")
    metrics.meeting_create(success=False, error_type="Unavailable")
    metrics.webhook_received(event="meeting.ended", outcome="accepted")
    metrics.rpc_served(0.01, service="s.S", method="M", code="OK")
    metrics.http_served(0.01, method="GET", route="/r", status=200)
    metrics.zoom_api_call(category="light", status="429")
    metrics.zoom_token(grant="refresh_token", outcome="refused")
    metrics.dead_lettered(consumer="c", reason="max_attempts")
    metrics.transfer_bytes(1)
    metrics.webhook_delivery(0.2, event_type="session.scheduled", outcome="success")
    return {
        "recording_sync", "recording_processing", "storage_bytes", "error", "meeting_create",
        "webhook_received", "rpc_served", "http_served", "zoom_api_call", "zoom_token",
        "dead_lettered", "transfer_bytes", "webhook_delivery",
    }  # fmt: skip


async def _scrape() -> dict[str, set[str]]:
    telemetry = build_telemetry("classbridge-test")
    board = GaugeBoard(telemetry.meter_provider.get_meter(METER_NAME))
    with tempfile.TemporaryDirectory() as folder:
        engine = create_async_engine(f"sqlite+aiosqlite:///{folder}/recording-sync.db")
        webhook_engine = create_async_engine(f"sqlite+aiosqlite:///{folder}/webhook.db")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(recording_tables.metadata.create_all)
            sessions = session_factory(engine)
            board.add(outbox_source("recording-sync", sessions))
            board.add(
                sync_jobs_source("recording-sync", sessions, stuck_after=timedelta(minutes=15))
            )
            async with webhook_engine.begin() as connection:
                await connection.run_sync(webhook_tables.metadata.create_all)
            board.add(
                delivery_source(
                    "webhook-ingest",
                    session_factory(webhook_engine),
                    clock=lambda: datetime.now(UTC),
                )
            )
            called = _record_everything(telemetry.metrics)
            public = {
                name
                for name, member in inspect.getmembers(Metrics, inspect.isfunction)
                if not name.startswith("_")
            }
            assert called == public, f"record these too: {public - called}"
            async with (
                MetricsEndpoint(telemetry.registry, host="127.0.0.1", board=board) as ep,
                httpx.AsyncClient(timeout=10) as client,
            ):
                text = (await client.get(f"http://127.0.0.1:{ep.port}/metrics")).text
        finally:
            await webhook_engine.dispose()
            await engine.dispose()
            telemetry.shutdown()
    labels: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


@functools.cache
def exported() -> dict[str, set[str]]:
    """Every sample name the services' instruments and gauges export, with its labels."""
    return asyncio.run(_scrape())


def _check_names(expr: str, where: str) -> None:
    parsed = parse(expr)
    assert parsed.selectors, f"{where}: selects no series"
    names = exported()
    for selector in parsed.selectors:
        assert selector.metric in names, f"{where}: {selector.metric} is not exported"
        unknown = selector.labels - names[selector.metric] - TARGET_LABELS
        assert not unknown, f"{where}: {selector.metric} has no label {unknown}"
    known = set().union(*(names[s.metric] for s in parsed.selectors)) | TARGET_LABELS
    assert parsed.grouping <= known, f"{where}: grouped by unknown {parsed.grouping - known}"


# --- the rule file -------------------------------------------------------------------------------


@functools.cache
def _rule_file() -> dict[str, Any]:
    (doc,) = [d for d in yaml.safe_load_all((COMPONENT / "prometheusrule.yaml").read_text()) if d]
    return doc  # type: ignore[no-any-return]


def _alerts() -> list[dict[str, Any]]:
    return [r for g in _rule_file()["spec"]["groups"] for r in g["rules"] if "alert" in r]


def test_the_rule_file_follows_the_prometheus_rule_schema() -> None:
    doc = _rule_file()
    assert doc["apiVersion"] == "monitoring.coreos.com/v1"
    assert doc["kind"] == "PrometheusRule"
    assert doc["metadata"]["labels"]["classbridge.io/monitoring"] == "true"
    groups = doc["spec"]["groups"]
    assert isinstance(groups, list)
    assert groups
    assert len({g["name"] for g in groups}) == len(groups), "group names must be unique"
    alerts: set[str] = set()
    for group in groups:
        assert set(group) <= {"name", "interval", "rules", "limit"}, group["name"]
        assert isinstance(group["name"], str)
        assert group["name"]
        assert isinstance(group["rules"], list), group["name"]
        assert group["rules"], group["name"]
        for rule in group["rules"]:
            assert set(rule) <= RULE_KEYS, rule
            assert ("alert" in rule) != ("record" in rule), rule
            assert isinstance(rule["expr"], str)
            assert rule["expr"].strip()
            name = rule["alert"]
            assert re.fullmatch(r"Classbridge[A-Z][A-Za-z0-9]+", name), name
            assert name not in alerts, f"{name} twice"
            alerts.add(name)
            if "for" in rule:
                assert DURATION.match(rule["for"]), f"{name}: for {rule['for']!r}"
            labels = rule["labels"]
            assert labels["severity"] in {"critical", "warning"}, name
            assert all(isinstance(v, str) for v in labels.values()), name
            annotations = rule["annotations"]
            assert {"summary", "description", "runbook_url"} <= set(annotations), name
            for text in annotations.values():
                assert text.count("{{") == text.count("}}"), f"{name}: template {text!r}"
            assert annotations["runbook_url"] == f"docs/runbook.md#{name.lower()}"


def test_every_required_condition_has_an_alert() -> None:
    assert {a["alert"] for a in _alerts()} >= REQUIRED_ALERTS


@pytest.mark.parametrize("rule", _alerts(), ids=lambda r: r["alert"])
def test_each_expression_parses_and_names_only_exported_metrics(rule: dict[str, Any]) -> None:
    _check_names(rule["expr"], rule["alert"])


def test_the_checker_refuses_what_prometheus_would() -> None:
    for broken in (
        "sum(rate(app_errors_total[5m])",  # unclosed
        'app_errors_total{app_error_type="x"',  # unclosed matcher
        "app_errors_total{app_error_type=x}",  # unquoted value
        "rate(app_errors_total[five])",  # not a duration
        "summ(app_errors_total)",  # no such function
        'app_errors_total{app_error_type=~"("}',  # bad regex
    ):
        with pytest.raises(PromQLError):
            parse(broken)
    with pytest.raises(AssertionError, match="not exported"):
        _check_names("rate(app_recording_synced_total[5m]) > 0", "renamed")
    with pytest.raises(AssertionError, match="no label"):
        _check_names('app_outbox_lag_seconds{tenant="acme"} > 0', "tenant label")


# --- runbook, dashboard, wiring ------------------------------------------------------------------


def test_every_alert_has_a_runbook_entry_saying_what_it_means_how_to_look_what_to_do() -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    alerts = {a["alert"] for a in _alerts()}
    assert set(sections) == alerts, "one runbook entry per alert, and no stale ones"
    for name, body in sections.items():
        for part in ("**What it means.**", "**How to look.**", "**What to do.**"):
            assert part in body, f"{name}: no {part}"


def test_the_dashboard_queries_only_exported_metrics() -> None:
    dashboard = json.loads((COMPONENT / "dashboard.json").read_text(encoding="utf-8"))
    assert dashboard["uid"]
    assert dashboard["title"]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    queried: set[str] = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            _check_names(target["expr"], panel["title"])
            queried |= parse(target["expr"]).metrics
    seeds = {
        "app_recording_sync_total",
        "app_recording_processing_seconds_sum",
        "app_storage_used_bytes",
        "app_errors_total",
        "app_meeting_create_total",
    }
    assert seeds <= queried, seeds - queried


def test_each_service_pod_exposes_the_port_prometheus_scrapes() -> None:
    component = yaml.safe_load((COMPONENT / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    (config,) = [g for g in component["configMapGenerator"] if g["name"] == "classbridge-config"]
    port = int(dict(lit.split("=", 1) for lit in config["literals"])["METRICS_PORT"])
    (patch,) = component["patches"]
    target = re.compile(patch["target"]["name"])
    assert all(target.fullmatch(name) for name in SERVICES)
    assert target.fullmatch("webhook-ingest-deliver")  # it counts the outgoing webhooks
    assert not target.fullmatch("webhook-ingest-relay")
    (added,) = yaml.safe_load(patch["patch"])
    assert added["value"] == {"name": "metrics", "containerPort": port, "protocol": "TCP"}
    (monitor,) = yaml.safe_load_all((COMPONENT / "podmonitor.yaml").read_text())
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")
    selected = monitor["spec"]["selector"]["matchExpressions"][0]["values"]
    assert sorted(selected) == sorted([*SERVICES, "webhook-ingest-deliver"])
    relabel = {r["targetLabel"]: r["sourceLabels"] for r in endpoint["relabelings"]}
    assert relabel["service"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    (policy,) = yaml.safe_load_all((COMPONENT / "networkpolicy.yaml").read_text())
    (rule,) = policy["spec"]["ingress"]
    assert [p["port"] for p in rule["ports"]] == [port]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    for overlay in ("dev", "prod"):
        kustomization = yaml.safe_load(
            (REPO / "deploy" / "k8s" / "overlays" / overlay / "kustomization.yaml").read_text()
        )
        assert "../../components/prometheus" in kustomization["components"], overlay
