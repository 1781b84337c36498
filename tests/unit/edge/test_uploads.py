"""The edge's upload routes against a real recording-sync (local disk, and moto's S3 server):
the tus 1.0 API (OPTIONS, POST, HEAD, PATCH, GET, DELETE) and seed 003's one-shot
``POST /upload/recording``; the bytes go through without the edge's JSON body limit, the
protocol's errors have their statuses (400, 409, 412, 413, 415), and students, teachers of other
batches and other tenants are refused (403/404) with nothing stored."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from classbridge_common.testing import make_settings, moto_s3_server, unique_name
from edge.app import create_app
from edge.clients import open_clients
from edge.settings import Settings
from recording_sync.bootstrap import Running
from tests.unit.edge.conformance import Conformance
from tests.unit.recording_sync.upload_fixtures import (
    MIB,
    SECRET,
    SessionScheduler,
    executable,
    mp4,
    serving_scheduler,
    upload_service,
)
from tests.unit.recording_sync.upload_fixtures import caller as grpc_caller

TUS = {"Tus-Resumable": "1.0.0"}


def _auth(subject: str, *roles: str, tenant: str | None = None) -> dict[str, str]:
    [(_, value)] = grpc_caller(subject, *roles, tenant=tenant)
    return {"Authorization": value}


TEACHER = _auth("teacher-1", "teacher")
OTHER_TEACHER = _auth("teacher-2", "teacher")
STUDENT = _auth("student-1", "student")
ADMIN = _auth("admin-1", "admin")
OTHER_TENANT = _auth("admin-9", "admin", tenant="acme")


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's S3 server, one for this module."""
    with moto_s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
async def sync_service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Running]:
    fake = SessionScheduler()
    fake.teacher("default", "teacher-1", ["b-1"])
    fake.teacher("default", "teacher-2", ["b-2"])
    fake.student("default", "student-1", ["b-1"])
    fake.session("default", "s-1", "b-1")
    fake.session("acme", "s-acme", "b-acme")
    overrides: dict[str, Any] = {"upload_max_bytes_by_tenant": "default=30MiB"}
    if request.param == "s3":
        overrides |= {
            "s3_endpoint_url": request.getfixturevalue("moto_url"),
            "s3_bucket": unique_name("edge-uploads"),
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_create_bucket": True,
            "s3_multipart_chunk_bytes": 5 * MIB,
        }
    async with (
        serving_scheduler(fake) as port,
        upload_service(tmp_path / "sync", port, **overrides) as running,
    ):
        yield running


@pytest.fixture
async def edge(tmp_path: Path, sync_service: Running) -> AsyncIterator[httpx.AsyncClient]:
    nowhere = sync_service.settings.scheduler_addr  # the other services are not asked here
    settings = make_settings(
        Settings,
        service_name="edge",
        data_dir=tmp_path / "edge",
        auth_jwt_secret=SECRET,
        scheduler_addr=nowhere,
        zoom_gateway_addr=nowhere,
        recording_sync_addr=sync_service.grpc_address,
        webhook_ingest_addr=nowhere,
        grpc_timeout_seconds=10.0,
        http_host="127.0.0.1",
        http_port=0,
        max_body_bytes=4096,  # JSON bodies only: uploads are not held to it
    )
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        hooks = {"response": [Conformance(app).on_response]}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://edge.test", event_hooks=hooks
        ) as http:
            yield http


def _metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def _create(
    edge: httpx.AsyncClient, size: int, who: dict[str, str] = TEACHER, **meta: str
) -> httpx.Response:
    meta.setdefault("session_id", "s-1")
    meta.setdefault("filename", "week1.mp4")
    return await edge.post(
        "/api/v1/uploads",
        headers={**who, **TUS, "Upload-Length": str(size), "Upload-Metadata": _metadata(**meta)},
    )


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


async def _patch(
    edge: httpx.AsyncClient, location: str, offset: int, data: bytes, who: dict[str, str] = TEACHER
) -> httpx.Response:
    return await edge.patch(
        location,
        content=_chunks(data),
        headers={
            **who,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(len(data)),
        },
    )


async def test_a_tus_upload_in_pieces_becomes_a_recording(edge: httpx.AsyncClient) -> None:
    options = await edge.options("/api/v1/uploads", headers=TEACHER)
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert options.headers["Tus-Extension"] == "creation,termination"
    assert options.headers["Tus-Max-Size"] == str(30 * MIB)
    data = mp4(9 * MIB + 4321)
    created = await _create(edge, len(data), checksum=hashlib.sha256(data).hexdigest())
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location == f"/api/v1/uploads/{created.json()['data']['id']}"
    offset = 0
    for size in (5000, 2 * MIB, 3 * MIB + 1, 2 * MIB):
        answer = await _patch(edge, location, offset, data[offset : offset + size])
        assert answer.status_code == 204, answer.text
        offset += size
        assert answer.headers["Upload-Offset"] == str(offset)
        head = await edge.head(location, headers={**TEACHER, **TUS})
        assert head.status_code == 200
        assert head.headers["Upload-Offset"] == str(offset)
        assert head.headers["Upload-Length"] == str(len(data))
        assert head.headers["Cache-Control"] == "no-store"
    last = await _patch(edge, location, offset, data[offset:])
    assert last.status_code == 204
    assert last.headers["Upload-Offset"] == str(len(data))
    shown = (await edge.get(location, headers=TEACHER)).json()["data"]
    assert shown["state"] == "completed"
    assert shown["recording_id"]
    assert shown["content_type"] == "video/mp4"
    recording = await edge.get(f"/api/v1/recordings/{shown['recording_id']}", headers=TEACHER)
    assert recording.json()["data"]["source"] == "manual_upload"
    assert recording.json()["data"]["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    again = await _patch(edge, location, len(data), b"x")
    assert again.status_code == 413  # nothing is left to send


async def test_protocol_errors_have_their_statuses(edge: httpx.AsyncClient) -> None:
    missing = await edge.post("/api/v1/uploads", headers={**TEACHER, **TUS})
    assert missing.status_code == 400
    assert "Upload-Length" in missing.json()["error"]["message"]
    no_session = await edge.post(
        "/api/v1/uploads",
        headers={**TEACHER, **TUS, "Upload-Length": "10", "Upload-Metadata": _metadata(x="y")},
    )
    assert no_session.status_code == 400
    garbled = await edge.post(
        "/api/v1/uploads",
        headers={**TEACHER, **TUS, "Upload-Length": "10", "Upload-Metadata": "session_id !!"},
    )
    assert garbled.status_code == 400
    old = await edge.post(
        "/api/v1/uploads",
        headers={**TEACHER, "Tus-Resumable": "0.2.2", "Upload-Length": "10"},
    )
    assert old.status_code == 412
    assert old.headers["Tus-Version"] == "1.0.0"
    too_big = await _create(edge, 30 * MIB + 1)
    assert too_big.status_code == 413
    assert "at most 31457280 bytes" in too_big.json()["error"]["message"]
    location = (await _create(edge, 2 * MIB)).headers["Location"]
    wrong_offset = await _patch(edge, location, 7, b"abc")
    assert wrong_offset.status_code == 409
    as_json = await edge.patch(
        location, json={"a": 1}, headers={**TEACHER, **TUS, "Upload-Offset": "0"}
    )
    assert as_json.status_code == 415
    longer = await _patch(edge, location, 0, mp4(2 * MIB + 1))
    assert longer.status_code == 413
    assert (await edge.head(location, headers=TEACHER)).headers["Upload-Offset"] == "0"


async def test_bytes_that_are_no_recording_are_415_and_nothing_is_kept(
    edge: httpx.AsyncClient, sync_service: Running
) -> None:
    data = executable(7 * MIB)
    location = (await _create(edge, len(data), filename="lesson.mp4")).headers["Location"]
    refused = await _patch(edge, location, 0, data)
    assert refused.status_code == 415, refused.text
    assert "not a recording" in refused.json()["error"]["message"]
    shown = (await edge.get(location, headers=TEACHER)).json()["data"]
    assert shown["state"] == "failed"
    assert shown["error_reason"] == "UNSUPPORTED_MEDIA_TYPE"
    listed = await edge.get("/api/v1/recordings", headers=ADMIN)
    assert listed.json()["data"] == []


async def test_students_other_teachers_and_other_tenants_are_refused(
    edge: httpx.AsyncClient,
) -> None:
    assert (await _create(edge, 10, STUDENT)).status_code == 403
    assert (await _create(edge, 10, OTHER_TEACHER)).status_code == 403
    assert (await _create(edge, 10, OTHER_TENANT)).status_code == 404
    assert (await _create(edge, 10, OTHER_TENANT, session_id="s-acme")).status_code == 201
    assert (await edge.options("/api/v1/uploads", headers=STUDENT)).status_code == 403
    data = mp4(MIB, seed=3)
    location = (await _create(edge, len(data))).headers["Location"]
    for who, status in ((STUDENT, 403), (OTHER_TEACHER, 404), (OTHER_TENANT, 404)):
        assert (await _patch(edge, location, 0, data, who)).status_code == status
        assert (await edge.head(location, headers=who)).status_code == status
        assert (await edge.get(location, headers=who)).status_code == status
        assert (await edge.delete(location, headers={**who, **TUS})).status_code == status
    assert (await edge.head(location, headers=TEACHER)).headers["Upload-Offset"] == "0"
    assert (await edge.delete(location, headers={**TEACHER, **TUS})).status_code == 204
    assert (await edge.get(location, headers=TEACHER)).json()["data"]["state"] == "failed"
    assert (await _patch(edge, location, 0, data)).status_code == 404


def _form(boundary: str, data: bytes, *, session_first: bool = True) -> bytes:
    session = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="session_id"\r\n\r\ns-1\r\n'
    ).encode()
    title = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="lesson_title"\r\n\r\nRecap\r\n'
    ).encode()
    file = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    end = f"\r\n--{boundary}--\r\n".encode()
    if session_first:
        return session + title + file + data + end
    return title + file + data + end + b""


async def test_seed_003s_one_shot_upload_streams_a_form_or_a_raw_body(
    edge: httpx.AsyncClient,
) -> None:
    data = mp4(6 * MIB + 99, seed=4)
    boundary = "classbridge-boundary-7d3"
    body = _form(boundary, data)
    answer = await edge.post(
        "/upload/recording",
        content=_chunks(body, 100_000),
        headers={
            **TEACHER,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
        },
    )
    assert answer.status_code == 201, answer.text
    recording = answer.json()["data"]
    assert recording["source"] == "manual_upload"
    assert recording["session_id"] == "s-1"
    assert recording["files"][0]["size_bytes"] == str(len(data))
    assert recording["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert recording["files"][0]["lesson_title"] == "Recap"
    raw = await edge.post(
        "/api/v1/upload/recording?session_id=s-1",
        content=_chunks(data[: 2 * MIB]),
        headers={**TEACHER, "Content-Type": "video/mp4", "Content-Length": str(2 * MIB)},
    )
    assert raw.status_code == 201, raw.text
    assert raw.json()["data"]["files"][0]["size_bytes"] == str(2 * MIB)


async def test_seed_003s_one_shot_upload_refuses_what_it_cannot_take(
    edge: httpx.AsyncClient,
) -> None:
    boundary = "b0undary"
    no_session = _form(boundary, mp4(1000), session_first=False)
    form = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    answer = await edge.post("/upload/recording", content=no_session, headers={**TEACHER, **form})
    assert answer.status_code == 400
    assert "session_id" in answer.json()["error"]["message"]
    no_file = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--{boundary}--\r\n'
    )
    assert (
        await edge.post("/upload/recording", content=no_file.encode(), headers={**TEACHER, **form})
    ).status_code == 400
    assert (
        await edge.post("/upload/recording?session_id=s-1", json={"a": 1}, headers=TEACHER)
    ).status_code == 415
    bad = await edge.post(
        "/upload/recording?session_id=s-1",
        content=executable(20_000),
        headers={**TEACHER, "Content-Type": "video/mp4"},
    )
    assert bad.status_code == 415
    assert (
        await edge.post(
            "/upload/recording?session_id=s-1",
            content=mp4(1000),
            headers={**STUDENT, "Content-Type": "video/mp4"},
        )
    ).status_code == 403
    too_big = await edge.post(
        "/upload/recording?session_id=s-1",
        content=_chunks(mp4(31 * MIB)),
        headers={**TEACHER, "Content-Type": "video/mp4", "Content-Length": str(31 * MIB)},
    )
    assert too_big.status_code == 413
    listed = await edge.get("/api/v1/recordings", headers=ADMIN)
    assert listed.json()["data"] == []
