"""Two schools on one deployment, end to end: each with its own Zoom account, kept apart.

The default school runs on the simulator's first account. A second school, Acme, gets a Zoom
account of its own in the simulator; a platform operator creates the tenant through the edge and
Acme's admin sets its Zoom apps there — no restart. Then:

- Acme's class gets its meeting in Acme's Zoom account;
- Zoom's ``meeting.started`` for it (signed with Acme's webhook secret, naming Acme's account)
  starts Acme's session and nothing of the default school's;
- the same kind of webhook signed with the default school's secret is refused and changes
  nothing;
- neither admin can read the other's class or recording status.

Runs on the embedded default and, in the integration tier, on PostgreSQL and RabbitMQ.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from classbridge_common.auth import issue_token
from classbridge_common.crypto import hmac_sha256_hex
from devstack.stack import Stack

ACME_WEBHOOK_SECRET = "acme-webhook-secret-token"


def person(stack: Stack, subject: str, role: str, tenant: str) -> dict[str, str]:
    token = issue_token(
        subject=subject, secret=stack.secrets.auth_jwt_secret, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


async def schedule_class(edge: httpx.AsyncClient, who: dict[str, str], title: str) -> Any:
    course = await edge.post("/api/v1/courses", json={"title": title}, headers=who)
    assert course.status_code == 201, course.text
    batch = await edge.post(
        "/api/v1/batches",
        json={"course_id": course.json()["data"]["id"], "name": "Batch 1", "type": "group"},
        headers=who,
    )
    assert batch.status_code == 201, batch.text
    scheduled = await edge.post(
        f"/api/v1/batches/{batch.json()['data']['id']}/schedule",
        json={
            "date": "2030-01-15",
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Lesson 1",
            "create_zoom_meeting": True,
        },
        headers=who,
    )
    assert scheduled.status_code == 201, scheduled.text
    data = scheduled.json()["data"]
    assert data["zoom_meeting"], data
    return data


async def status_of(edge: httpx.AsyncClient, who: dict[str, str], session_id: str) -> str:
    answer = await edge.get(f"/api/v1/sessions/{session_id}", headers=who)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["status"])


async def wait_for_status(
    edge: httpx.AsyncClient, who: dict[str, str], session_id: str, wanted: str
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if await status_of(edge, who, session_id) == wanted:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"session {session_id} never became {wanted}")


async def test_two_schools_each_with_their_own_zoom_account(stack: Stack) -> None:
    admin = person(stack, "admin-1", "admin", "default")
    operator = person(stack, "operator-1", "operator", "default")
    acme = person(stack, "acme-admin", "admin", "acme")
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        account = await zoom.add_account(
            "Acme School",
            users=[{"email": "host@acme.test"}],
            webhook={"url": stack.webhook_url, "secret": ACME_WEBHOOK_SECRET},
        )
        app = next(a for a in account["apps"] if a["kind"] == "s2s")

        made = await edge.post(
            "/api/v1/tenants", json={"id": "acme", "name": "Acme School"}, headers=operator
        )
        assert made.status_code == 201, made.text
        wrong = await edge.put(
            "/api/v1/tenants/me/zoom",
            json={
                "account_id": account["account_id"],
                "client_id": app["client_id"],
                "client_secret": "not-the-secret",
            },
            headers=acme,
        )
        assert wrong.status_code == 409, wrong.text  # Zoom refused it; nothing saved
        configured = await edge.put(
            "/api/v1/tenants/me/zoom",
            json={
                "account_id": account["account_id"],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "webhook_secret_token": ACME_WEBHOOK_SECRET,
            },
            headers=acme,
        )
        assert configured.status_code == 200, configured.text
        assert configured.json()["data"]["s2s_configured"] is True
        assert "client_secret" not in configured.text  # secrets are never answered
        assert app["client_secret"] not in configured.text

        ours = await schedule_class(edge, admin, "Algebra")
        theirs = await schedule_class(edge, acme, "Chemistry")
        acme_meetings = {m["id"] for m in await zoom.meetings(account_id=account["account_id"])}
        assert int(theirs["zoom_meeting"]["id"]) in acme_meetings
        assert int(ours["zoom_meeting"]["id"]) not in acme_meetings

        # A webhook naming Acme's account, signed with the default school's secret: refused.
        meeting_id = int(theirs["zoom_meeting"]["id"])
        body = json.dumps(
            {
                "event": "meeting.started",
                "event_ts": int(time.time() * 1000),
                "payload": {
                    "account_id": account["account_id"],
                    "object": {
                        "id": str(meeting_id),
                        "uuid": "forged-uuid==",
                        "host_id": "x",
                        "topic": "forged",
                        "type": 2,
                        "start_time": "2030-01-15T10:00:00Z",
                        "timezone": "UTC",
                        "duration": 60,
                    },
                },
            }
        ).encode()
        stamp = str(int(time.time()))
        signature = hmac_sha256_hex(
            stack.secrets.webhook_secret_token.encode(), f"v0:{stamp}:".encode() + body
        )
        forged = await edge.post(
            stack.webhook_url,
            content=body,
            headers={
                "content-type": "application/json",
                "x-zm-request-timestamp": stamp,
                "x-zm-signature": f"v0={signature}",
            },
        )
        assert forged.status_code == 401, forged.text
        await asyncio.sleep(0.5)
        assert await status_of(edge, acme, theirs["session"]["id"]) == "scheduled"

        # Zoom's own webhook for Acme's meeting starts Acme's class, and only that.
        await zoom.start(meeting_id)
        await wait_for_status(edge, acme, theirs["session"]["id"], "in_progress")
        assert await status_of(edge, admin, ours["session"]["id"]) == "scheduled"

        # Neither admin reaches the other's class.
        for who, other in ((admin, theirs), (acme, ours)):
            session_id = other["session"]["id"]
            assert (
                await edge.get(f"/api/live-classes/{session_id}", headers=who)
            ).status_code == 404
            recordings = await edge.get(f"/api/live-classes/{session_id}/recordings", headers=who)
            assert recordings.status_code == 404
            sync = await edge.get(
                f"/api/v1/batches/{other['session']['batch_id']}/zoom-sync-status", headers=who
            )
            assert sync.status_code == 404
        events = await edge.get("/api/v1/admin/webhook-events", headers=acme)
        assert events.status_code == 200, events.text
        assert {e.get("tenant_id", "acme") for e in events.json()["data"]} == {"acme"}
