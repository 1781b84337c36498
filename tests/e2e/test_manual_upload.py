"""A manual upload through the running stack with a standard tus client (tuspy), as a
teacher's tool or the folder watcher's agent drives it: it is interrupted and resumed from
where it stopped, a PATCH whose connection drops mid-body keeps what arrived, and the finished
file becomes a recorded lesson of source ``manual_upload`` on the session, which the session's
student may then list; bytes that are no recording and another tenant are refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.storage.interface import Storage

from devstack.stack import Stack
from tests.e2e.classes import eventually

MIB = 1024 * 1024


class Unclosable(io.BytesIO):
    """A file for tuspy 1.1, which closes the stream it is given after fingerprinting it (and
    leaves the files it opens itself to the garbage collector)."""

    def close(self) -> None:
        return None


class UrlStore(Storage):  # type: ignore[misc]
    """Where tuspy keeps upload URLs by file fingerprint (its own FileStorage leaves a file
    open): what lets a later run find the upload again."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    def get_item(self, key: str) -> str | None:
        return self.urls.get(key)

    def set_item(self, key: str, value: str) -> None:
        self.urls[key] = value

    def remove_item(self, key: str) -> None:
        self.urls.pop(key, None)


def _mp4(size: int) -> bytes:
    head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    return (head + hashlib.shake_256(b"lesson").digest(size))[:size]


async def _class(stack: Stack, edge: httpx.AsyncClient) -> str:
    """A course taught by teacher-1, a group batch student-1 attends, one class: its id."""
    admin = {"Authorization": f"Bearer {stack.token()}"}
    course = await edge.post(
        "/api/v1/courses", json={"title": "Uploads", "instructor_ids": ["teacher-1"]}, headers=admin
    )
    batch = await edge.post(
        "/api/v1/batches",
        json={
            "course_id": course.json()["data"]["id"],
            "name": "U1",
            "type": "group",
            "instructor_id": "teacher-1",
        },
        headers=admin,
    )
    batch_id = batch.json()["data"]["id"]
    await edge.post(
        f"/api/v1/batches/{batch_id}/enrollments", json={"student_id": "student-1"}, headers=admin
    )
    scheduled = await edge.post(
        f"/api/v1/batches/{batch_id}/schedule",
        json={"date": "2030-01-15", "start_time": "10:00", "end_time": "11:00", "title": "L1"},
        headers=admin,
    )
    assert scheduled.status_code == 201, scheduled.text
    return str(scheduled.json()["data"]["session"]["id"])


def _drop_mid_body(edge_url: str, path: str, token: str, offset: int, body: bytes) -> None:
    """A PATCH announcing more bytes than it sends: the connection closes half-way."""
    where = urlsplit(edge_url)
    with socket.create_connection((where.hostname, where.port)) as conn:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {where.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {2 * len(body)}\r\n\r\n"
        )
        conn.sendall(head.encode() + body)
        conn.shutdown(socket.SHUT_WR)


async def test_a_tus_upload_interrupted_and_resumed_becomes_a_manual_lesson(
    stack: Stack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=60) as edge:
        session_id = await _class(stack, edge)
        teacher = stack.token(subject="teacher-1", roles=("teacher",))
        data = _mp4(11 * MIB + 5)
        path = tmp_path / "lesson-1.mp4"
        path.write_bytes(data)
        client = tus_client.TusClient(
            stack.edge_url + "/api/v1/uploads", headers={"Authorization": f"Bearer {teacher}"}
        )
        storage = UrlStore()
        metadata = {"session_id": session_id, "filename": "lesson-1.mp4"}

        def first_part() -> str:
            with Unclosable(path.read_bytes()) as stream:
                uploader = client.uploader(
                    file_stream=stream,
                    chunk_size=MIB,
                    metadata=metadata,
                    store_url=True,
                    url_storage=storage,
                )
                uploader.upload(stop_at=3 * MIB + 1234)  # then the laptop goes to sleep
                return str(uploader.url)

        url = await asyncio.to_thread(first_part)
        location = urlsplit(url).path
        auth = {"Authorization": f"Bearer {teacher}", "Tus-Resumable": "1.0.0"}
        head = await edge.head(location, headers=auth)
        assert head.headers["Upload-Offset"] == str(3 * MIB + 1234)

        # a PATCH whose connection drops half-way: what arrived is kept, nothing is lost
        before = int(head.headers["Upload-Offset"])
        await asyncio.to_thread(
            _drop_mid_body, stack.edge_url, location, teacher, before, data[before : before + MIB]
        )

        async def settled() -> bool:
            state = (await edge.get(location, headers=auth)).json()["data"]
            return state.get("offset", "0") != str(before) or state["state"] != "uploading"

        await eventually(settled, "the dropped PATCH was never recorded", within=10)
        after = int((await edge.head(location, headers=auth)).headers["Upload-Offset"])
        assert before < after <= before + MIB

        def resume() -> int:
            with Unclosable(path.read_bytes()) as stream:
                uploader = client.uploader(
                    file_stream=stream,
                    chunk_size=2 * MIB,
                    metadata=metadata,
                    store_url=True,
                    url_storage=storage,
                )
                assert uploader.url == url, "the stored URL is found again"
                assert uploader.offset == after, "it continues from where the upload stands"
                uploader.upload()
                return int(uploader.offset)

        assert await asyncio.to_thread(resume) == len(data)
        shown = (await edge.get(location, headers=auth)).json()["data"]
        assert shown["state"] == "completed", shown
        assert shown["recording_id"]
        assert shown["sha256"] == hashlib.sha256(data).hexdigest()

        async def lesson() -> Any:
            listed = await edge.get(
                f"/api/v1/sessions/{session_id}/recorded-lessons",
                params={"source": "manual_upload"},
                headers=auth,
            )
            rows = listed.json().get("data") or []
            return rows[0] if rows else None

        await eventually(lesson, "no manual_upload lesson appeared on the session")
        found = await lesson()
        assert found["recording_id"] == shown["recording_id"]
        assert found["source"] == "manual_upload"
        recording = await edge.get(f"/api/v1/recordings/{shown['recording_id']}", headers=auth)
        assert recording.json()["data"]["files"][0]["size_bytes"] == str(len(data))


async def test_no_recording_and_other_tenants_are_refused_and_nothing_is_stored(
    stack: Stack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=60) as edge:
        session_id = await _class(stack, edge)
        teacher = stack.token(subject="teacher-1", roles=("teacher",))
        exe = tmp_path / "lesson.mp4"  # a program renamed: the name does not make it a video
        exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 60 + bytes(range(256)) * 400)
        client = tus_client.TusClient(
            stack.edge_url + "/api/v1/uploads", headers={"Authorization": f"Bearer {teacher}"}
        )
        with Unclosable(exe.read_bytes()) as stream:
            uploader = client.uploader(file_stream=stream, metadata={"session_id": session_id})
            with pytest.raises(TusCommunicationError) as refused:
                await asyncio.to_thread(uploader.upload)
        assert refused.value.status_code == 415
        other = stack.token(subject="admin-9", roles=("admin",), tenant="acme")
        meta = "session_id " + base64.b64encode(session_id.encode()).decode()
        refused = await edge.post(
            "/api/v1/uploads",
            headers={
                "Authorization": f"Bearer {other}",
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "100",
                "Upload-Metadata": meta,
            },
        )
        assert refused.status_code == 404
        student = stack.token(subject="student-1", roles=("student",))
        as_student = await edge.post(
            "/api/v1/uploads",
            headers={
                "Authorization": f"Bearer {student}",
                "Tus-Resumable": "1.0.0",
                "Upload-Length": "100",
                "Upload-Metadata": meta,
            },
        )
        assert as_student.status_code == 403
        admin = {"Authorization": f"Bearer {stack.token()}"}
        listed = await edge.get(
            "/api/v1/recordings", params={"session_id": session_id}, headers=admin
        )
        assert listed.json()["data"] == []
