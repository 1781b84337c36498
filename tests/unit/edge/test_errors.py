"""Service errors (rebuilt from gRPC statuses with rich details) become one HTTP shape."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import httpx

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
    ResourceExhausted,
    Unavailable,
)
from edge.app import create_app
from edge.clients import open_clients
from tests.unit.edge.helpers import Services, auth, edge_settings


def raising(error: Exception):  # type: ignore[no-untyped-def]
    def behaviour(request: object) -> object:
        raise error

    return behaviour


async def test_not_found_is_404(client: httpx.AsyncClient, services: Services) -> None:
    services.scheduler.on(
        "GetSession", raising(NotFound(resource_type="session", resource_id="s-9"))
    )
    answer = await client.get("/api/v1/sessions/s-9", headers=auth())
    assert answer.status_code == 404
    assert answer.json() == {
        "success": False,
        "error": {
            "code": "NOT_FOUND",
            "message": "session 's-9' not found",
            "details": [{"type": "resource", "resource_type": "session", "id": "s-9"}],
        },
    }


async def test_invalid_argument_with_field_violations_is_400_with_the_fields(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "UpdateSession",
        raising(
            InvalidArgument(
                "bad session",
                violations=[
                    FieldViolation("session.scheduled_end", "must be after scheduled_start"),
                    FieldViolation("session.timezone", "unknown timezone"),
                ],
            )
        ),
    )
    answer = await client.patch("/api/v1/sessions/s-1", json={"title": "New title"}, headers=auth())
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert error["details"] == [
        {
            "type": "field_violation",
            "field": "session.scheduled_end",
            "description": "must be after scheduled_start",
        },
        {"type": "field_violation", "field": "session.timezone", "description": "unknown timezone"},
    ]


async def test_resource_exhausted_is_429_with_retry_after(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateZoomMeeting",
        raising(ResourceExhausted("Zoom daily quota", retry_after=timedelta(seconds=90))),
    )
    services.scheduler.on(
        "GetSession", lambda r: scheduler_pb2.Session(id=r.session_id, batch_id="b-1")
    )
    answer = await client.post(
        "/api/v1/batches/b-1/schedule/s-1/create-zoom-meeting", headers=auth()
    )
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "90"
    assert {"type": "retry", "retry_after_seconds": 90} in answer.json()["error"]["details"]


async def test_unavailable_is_503_with_retry_after(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetBatch", lambda r: scheduler_pb2.Batch(id=r.batch_id))
    services.recording_sync.on(
        "SyncBatch", raising(Unavailable("storage is down", retry_after=timedelta(seconds=5)))
    )
    answer = await client.post("/api/v1/batches/b-1/sync-zoom-recordings", headers=auth())
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["error"]["code"] == "UNAVAILABLE"


async def test_a_service_nobody_answers_on_is_503(tmp_path: Path, services: Services) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    settings = edge_settings(tmp_path, {**services.addresses, "zoom_gateway": closed})
    async with open_clients(settings) as clients:
        transport = httpx.ASGITransport(app=create_app(settings=settings, clients=clients))
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
            answer = await http.get("/api/zoom/status", headers=auth())
    assert answer.status_code == 503
    assert answer.json()["success"] is False


async def test_failed_precondition_is_409_with_its_violations(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CancelSession",
        raising(
            FailedPrecondition(
                "the meeting is in progress",
                violations=[PreconditionViolation("SESSION_IN_PROGRESS", "session/s-1", "live")],
            )
        ),
    )
    answer = await client.delete("/api/v1/sessions/s-1", headers=auth())
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "FAILED_PRECONDITION"
    assert error["details"][0]["violation"] == "SESSION_IN_PROGRESS"


async def test_an_unexpected_service_failure_is_a_generic_500(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", raising(RuntimeError("secret internals")))
    answer = await client.get("/api/v1/sessions/s-1", headers=auth())
    assert answer.status_code == 500
    assert "secret internals" not in answer.text
    assert answer.json()["error"]["code"] == "INTERNAL"


async def test_an_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/nothing-here", headers=auth())
    assert answer.status_code == 404
    assert answer.json()["success"] is False


async def test_a_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    answer = await client.put("/api/v1/sessions/s-1", headers=auth(), json={})
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_malformed_json_is_400(client: httpx.AsyncClient, services: Services) -> None:
    answer = await client.post(
        "/api/v1/batches/b-1/schedule",
        content=b'{"date": "2024-01-15",',
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["error"]["message"]
    assert services.all_calls() == []


async def test_a_json_array_body_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/batches/b-1/schedule", json=[1, 2], headers=auth())
    assert answer.status_code == 400


async def test_a_non_json_content_type_is_415(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/api/v1/batches/b-1/schedule",
        content=b"date=2024-01-15",
        headers={**auth(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient, services: Services) -> None:
    big = {"title": "x" * 5000, "date": "2024-01-15", "start_time": "10:00", "end_time": "11:00"}
    answer = await client.post("/api/v1/batches/b-1/schedule", json=big, headers=auth())
    assert answer.status_code == 413
    assert services.all_calls() == []


async def test_a_streamed_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b" " * 1000

    answer = await client.post(
        "/api/v1/batches/b-1/schedule",
        content=chunks(),
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413


async def test_unauthenticated_from_a_service_is_502_not_a_sign_out(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge_common.errors import Unauthenticated

    services.zoom_gateway.on("GetConnection", raising(Unauthenticated("Zoom rejected the token")))
    answer = await client.get("/api/zoom/connection", headers=auth())
    assert answer.status_code == 502
    assert "www-authenticate" not in answer.headers
    assert answer.json()["error"]["code"] == "UNAUTHENTICATED"
