"""OpenTelemetry traces cross the services as one trace.

Scheduling a class is one trace from the edge's HTTP request through the scheduler and
zoom-gateway (gRPC) to the call to Zoom (httpx); a Zoom webhook is one trace from webhook-ingest's
request, through the outbox and the bus, to the scheduler's database update. The stack runs in a
subprocess because tracing is installed once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import asyncio, json, sys, time
from pathlib import Path

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from classbridge_common.telemetry import build_telemetry, instrument_httpx, instrument_sqlalchemy
from devstack.stack import StackConfig, running_stack


async def main(data_dir: str) -> None:
    spans = InMemorySpanExporter()
    telemetry = build_telemetry("classbridge", span_exporter=spans)
    trace.set_tracer_provider(telemetry.tracer_provider)
    instrument_httpx()
    instrument_sqlalchemy()
    config = StackConfig(data_dir=Path(data_dir), fixed_ports=False, sim_rate_limits=False)
    async with running_stack(config) as stack:
        headers = {"Authorization": f"Bearer {stack.token()}"}
        async with httpx.AsyncClient(base_url=stack.edge_url, headers=headers) as edge:
            course = (await edge.post("/api/v1/courses", json={"title": "Tracing"})).json()
            batch = (await edge.post("/api/v1/batches", json={
                "course_id": course["data"]["id"], "name": "B", "type": "group"})).json()
            scheduled = (await edge.post(f"/api/v1/batches/{batch['data']['id']}/schedule", json={
                "date": "2030-01-15", "start_time": "10:00", "end_time": "11:00",
                "title": "Spans"})).json()
            session_id = scheduled["data"]["session"]["id"]
            meeting_id = int(scheduled["data"]["zoom_meeting"]["id"])
            async with stack.sim_client() as zoom:
                await zoom.start(meeting_id)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                got = (await edge.get(f"/api/v1/sessions/{session_id}")).json()
                if got["data"]["status"] == "in_progress":
                    break
                await asyncio.sleep(0.1)
    telemetry.tracer_provider.force_flush()
    json.dump([
        {
            "name": s.name,
            "trace": format(s.context.trace_id, "032x"),
            "kind": s.kind.name,
            "statement": str(s.attributes.get("db.statement", "")),
            "url": str(s.attributes.get("http.url", s.attributes.get("url.full", ""))),
        }
        for s in spans.get_finished_spans()
    ], sys.stdout)


asyncio.run(main(sys.argv[1]))
"""


def test_scheduling_and_a_webhook_are_each_one_trace_across_services(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    # webhook-ingest traces each request only when traces are exported; nothing listens here,
    # and nothing is exported: the script installs its own in-memory provider.
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    spans = json.loads(done.stdout)

    def traces_of(predicate) -> set[str]:  # type: ignore[no-untyped-def]
        return {s["trace"] for s in spans if predicate(s)}

    schedule = traces_of(lambda s: s["name"].startswith("POST") and s["name"].endswith("/schedule"))
    assert len(schedule) == 1, [s["name"] for s in spans if s["kind"] == "SERVER"]
    (trace_id,) = schedule
    in_trace = [s for s in spans if s["trace"] == trace_id]
    names = " ".join(s["name"] for s in in_trace)
    assert "SchedulerService/CreateSession" in names
    assert "ZoomGatewayService/CreateMeeting" in names
    assert any(s["kind"] == "CLIENT" and "/v2/users/" in s["url"] for s in in_trace), names

    webhook = traces_of(lambda s: s["kind"] == "SERVER" and "/zoom/webhook" in s["name"])
    applied = traces_of(lambda s: "UPDATE sessions" in s["statement"])
    assert webhook & applied, [s["name"] for s in spans if s["trace"] in webhook]
