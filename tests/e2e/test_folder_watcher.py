"""The in-service folder watcher through the whole system (seed 003's /monitor routes): a class
is scheduled through the edge with its Zoom meeting, an operator points recording-sync's watcher
at a Zoom local-recordings folder and starts it, and a recording Zoom writes slowly into the
meeting's folder becomes one recorded lesson (source local_folder) of that session — only once
the file is complete, and only once. Recordings go to moto's S3 server.

Only operators see or steer the watcher (students, teachers and schools' admins are refused);
the agent's match route answers a school's staff with their session and another school's admin
with 404. Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from classbridge_common.testing import moto_s3_server
from devstack.stack import Stack
from devstack.testing import isolated_stack
from tests.e2e.classes import eventually, schedule_class
from tests.e2e.conftest import INFRASTRUCTURE


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture(params=INFRASTRUCTURE)
async def watched_stack(
    request: pytest.FixtureRequest, tmp_path: Path, s3_url: str
) -> AsyncIterator[tuple[Stack, Path]]:
    urls = {}
    if request.param != "embedded":
        urls = {
            "database_url": request.getfixturevalue("database_url"),
            "amqp_url": request.getfixturevalue("amqp_url"),
        }
    root = tmp_path / "recordings-host"
    (root / "Zoom").mkdir(parents=True)
    overrides = {
        "recording-sync": {
            "s3_endpoint_url": s3_url,
            "s3_bucket": f"watch-{uuid.uuid4().hex[:12]}",
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_create_bucket": True,
            "watcher_root": root,
            "watcher_settle_seconds": 1.0,
            "watcher_scan_seconds": 0.3,
        }
    }
    async with isolated_stack(tmp_path / "stack", overrides=overrides, **urls) as stack:
        yield stack, root


def _as(stack: Stack, subject: str, *roles: str, tenant: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(subject, roles, tenant=tenant)}"}


async def test_a_slowly_written_local_recording_becomes_one_lesson_of_its_session(
    watched_stack: tuple[Stack, Path],
) -> None:
    stack, root = watched_stack
    operator = _as(stack, "op-1", "operator")
    async with httpx.AsyncClient(
        base_url=stack.edge_url, headers={"Authorization": f"Bearer {stack.token()}"}, timeout=30
    ) as edge:
        _, session_id, meeting_id = await schedule_class(edge, "Physics")
        session = (await edge.get(f"/api/v1/sessions/{session_id}")).json()["data"]
        start = datetime.fromisoformat(session["scheduled_start"].replace("Z", "+00:00"))

        for who in (
            _as(stack, "stu-1", "student"),
            _as(stack, "t-1", "teacher"),
            _as(stack, "a-1", "admin"),
            _as(stack, "a-9", "admin", tenant="acme"),
        ):
            for method, path, body in (
                ("GET", "/monitor/status", None),
                ("POST", "/monitor/start", {}),
                ("PUT", "/monitor/path", {"path": "Zoom"}),
                ("POST", "/api/v1/monitor/stop", {}),
            ):
                refused = await edge.request(method, path, json=body, headers=who)
                assert refused.status_code == 403, (method, path, refused.text)
        outside = await edge.put("/monitor/path", json={"path": "/etc"}, headers=operator)
        assert outside.status_code == 400, outside.text
        assert (await edge.put("/monitor/path", json={}, headers=operator)).status_code == 400
        pointed = await edge.put("/monitor/path", json={"path": "Zoom"}, headers=operator)
        assert pointed.status_code == 200, pointed.text
        started = await edge.post("/monitor/start", headers=operator)
        assert started.status_code == 200, started.text
        assert started.json()["data"]["running"] is True

        folder = root / "Zoom" / f"{start:%Y-%m-%d %H.%M.%S} Physics - Lesson 1 {meeting_id}"
        folder.mkdir()

        async def lessons() -> list[dict[str, Any]]:
            listed = await edge.get(f"/api/v1/sessions/{session_id}/recorded-lessons")
            assert listed.status_code == 200, listed.text
            return list(listed.json()["data"])

        with (folder / "zoom_0.mp4").open("wb") as out:  # Zoom converting, for ~3 seconds
            out.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")  # an MP4's start
            for _ in range(12):
                out.write(os.urandom(128 * 1024))
                out.flush()
                await asyncio.sleep(0.25)
            assert await lessons() == []  # still being written: nothing yet

        async def one_lesson() -> bool:
            return len(await lessons()) == 1

        await eventually(one_lesson, "the local recording never became a lesson", within=30)
        await asyncio.sleep(1.5)  # several more scans
        found = await lessons()
        assert len(found) == 1
        assert "local_folder" in str(found[0]["source"]).lower()

        status = (await edge.get("/api/v1/monitor/status", headers=operator)).json()["data"]
        files = {f["path"]: f for f in status["files"]}
        uploaded = files[f"{folder.name}/zoom_0.mp4"]
        assert "uploaded" in str(uploaded["state"]).lower()
        assert int(uploaded["size_bytes"]) == 12 * 128 * 1024 + 24

        query = {"meeting_id": str(meeting_id), "start_time": start.isoformat()}
        mine = await edge.get("/api/v1/monitor/match", params=query)
        assert mine.status_code == 200, mine.text
        assert mine.json()["data"]["session_id"] == session_id
        elsewhere = await edge.get(
            "/api/v1/monitor/match", params=query, headers=_as(stack, "a-9", "admin", tenant="acme")
        )
        assert elsewhere.status_code == 404, elsewhere.text
        student = await edge.get(
            "/api/v1/monitor/match", params=query, headers=_as(stack, "stu-1", "student")
        )
        assert student.status_code == 403
        bad = await edge.get("/api/v1/monitor/match", params={"meeting_id": "x"})
        assert bad.status_code == 400
