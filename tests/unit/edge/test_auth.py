"""Authentication at the edge, and the caller's identity carried to the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from classbridge.scheduler.v1 import scheduler_pb2
from tests.unit.edge.helpers import Services, auth, token


def _session(request: scheduler_pb2.GetSessionRequest) -> scheduler_pb2.Session:
    return scheduler_pb2.Session(id=request.session_id, title="Intro")


async def test_healthz_needs_no_token(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_a_request_without_a_token_is_401_and_reaches_no_service(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", _session)
    answer = await client.get("/api/v1/sessions/s-1")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    body = answer.json()
    assert body["success"] is False
    assert body["error"]["code"] == "UNAUTHENTICATED"
    assert services.all_calls() == []


async def test_a_token_signed_with_another_key_is_401(
    client: httpx.AsyncClient, services: Services
) -> None:
    from classbridge_common.auth import issue_token

    forged = issue_token(subject="x", secret="another-secret-that-is-long-enough-000000")
    answer = await client.get("/api/v1/sessions/s-1", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert services.all_calls() == []


async def test_an_expired_token_is_401(client: httpx.AsyncClient) -> None:
    old = token(now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(minutes=5))
    answer = await client.get("/api/v1/sessions/s-1", headers={"Authorization": f"Bearer {old}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "token expired"


async def test_a_non_bearer_scheme_is_401(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/sessions/s-1", headers={"Authorization": "Basic abc"})
    assert answer.status_code == 401


async def test_the_callers_own_token_is_forwarded_to_the_service(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetSession", _session)
    caller_token = token("student-7", roles=("student",))
    answer = await client.get(
        "/api/v1/sessions/s-1", headers={"Authorization": f"Bearer {caller_token}"}
    )
    assert answer.status_code == 200
    [received] = services.scheduler.calls
    assert received.authorization == f"Bearer {caller_token}"
    assert received.subject == "student-7"


async def test_admin_routes_refuse_other_roles_before_calling(
    client: httpx.AsyncClient, services: Services
) -> None:
    answer = await client.get("/api/v1/admin/webhook-events", headers=auth())
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "PERMISSION_DENIED"
    assert services.webhook_admin.calls == []
