"""The OpenAI-compatible provider against a local server speaking that protocol (a small
Starlette app on a free port, started here), inside a running recording-sync: a recording
with no Zoom transcript is transcribed (``/v1/audio/transcriptions``, the stored audio streamed
as multipart) and summarised (``/v1/chat/completions``); the provider failing is visible
(``processing_status`` failed with the error, the next attempt's time) and retried with
backoff until it succeeds, while the recording stays playable all along. The speech-to-text
transcript becomes a WebVTT caption track served under a signed URL.

Runs on SQLite and, in the integration tier, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc.aio
import httpx
import pytest
import uvicorn
from sqlalchemy import insert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import issue_token
from classbridge_common.bus import InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from classbridge_common.outbox import write_to_outbox
from classbridge_common.testing import TEST_TOKEN_TTL, make_settings
from recording_sync.adapters.tables import recording_files, recordings
from recording_sync.bootstrap import MIGRATIONS_DIR, Running, running
from recording_sync.settings import Settings
from tests.unit.recording_sync.fakes import FakeScheduler, serving

SECRET = "recording-sync-transcripts-test-secret-long-enough"
API_KEY = "sk-local-test-key"
AUDIO = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + bytes(range(256)) * 400
SPOKEN = [
    (0.0, 3.5, "Welcome back, today we finish the chapter on fractions."),
    (3.5, 8.0, "For homework, please solve exercises one to five by Monday."),
    (8.0, 12.0, "Equivalent fractions sit on the same point of the number line."),
]


@dataclass
class FakeOpenAI:
    """Speaks the two endpoints; the first ``failures`` calls answer 503."""

    failures: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def transcriptions(request: Request) -> JSONResponse:
            body = await request.body()
            self.calls.append(
                {
                    "path": "transcriptions",
                    "authorization": request.headers.get("authorization"),
                    "content_type": request.headers.get("content-type", ""),
                    "body": body,
                }
            )
            if self.failures > 0:
                self.failures -= 1
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
            return JSONResponse(
                {
                    "task": "transcribe",
                    "text": " ".join(t for _, _, t in SPOKEN),
                    "segments": [
                        {"id": i, "start": a, "end": b, "text": " " + t}
                        for i, (a, b, t) in enumerate(SPOKEN)
                    ],
                }
            )

        async def chat(request: Request) -> JSONResponse:
            body = await request.json()
            self.calls.append(
                {
                    "path": "chat",
                    "authorization": request.headers.get("authorization"),
                    "json": body,
                }
            )
            answer = {
                "summary": "The class finished fractions and the number line.",
                "action_items": [
                    {"text": "Solve exercises one to five by Monday", "assignee": "Everyone"}
                ],
            }
            return JSONResponse(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": json.dumps(answer)},
                            "finish_reason": "stop",
                        }
                    ],
                }
            )

        return Starlette(
            routes=[
                Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
                Route("/v1/chat/completions", chat, methods=["POST"]),
            ]
        )


@asynccontextmanager
async def local_server(app: Starlette) -> AsyncIterator[int]:
    """``app`` served by uvicorn on a free local port (yielded) for the block."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):  # uvicorn says it started with a flag, not an event
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started, "the local OpenAI-compatible server did not start"
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        await task


def _md(subject: str, *roles: str) -> Any:
    token = issue_token(
        subject=subject, secret=SECRET, roles=list(roles), tenant="default", ttl=TEST_TOKEN_TTL
    )
    return (("authorization", f"Bearer {token}"),)


ADMIN = _md("admin-1", "admin")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def database(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "sqlite":
        return {}
    return {
        "database_url": request.getfixturevalue("database_url"),
        "db_schema": request.getfixturevalue("pg_schema"),
    }


@pytest.fixture
def openai() -> FakeOpenAI:
    return FakeOpenAI(failures=2)


@pytest.fixture
async def service(
    tmp_path: Path, database: dict[str, Any], openai: FakeOpenAI
) -> AsyncIterator[Running]:
    fake = FakeScheduler()
    async with serving(fake) as scheduler, local_server(openai.app()) as port:
        settings = make_settings(
            Settings,
            service_name="recording-sync",
            data_dir=tmp_path / "var",
            auth_jwt_secret=SECRET,
            grpc_host="127.0.0.1",
            grpc_port=0,
            files_http_port=0,
            scheduler_addr=f"127.0.0.1:{scheduler}",
            zoom_gateway_addr="127.0.0.1:9",
            sync_sweep_interval_seconds=0,
            sync_reconcile_interval_seconds=0,
            ai_provider="openai",
            ai_base_url=f"http://127.0.0.1:{port}/v1",
            ai_api_key=API_KEY,
            transcript_retry_base_seconds=0.3,
            transcript_poll_seconds=0.1,
            **database,
        )
        await upgrade_to_head(settings, MIGRATIONS_DIR)
        async with InProcessBus() as bus, running(settings, bus=bus) as started:
            yield started


async def _stored_recording(service: Running) -> str:
    """A synced recording with one stored M4A and no transcript; its recording.synced is
    written to the outbox, as the pipeline does."""
    recording_id = f"rec_{uuid.uuid4().hex}"
    key = f"videos/b-1/{recording_id}.m4a"

    async def chunks() -> AsyncIterator[bytes]:
        yield AUDIO

    await service.storage.put_stream(
        key, chunks(), content_type="audio/mp4", expected_size=len(AUDIO)
    )
    now = datetime.now(UTC)
    synced = rev.RecordingSynced(
        recording_id=recording_id, sync_job_id="job-1", batch_id="b-1", tenant_id="default"
    )
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(recordings).values(
                id=recording_id,
                tenant_id="default",
                job_id=f"job-{recording_id}",
                source="zoom_auto_sync",
                batch_id="b-1",
                batch_type="group",
                topic="Fractions",
                start_time=now,
                created_at=now,
                sync_time=now,
            )
        )
        await session.execute(
            insert(recording_files).values(
                id=f"file-{recording_id}",
                tenant_id="default",
                job_id=f"job-{recording_id}",
                recording_id=recording_id,
                zoom_file_id="z-1",
                file_type="m4a",
                file_extension="M4A",
                size_bytes=len(AUDIO),
                content_type="audio/mp4",
                storage_key=key,
                file_name="lesson.m4a",
                state="stored",
                created_at=now,
                updated_at=now,
            )
        )
        await write_to_outbox(session, [Envelope.for_proto("recording.synced", synced)])
    service.relay.notify()
    return recording_id


async def test_the_openai_provider_fails_visibly_is_retried_and_the_recording_stays_playable(
    service: Running, openai: FakeOpenAI
) -> None:
    recording_id = await _stored_recording(service)
    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        request = pb.GetRecordingRequest(recording_id=recording_id)

        seen_failed: list[pb.Recording] = []
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            got = await stub.GetRecording(request, metadata=ADMIN, timeout=10)
            if got.processing_status == pb.PROCESSING_STATUS_FAILED:
                seen_failed.append(got)
                # Failed, and still playable: the recording itself is untouched.
                playback = await stub.GetPlaybackUrl(
                    pb.GetPlaybackUrlRequest(recording_id=recording_id), metadata=ADMIN, timeout=10
                )
                assert playback.url
                assert playback.content_type == "audio/mp4"
            if got.processing_status == pb.PROCESSING_STATUS_COMPLETED:
                break
            assert asyncio.get_running_loop().time() < deadline, got.processing
            await asyncio.sleep(0.05)

    assert seen_failed, "the failure was never visible"
    failed = seen_failed[0].processing
    assert failed.error == "the AI provider answered 503 to audio/transcriptions"
    assert failed.HasField("next_attempt_time")
    assert failed.attempts >= 1
    assert API_KEY not in failed.error

    assert got.processing.attempts == 3  # two 503s, then the answer
    assert got.processing.transcript_source == "speech_to_text"
    assert got.processing.summary_source == "openai"
    assert got.summary == "The class finished fractions and the number line."
    assert [(a.text, a.assignee) for a in got.action_items] == [
        ("Solve exercises one to five by Monday", "Everyone")
    ]
    assert got.transcription_text.splitlines() == [t for _, _, t in SPOKEN]

    transcribed = [c for c in openai.calls if c["path"] == "transcriptions"]
    assert len(transcribed) == 3
    assert all(c["authorization"] == f"Bearer {API_KEY}" for c in openai.calls)
    last = transcribed[-1]
    assert last["content_type"].startswith("multipart/form-data; boundary=")
    assert AUDIO in last["body"]
    assert b'name="model"\r\n\r\nwhisper-1' in last["body"]
    (chat,) = [c for c in openai.calls if c["path"] == "chat"]
    assert chat["json"]["model"] == "gpt-4o-mini"
    assert "homework" in chat["json"]["messages"][1]["content"]

    async with grpc.aio.insecure_channel(service.grpc_address) as channel:
        stub = recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)
        transcript = await stub.GetTranscript(
            pb.GetTranscriptRequest(recording_id=recording_id), metadata=ADMIN, timeout=10
        )
        assert [(s.start_seconds, s.end_seconds) for s in transcript.segments] == [
            (a, b) for a, b, _ in SPOKEN
        ]
        found = await stub.SearchTranscripts(
            pb.SearchTranscriptsRequest(query="homework"), metadata=ADMIN, timeout=10
        )
        assert [(h.recording_id, h.start_seconds) for h in found.hits] == [(recording_id, 3.5)]
        tracks = await stub.GetCaptionTracks(
            pb.GetCaptionTracksRequest(recording_id=recording_id), metadata=ADMIN, timeout=10
        )
    (track,) = tracks.tracks
    async with httpx.AsyncClient(timeout=10) as plain:
        vtt = await plain.get(track.url)
    assert vtt.status_code == 200
    assert vtt.text.startswith("WEBVTT")
    assert "00:00:03.500 --> 00:00:08.000" in vtt.text
