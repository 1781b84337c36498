"""REST behaviour beyond the basics: PATCH validation, meeting.updated/deleted payloads,
occurrences, meeting list types, the user recordings window and its page tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from zoomsim import Simulator
from zoomsim.client import SimClient

from .conftest import HOOK, SECRET, Receiver, s2s_token


async def test_patch_topic_over_200_is_a_300_with_errors(api: httpx.AsyncClient) -> None:
    m = (await api.post("/v2/users/me/meetings", json={"topic": "t"})).json()
    r = await api.patch(f"/v2/meetings/{m['id']}", json={"topic": "x" * 201})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 300
    assert body["errors"][0]["field"] == "topic"
    assert (await api.get(f"/v2/meetings/{m['id']}")).json()["topic"] == "t"


async def test_meeting_updated_and_deleted_payloads(
    sim: Simulator, api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = (await api.post("/v2/users/me/meetings", json={"topic": "Old", "duration": 30})).json()
    r = await api.patch(f"/v2/meetings/{m['id']}", json={"topic": "New", "duration": 45})
    assert r.status_code == 204
    assert (await api.delete(f"/v2/meetings/{m['id']}")).status_code == 204
    await ctl.drain()
    owner = next(iter(sim.state.accounts.values())).users[0]
    upd = receiver.events("meeting.updated")[0]["payload"]
    assert upd["object"] == {"id": m["id"], "topic": "New", "duration": 45}
    assert isinstance(upd["object"]["id"], int)
    assert upd["old_object"] == {"id": m["id"], "topic": "Old", "duration": 30}
    assert upd["scope"] == "all"
    assert upd["operator"] == owner.email
    assert upd["operator_id"] == owner.id
    assert isinstance(upd["time_stamp"], int)
    assert upd["time_stamp"] > 10**12  # milliseconds
    dele = receiver.events("meeting.deleted")[0]["payload"]
    assert dele["operation"] == "all"
    assert dele["object"]["id"] == m["id"]
    assert isinstance(dele["object"]["id"], int)
    assert dele["object"]["topic"] == "New"
    assert dele["operator"] == owner.email
    assert dele["operator_id"] == owner.id
    assert (await api.get(f"/v2/meetings/{m['id']}")).json()["code"] == 3001


async def test_occurrence_id_on_get_and_delete(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = (
        await api.post(
            "/v2/users/me/meetings",
            json={
                "topic": "Series",
                "type": 8,
                "start_time": "2030-03-04T08:00:00Z",
                "duration": 30,
                "recurrence": {"type": 1, "repeat_interval": 1, "end_times": 3},
            },
        )
    ).json()
    second = m["occurrences"][1]
    r = await api.get(f"/v2/meetings/{m['id']}", params={"occurrence_id": second["occurrence_id"]})
    assert r.status_code == 200
    assert r.json()["start_time"] == second["start_time"] == "2030-03-05T08:00:00Z"
    r = await api.get(f"/v2/meetings/{m['id']}", params={"occurrence_id": "123"})
    assert r.status_code == 400
    assert r.json() == {"code": 3000, "message": "Invalid occurrence_id."}
    r = await api.delete(f"/v2/meetings/{m['id']}", params={"occurrence_id": "123"})
    assert r.json()["code"] == 3000
    r = await api.delete(
        f"/v2/meetings/{m['id']}", params={"occurrence_id": second["occurrence_id"]}
    )
    assert r.status_code == 204
    after = (await api.get(f"/v2/meetings/{m['id']}")).json()  # the series stays
    assert [o["status"] for o in after["occurrences"]] == ["available", "deleted", "available"]
    await ctl.drain()
    payload = receiver.events("meeting.deleted")[0]["payload"]
    assert payload["operation"] == "single"
    assert payload["object"]["occurrences"] == [
        {"occurrence_id": second["occurrence_id"], "start_time": second["start_time"]}
    ]


async def test_live_upcoming_and_previous_meeting_lists(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    async def ids(kind: str) -> set[int]:
        r = await api.get("/v2/users/me/meetings", params={"type": kind})
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["meetings"]}

    past = (
        await api.post(
            "/v2/users/me/meetings",
            json={"topic": "past", "start_time": "2020-01-01T00:00:00Z", "duration": 30},
        )
    ).json()["id"]
    future = (
        await api.post(
            "/v2/users/me/meetings", json={"topic": "future", "start_time": "2035-01-01T00:00:00Z"}
        )
    ).json()["id"]
    ran = (await api.post("/v2/users/me/meetings", json={"topic": "ran"})).json()["id"]
    await ctl.start(ran)
    assert await ids("live") == {ran}
    assert await ids("previous_meetings") == set()
    await ctl.end(ran, no_recording=True)
    assert await ids("live") == set()
    assert await ids("previous_meetings") == {ran}
    upcoming = await ids("upcoming")
    assert future in upcoming
    assert past not in upcoming
    assert await ids("scheduled") == {past, future, ran}
    r = await api.get("/v2/users/me/meetings", params={"type": "bogus"})
    assert r.status_code == 400
    assert r.json()["code"] == 300


async def _recorded(ctl: SimClient, at: float) -> int:
    m = await ctl.create_meeting(topic=f"class at {at}", settings={"auto_recording": "none"})
    await ctl.start(m["id"], at=at)
    await ctl.end(
        m["id"], at=at + 3600, recording={"files": [{"file_type": "MP4", "size": 100}], "delay": 0}
    )
    await ctl.recording_ready(m["id"])
    return m["id"]


async def test_user_recordings_window_across_months_and_page_tokens(
    sim: Simulator, api: httpx.AsyncClient, ctl: SimClient
) -> None:
    jan10, jan25, feb15, feb25 = (
        datetime(2030, mo, d, 9, tzinfo=UTC).timestamp()
        for mo, d in ((1, 10), (1, 25), (2, 15), (2, 25))
    )
    ids = {at: await _recorded(ctl, at) for at in (jan10, jan25, feb15, feb25)}
    window = {"from": "2030-01-20", "to": "2030-02-19", "page_size": 1}
    r = await api.get("/v2/users/me/recordings", params=window)
    first = r.json()
    assert r.status_code == 200
    assert (first["from"], first["to"], first["total_records"]) == ("2030-01-20", "2030-02-19", 2)
    assert first["meetings"][0]["id"] == ids[feb15]  # newest first
    assert first["next_page_token"]
    r = await api.get(
        "/v2/users/me/recordings", params={**window, "next_page_token": first["next_page_token"]}
    )
    second = r.json()
    assert second["meetings"][0]["id"] == ids[jan25]
    assert second["next_page_token"] == ""
    # the token lives 15 minutes
    sim.state.clock.advance(sim.config.page_token_ttl + 1)
    api.headers["Authorization"] = f"Bearer {await s2s_token(sim, api)}"
    r = await api.get(
        "/v2/users/me/recordings", params={**window, "next_page_token": first["next_page_token"]}
    )
    assert r.status_code == 400
    assert r.json() == {"code": 300, "message": "The next page token is invalid or expired."}
    r = await api.get("/v2/users/me/recordings", params={"from": "2030-01-01", "to": "2030-01-31"})
    assert [x["id"] for x in r.json()["meetings"]] == [ids[jan25], ids[jan10]]


async def test_tracking_id_and_rate_limit_headers_on_every_answer(api: httpx.AsyncClient) -> None:
    r = await api.get("/v2/users/me")
    assert len(r.headers["x-zm-trackingid"]) == 25
    assert r.headers["x-ratelimit-category"] == "Light"
    r = await api.get("/v2/meetings/123")
    assert r.status_code == 404
    assert r.headers["x-zm-trackingid"]
    assert r.headers["x-ratelimit-category"] == "Light"
