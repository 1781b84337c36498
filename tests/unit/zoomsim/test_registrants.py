"""Meeting registrants over REST, as Zoom answers them: add (one, or a batch of up to 30),
list with statuses and page tokens, get, delete, approve/deny/cancel; registration settings on
meetings; Zoom's refusals (registration off, another account, scopes, the host, capacity, the
per-registrant daily limit, a Basic account, an ended meeting); the registration events."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient

from .conftest import HOOK, SECRET, Receiver
from .fidelity_support import s2s_bearer


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    """As Zoom, but every webhook once and in order, so a test reads them as a list."""
    config.fidelity = Fidelity.zoom(webhook_at_least_once=False)
    return config


async def _meeting(api: httpx.AsyncClient, approval_type: int = 0, **body: Any) -> dict[str, Any]:
    body.setdefault("topic", "Algebra")
    body.setdefault("start_time", "2030-01-15T10:00:00Z")
    settings = {"approval_type": approval_type, **body.pop("settings", {})}
    r = await api.post("/v2/users/me/meetings", json={**body, "settings": settings})
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def _add(
    api: httpx.AsyncClient, meeting_id: int, email: str, first: str = "Asha", **extra: Any
) -> httpx.Response:
    body = {"email": email, "first_name": first, "last_name": "Rao", **extra}
    return await api.post(f"/v2/meetings/{meeting_id}/registrants", json=body)


async def test_add_answers_zoom_s_shape_and_the_same_email_the_same_registrant(
    api: httpx.AsyncClient,
) -> None:
    m = await _meeting(api)
    assert m["settings"]["approval_type"] == 0
    r = await _add(api, m["id"], "asha@school.test")
    assert r.status_code == 201, r.text
    assert r.headers["x-ratelimit-category"] == "Light"
    made = r.json()
    assert set(made) == {
        "id",
        "join_url",
        "registrant_id",
        "start_time",
        "topic",
        "occurrences",
        "participant_pin_code",
    }
    assert made["id"] == m["id"]
    assert (made["topic"], made["start_time"], made["occurrences"]) == (
        "Algebra",
        "2030-01-15T10:00:00Z",
        [],
    )
    url = urlsplit(made["join_url"])
    assert url.path == f"/w/{m['id']}"
    assert parse_qs(url.query)["tk"][0]
    again = (await _add(api, m["id"], "ASHA@School.test", "Other")).json()
    assert again["registrant_id"] == made["registrant_id"]
    assert again["join_url"] == made["join_url"]
    other = (await _add(api, m["id"], "ben@school.test", "Ben")).json()
    assert other["registrant_id"] != made["registrant_id"]
    assert other["join_url"] != made["join_url"]
    one = await api.get(f"/v2/meetings/{m['id']}/registrants/{made['registrant_id']}")
    assert one.status_code == 200
    shown = one.json()
    assert (shown["id"], shown["email"], shown["first_name"], shown["last_name"]) == (
        made["registrant_id"],
        "asha@school.test",
        "Asha",
        "Rao",
    )
    assert shown["status"] == "approved"
    assert shown["join_url"] == made["join_url"]
    assert shown["create_time"].endswith("Z")


async def test_registration_off_is_zoom_s_404_code(api: httpx.AsyncClient) -> None:
    m = await _meeting(api, approval_type=2)
    r = await _add(api, m["id"], "asha@school.test")
    assert r.status_code == 400
    assert r.json() == {
        "code": 404,
        "message": f"Registration has not been enabled for this meeting: {m['id']}.",
    }
    batch = await api.post(
        f"/v2/meetings/{m['id']}/batch_registrants",
        json={"registrants": [{"email": "a@b.test", "first_name": "A"}]},
    )
    assert (batch.status_code, batch.json()["code"]) == (404, 404)
    # registration switched on by PATCH: now it registers
    assert (
        await api.patch(f"/v2/meetings/{m['id']}", json={"settings": {"approval_type": 0}})
    ).status_code == 204
    assert (await _add(api, m["id"], "asha@school.test")).status_code == 201


async def test_settings_take_and_return_approval_and_registration_type(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    m = await _meeting(api, approval_type=1, settings={"registration_type": 2})
    got = (await api.get(f"/v2/meetings/{m['id']}")).json()["settings"]
    assert (got["approval_type"], got["registration_type"]) == (1, 2)
    bad = await api.patch(f"/v2/meetings/{m['id']}", json={"settings": {"registration_type": 4}})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (
        400,
        "settings.registration_type",
    )
    # a recurring meeting with no fixed time keeps no registration, silently [seen]
    series = await _meeting(api, type=3)
    assert series["settings"]["approval_type"] == 2
    await ctl.set_fidelity(registration_meeting_types=False)
    kept = await _meeting(api, type=3)
    assert kept["settings"]["approval_type"] == 0


async def test_manual_approval_then_status_changes_and_their_events(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = await _meeting(api, approval_type=1)
    made = (await _add(api, m["id"], "asha@school.test")).json()
    assert "join_url" not in made  # no link until approved [docs]
    rid = made["registrant_id"]
    base = f"/v2/meetings/{m['id']}/registrants"
    pending = (await api.get(base, params={"status": "pending"})).json()
    assert [x["id"] for x in pending["registrants"]] == [rid]
    assert "join_url" not in pending["registrants"][0]
    assert (await api.get(base)).json()["registrants"] == []  # approved by default
    status = f"{base}/status"
    approved = await api.put(status, json={"action": "approve", "registrants": [{"id": rid}]})
    assert approved.status_code == 204
    assert approved.headers["x-ratelimit-category"] == "Medium"
    listed = (await api.get(base)).json()["registrants"]
    assert [x["id"] for x in listed] == [rid]
    assert "tk=" in listed[0]["join_url"]
    by_email = {"action": "cancel", "registrants": [{"email": "ASHA@school.test"}]}
    assert (await api.put(status, json=by_email)).status_code == 204
    denied = (await api.get(base, params={"status": "denied"})).json()["registrants"]
    assert [x["id"] for x in denied] == [rid]  # a cancelled registration lists as denied
    bad = await api.put(status, json={"action": "remove", "registrants": [{"id": rid}]})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "action")
    await ctl.drain()
    names = [e["event"] for e in receiver.events()]
    assert [n for n in names if n.startswith("meeting.registration_")] == [
        "meeting.registration_created",
        "meeting.registration_approved",
        "meeting.registration_cancelled",
    ]
    created = receiver.events("meeting.registration_created")[0]["payload"]
    assert created["object"]["id"] == m["id"]  # a number, as in Zoom's SDK types
    assert created["object"]["registrant"]["id"] == rid
    assert created["object"]["registrant"]["status"] == "pending"
    approval = receiver.events("meeting.registration_approved")[0]["payload"]
    assert approval["operator_id"]
    assert "tk=" in approval["object"]["registrant"]["join_url"]


async def test_list_pages_with_next_page_token_and_page_number(api: httpx.AsyncClient) -> None:
    m = await _meeting(api)
    ids = []
    for i in range(5):
        ids.append((await _add(api, m["id"], f"s{i}@school.test", f"S{i}")).json()["registrant_id"])
    base = f"/v2/meetings/{m['id']}/registrants"
    first = await api.get(base, params={"page_size": 2})
    assert first.headers["x-ratelimit-category"] == "Medium"
    page = first.json()
    assert (page["total_records"], page["page_size"], page["page_count"]) == (5, 2, 3)
    seen = [x["id"] for x in page["registrants"]]
    while page["next_page_token"]:
        page = (
            await api.get(base, params={"page_size": 2, "next_page_token": page["next_page_token"]})
        ).json()
        seen += [x["id"] for x in page["registrants"]]
    assert sorted(seen) == sorted(ids)
    assert seen == list(reversed(ids))  # newest first
    third = (await api.get(base, params={"page_size": 2, "page_number": 3})).json()
    assert [x["id"] for x in third["registrants"]] == [ids[0]]
    bad = await api.get(base, params={"status": "everyone"})
    assert (bad.status_code, bad.json()["code"]) == (400, 300)
    stale = await api.get(base, params={"next_page_token": "nope"})
    assert (stale.status_code, stale.json()["code"]) == (400, 300)


async def test_delete_removes_the_registrant_and_unknown_ids_are_zoom_s_300(
    api: httpx.AsyncClient,
) -> None:
    m = await _meeting(api)
    rid = (await _add(api, m["id"], "asha@school.test")).json()["registrant_id"]
    url = f"/v2/meetings/{m['id']}/registrants/{rid}"
    assert (await api.delete(url)).status_code == 204
    gone = await api.get(url)
    assert (gone.status_code, gone.json()["code"]) == (400, 300)
    assert (await api.delete(url)).json()["code"] == 300
    fresh = (await _add(api, m["id"], "asha@school.test")).json()
    assert fresh["registrant_id"] != rid  # registered anew: a new registrant, a new link


async def test_refusals_host_email_bad_fields_capacity_and_daily_limit(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    m = await _meeting(api)
    host = await _add(api, m["id"], "host@classbridge.test")
    assert (host.status_code, host.json()) == (
        400,
        {"code": 3027, "message": "Host can not register"},
    )
    bad = await _add(api, m["id"], "not-an-email")
    assert (bad.status_code, bad.json()["code"], bad.json()["errors"][0]["field"]) == (
        400,
        300,
        "email",
    )
    nameless = await api.post(
        f"/v2/meetings/{m['id']}/registrants", json={"email": "x@school.test"}
    )
    assert nameless.json()["errors"][0]["field"] == "first_name"
    await ctl.configure(registrant_limit=2)
    assert (await _add(api, m["id"], "a@school.test")).status_code == 201
    assert (await _add(api, m["id"], "b@school.test")).status_code == 201
    full = await _add(api, m["id"], "c@school.test")
    assert (full.status_code, full.json()) == (
        400,
        {"code": 3043, "message": "Meeting has reached maximum attendee capacity."},
    )
    for _ in range(2):  # already in: answered, even when full
        assert (await _add(api, m["id"], "a@school.test")).status_code == 201
    limited = await _add(api, m["id"], "a@school.test")  # the fourth add of a@ today
    assert limited.status_code == 429
    assert "daily rate limit of (3) for Add meeting registrant" in limited.json()["message"]
    assert "(a@school.test)" in limited.json()["message"]


async def test_another_account_s_meeting_is_not_found_and_scopes_are_checked(
    api: httpx.AsyncClient, http: httpx.AsyncClient, ctl: SimClient
) -> None:
    m = await _meeting(api)
    other = await ctl.add_account(
        "Acme", users=[{"email": "host@acme.test"}], s2s={"scopes": "meeting:read:meeting:admin"}
    )
    headers = await s2s_bearer(http, other)
    r = await http.post(
        f"/v2/meetings/{m['id']}/registrants",
        json={"email": "a@school.test", "first_name": "A"},
        headers=headers,
    )
    assert r.status_code in (400, 401)
    assert r.json()["code"] == 4711
    assert "meeting:write:registrant" in r.json()["message"]
    full = await ctl.add_account("Beta", users=[{"email": "host@beta.test"}])
    beta = await s2s_bearer(http, full)
    for method, path in (
        ("POST", f"/v2/meetings/{m['id']}/registrants"),
        ("GET", f"/v2/meetings/{m['id']}/registrants"),
        ("PUT", f"/v2/meetings/{m['id']}/registrants/status"),
        ("POST", f"/v2/meetings/{m['id']}/batch_registrants"),
    ):
        body = {"email": "a@school.test", "first_name": "A", "action": "approve"}
        refused = await http.request(method, path, json=body, headers=beta)
        assert (refused.status_code, refused.json()) == (
            404,
            {"code": 3001, "message": f"Meeting does not exist: {m['id']}."},
        ), path


async def test_a_basic_account_and_an_ended_meeting_take_no_registrants(
    api: httpx.AsyncClient, http: httpx.AsyncClient, ctl: SimClient
) -> None:
    m = await _meeting(api)
    await ctl.start(m["id"])
    await ctl.end(m["id"], no_recording=True)
    over = await _add(api, m["id"], "late@school.test")
    assert (over.status_code, over.json()["code"]) == (400, 3038)
    free = await ctl.add_account("Free", plan="free", users=[{"email": "host@free.test"}])
    headers = await s2s_bearer(http, free)
    fm = await http.post(
        "/v2/users/me/meetings", json={"settings": {"approval_type": 0}}, headers=headers
    )
    r = await http.post(
        f"/v2/meetings/{fm.json()['id']}/registrants",
        json={"email": "a@school.test", "first_name": "A"},
        headers=headers,
    )
    assert (r.status_code, r.json()["code"]) == (400, 200)


async def test_batch_registration(api: httpx.AsyncClient) -> None:
    m = await _meeting(api)
    known = (await _add(api, m["id"], "s0@school.test")).json()
    people = [{"email": f"s{i}@school.test", "first_name": f"S{i}"} for i in range(3)]
    url = f"/v2/meetings/{m['id']}/batch_registrants"
    r = await api.post(url, json={"auto_approve": True, "registrants": people})
    assert r.status_code == 201, r.text
    assert r.headers["x-ratelimit-category"] == "Heavy"
    rows = r.json()["registrants"]
    assert [x["email"] for x in rows] == [p["email"] for p in people]
    assert rows[0]["registrant_id"] == known["registrant_id"]
    assert all("tk=" in x["join_url"] and x["participant_pin_code"] for x in rows)
    many = [{"email": f"m{i}@school.test", "first_name": "M"} for i in range(31)]
    too_many = await api.post(url, json={"registrants": many})
    assert (too_many.status_code, too_many.json()["code"]) == (400, 300)
    series = await _meeting(
        api,
        type=8,
        recurrence={"type": 1, "repeat_interval": 1, "end_times": 2},
    )
    recurring = await api.post(
        f"/v2/meetings/{series['id']}/batch_registrants", json={"registrants": people}
    )
    assert (recurring.status_code, recurring.json()["code"]) == (400, 303)
    # a recurring meeting with a fixed time takes single registrants, for its occurrences
    one = (await _add(api, series["id"], "r@school.test")).json()
    assert len(one["occurrences"]) == 2
