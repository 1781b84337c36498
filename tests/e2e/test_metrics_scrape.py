"""After a class has been played, every service's scrape endpoint carries the seeds' metrics.

The whole stack runs with its scrape endpoints on (`StackConfig(metrics=True)`, as `make run`
does) in a subprocess, because metrics are installed once per process (`setup_telemetry`): on
the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ. A
class is scheduled through the edge, the simulator plays it and delivers its cloud recording
(one download cut short, so a download error is counted and then retried), a request without a
token is refused; then each endpoint is scraped over HTTP. This test parses every scrape with
Prometheus' text parser and checks the numbers: a successful sync counted, its processing time
observed, storage used above zero, the meeting creation counted, requests and their latency by
route and gRPC method, the outbox gauges, and no id, token or tenant in any label.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.unit.deploy.promql import parse

SCRIPT = r"""
import asyncio, json, sys, time
from pathlib import Path

import httpx

from classbridge_common.telemetry import setup_telemetry
from devstack.testing import isolated_stack


async def main(data_dir: str, database_url: str, amqp_url: str) -> None:
    setup_telemetry("classbridge")
    urls = {"database_url": database_url or None, "amqp_url": amqp_url or None}
    async with isolated_stack(Path(data_dir), metrics=True, **urls) as stack:
        headers = {"Authorization": f"Bearer {stack.token()}"}
        async with httpx.AsyncClient(base_url=stack.edge_url, headers=headers, timeout=30) as edge:
            course = (await edge.post("/api/v1/courses", json={"title": "Metrics"})).json()
            batch = (await edge.post("/api/v1/batches", json={
                "course_id": course["data"]["id"], "name": "B", "type": "group"})).json()
            scheduled = (await edge.post(f"/api/v1/batches/{batch['data']['id']}/schedule", json={
                "date": "2030-01-15", "start_time": "10:00", "end_time": "11:00",
                "title": "Counted", "create_zoom_meeting": True})).json()
            session_id = scheduled["data"]["session"]["id"]
            meeting_id = int(scheduled["data"]["zoom_meeting"]["id"])
            async with httpx.AsyncClient(timeout=10) as anonymous:
                refused = await anonymous.get(f"{stack.edge_url}/api/v1/sessions/{session_id}")
                assert refused.status_code == 401, refused.status_code
            async with stack.sim_client() as zoom:
                await zoom.fault("truncate", after_bytes=1024, count=1)
                await zoom.start(meeting_id)
                files = [{"file_type": "MP4", "size": 2 * 1024 * 1024},
                         {"file_type": "CHAT", "size": 4096}]
                await zoom.end(meeting_id, recording={"files": files, "delay": 0.2})
            deadline = time.monotonic() + 90
            lessons = 0
            while time.monotonic() < deadline and lessons < 2:
                got = (await edge.get(f"/api/v1/sessions/{session_id}")).json()
                lessons = int(got["data"].get("recorded_lesson_count", 0))
                await asyncio.sleep(0.2)
            assert lessons == 2, lessons
        scrapes = {}
        async with httpx.AsyncClient(timeout=10) as client:
            for name, url in stack.metrics.items():
                answer = await client.get(url)
                scrapes[name] = {
                    "status": answer.status_code,
                    "type": answer.headers.get("content-type", ""),
                    "text": answer.text,
                }
        json.dump({"scrapes": scrapes, "ids": [session_id, str(meeting_id),
                   batch["data"]["id"], course["data"]["id"], stack.token()]}, sys.stdout)


asyncio.run(main(*sys.argv[1:4]))
"""

INFRASTRUCTURE = ["embedded", pytest.param("postgres+rabbitmq", marks=pytest.mark.integration)]
SERVICES = {"scheduler", "zoom-gateway", "recording-sync", "webhook-ingest", "edge"}
RULES = Path(__file__).resolve().parents[2] / "deploy/k8s/components/prometheus/prometheusrule.yaml"
# Counters appear at their first event; a class played well dead-letters nothing, and with no
# platform endpoint registered no outgoing webhook is attempted.
ONLY_AFTER_A_FAILURE = {"app_bus_dead_lettered_total", "app_webhook_deliveries_total"}


def _samples(text: str) -> dict[str, list[Sample]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def _total(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


@pytest.mark.parametrize("infrastructure", INFRASTRUCTURE)
def test_every_scrape_endpoint_parses_and_carries_the_seed_metrics(
    infrastructure: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    urls = ["", ""]
    if infrastructure != "embedded":
        urls = [request.getfixturevalue("database_url"), request.getfixturevalue("amqp_url")]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), *urls],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    scrapes = result["scrapes"]
    assert set(scrapes) == SERVICES
    parsed: dict[str, dict[str, list[Sample]]] = {}
    for name, scrape in scrapes.items():
        assert scrape["status"] == 200, name
        assert scrape["type"].startswith("text/plain; version=0.0.4"), scrape["type"]
        parsed[name] = _samples(scrape["text"])  # raises on anything Prometheus would refuse

    # One process: each endpoint serves the stack's one registry; read it from recording-sync's.
    families = parsed["recording-sync"]
    sync = families["app_recording_sync"]
    assert _total(sync, "app_recording_sync_total", app_outcome="success") == 1
    processing = families["app_recording_processing_seconds"]
    assert _total(processing, "app_recording_processing_seconds_count") >= 1
    assert _total(processing, "app_recording_processing_seconds_sum") > 0
    stored = 2 * 1024 * 1024 + 4096
    assert _total(families["app_storage_bytes"], "app_storage_bytes") == stored
    used = families["app_storage_used_bytes"]
    assert _total(used, "app_storage_used_bytes", app_service="recording-sync") == stored
    # the cut-short download: an error by type, and the bytes written (the retry's included)
    errors = families["app_errors"]
    assert _total(errors, "app_errors_total", app_operation="recording_download") >= 1
    assert _total(families["app_transfer_bytes"], "app_transfer_bytes_total") >= stored
    created = families["app_meeting_create"]
    assert _total(created, "app_meeting_create_total", app_outcome="success") == 1
    webhooks = families["app_webhook_received"]
    assert _total(webhooks, "app_webhook_received_total", app_outcome="accepted") >= 3

    # golden signals: requests by route template and status, gRPC calls by method, Zoom calls
    http = families["app_http_server_duration_seconds"]
    count = "app_http_server_duration_seconds_count"
    session_route = "/api/v1/sessions/{session_id}"
    assert _total(http, count, http_route=session_route, http_response_status_code="401") == 1
    assert _total(http, count, http_route=session_route, http_response_status_code="200") >= 1
    assert _total(http, count, http_route="/zoom/webhook", http_response_status_code="200") >= 3
    rpc = families["app_rpc_server_duration_seconds"]
    rpc_count = "app_rpc_server_duration_seconds_count"
    assert _total(rpc, rpc_count, rpc_method="CreateMeeting", rpc_grpc_status_code="OK") == 1
    assert _total(rpc, rpc_count, rpc_method="CreateSession", rpc_grpc_status_code="OK") == 1
    assert not [s for s in rpc if s.labels.get("rpc_service") == "grpc.health.v1.Health"]
    zoom = families["app_zoom_api_calls"]
    assert _total(zoom, "app_zoom_api_calls_total", app_zoom_status="201") >= 1
    tokens = families["app_zoom_token_requests"]
    assert _total(tokens, "app_zoom_token_requests_total", app_outcome="success") >= 1
    # the outbox of every service that has one, drained by its relay
    depth = families["app_outbox_depth"]
    for service in ("scheduler", "recording-sync", "webhook-ingest"):
        assert [s for s in depth if s.labels["app_service"] == service], service
    lag = families["app_outbox_lag_seconds"]
    assert all(s.value < 60 for s in lag)
    stuck = families["app_recording_sync_jobs_stuck"]
    assert _total(stuck, "app_recording_sync_jobs_stuck") == 0

    # no id, token or tenant-identifying value in any label of any endpoint
    for name, families_of in parsed.items():
        labels = {v for samples in families_of.values() for s in samples for v in s.labels.values()}
        for secret in result["ids"]:
            assert not any(secret in label for label in labels), (name, secret)

    # every series an alert watches is there already (but counters of failures not seen yet)
    (rules,) = [d for d in yaml.safe_load_all(RULES.read_text()) if d]
    watched = {
        metric
        for group in rules["spec"]["groups"]
        for rule in group["rules"]
        for metric in parse(rule["expr"]).metrics
    }
    scraped = {s.name for samples in families.values() for s in samples}
    assert watched - ONLY_AFTER_A_FAILURE <= scraped, watched - scraped
