"""Fidelity: REST details where the simulator was kinder than Zoom — breakout-room
pre-assignment dropped, past meetings expiring after about 15 months, Basic users of type 1,
the user recordings list's `trash_type`/`meeting_id`/`mc`, concurrent writes for one host, the
per-user daily 429's headers, and `pmi` in meeting lists and meeting.created. Each behaviour is
switched on through the control API and proven over HTTP, then switched off.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient

from .conftest import HOOK, SECRET, Receiver
from .fidelity_support import first_account, s2s_bearer

ROOMS = {"enable": True, "rooms": [{"name": "Room 1", "participants": ["ana@school.test"]}]}
MONTH = 30.44 * 86400


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    """Every switch kind whatever `ZOOMSIM_FIDELITY` says: each test turns on only its own."""
    config.fidelity = Fidelity.kind()
    return config


async def _create(api: httpx.AsyncClient, user: str = "me", **body: Any) -> dict[str, Any]:
    r = await api.post(f"/v2/users/{user}/meetings", json=body)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def _rooms_of(api: httpx.AsyncClient, meeting_id: int) -> dict[str, Any]:
    room: dict[str, Any] = (await api.get(f"/v2/meetings/{meeting_id}")).json()["settings"][
        "breakout_room"
    ]
    return room


async def test_breakout_pre_assignment_dropped_unless_the_account_allows_it(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(breakout_preassign_setting=True)
    m = await _create(api, topic="Groups", settings={"breakout_room": ROOMS})
    assert m["settings"]["breakout_room"] == {"enable": True}  # 201, and the rooms are gone
    assert await _rooms_of(api, m["id"]) == {"enable": True}
    r = await api.patch(f"/v2/meetings/{m['id']}", json={"settings": {"breakout_room": ROOMS}})
    assert r.status_code == 204
    assert await _rooms_of(api, m["id"]) == {"enable": True}

    acc = await first_account(ctl)
    await ctl.set_account_settings(acc["account_id"], breakout_room_schedule=True)
    kept = await _create(api, topic="Groups", settings={"breakout_room": ROOMS})
    assert await _rooms_of(api, kept["id"]) == ROOMS


async def test_breakout_pre_assignment_switched_off_rooms_are_kept(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(breakout_preassign_setting=False)
    m = await _create(api, topic="Groups", settings={"breakout_room": ROOMS})
    assert await _rooms_of(api, m["id"]) == ROOMS


async def _past(ctl: SimClient, months_ago: float) -> int:
    now = (await ctl.health())["clock"]
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    start = now - months_ago * MONTH
    await ctl.start(m["id"], at=start)
    await ctl.join(m["id"], "Ana", at=start + 60)
    await ctl.end(m["id"], at=start + 3600)
    mid: int = m["id"]
    return mid


async def test_past_meetings_older_than_15_months_answer_12702(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(past_meeting_retention=True)
    old, recent = await _past(ctl, 16), await _past(ctl, 14)
    for path in (
        f"/v2/past_meetings/{old}",
        f"/v2/past_meetings/{old}/participants",
        f"/v2/report/meetings/{old}/participants",
        f"/v2/report/meetings/{old}",
    ):
        r = await api.get(path)
        assert r.status_code == 400, path
        assert r.json() == {"code": 12702, "message": "Cannot access a meeting a year ago."}
    assert (await api.get(f"/v2/past_meetings/{old}/instances")).json() == {"meetings": []}
    assert (await api.get(f"/v2/past_meetings/{recent}")).status_code == 200
    assert (await api.get(f"/v2/past_meetings/{recent}/participants")).status_code == 200
    assert len((await api.get(f"/v2/past_meetings/{recent}/instances")).json()["meetings"]) == 1


async def test_past_meeting_retention_switched_off_old_meetings_stay(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(past_meeting_retention=False)
    old = await _past(ctl, 16)
    assert (await api.get(f"/v2/past_meetings/{old}")).status_code == 200


async def _basic_account(ctl: SimClient) -> dict[str, Any]:
    return await ctl.add_account("Basic School", plan="free", users=[{"email": "t@basic.test"}])


async def test_users_of_a_basic_account_are_type_1(http: httpx.AsyncClient, ctl: SimClient) -> None:
    await ctl.set_fidelity(basic_user_type=True)
    basic = await _basic_account(ctl)
    r = await http.get("/v2/users/me", headers=await s2s_bearer(http, basic))
    assert r.json()["type"] == 1
    licensed = await http.get(
        "/v2/users/me", headers=await s2s_bearer(http, await first_account(ctl))
    )
    assert licensed.json()["type"] == 2  # a business account's user is licensed


async def test_basic_user_type_switched_off_type_2(http: httpx.AsyncClient, ctl: SimClient) -> None:
    await ctl.set_fidelity(basic_user_type=False)
    basic = await _basic_account(ctl)
    r = await http.get("/v2/users/me", headers=await s2s_bearer(http, basic))
    assert r.json()["type"] == 2


async def _recorded(ctl: SimClient, api: httpx.AsyncClient, topic: str) -> tuple[int, list[str]]:
    m = await ctl.create_meeting(topic=topic, settings={"auto_recording": "none"})
    await ctl.start(m["id"])
    files = [{"file_type": "MP4", "size": 100}, {"file_type": "CHAT", "size": 100}]
    await ctl.end(m["id"], recording={"files": files, "delay": 0})
    await ctl.recording_ready(m["id"])
    listed = (await api.get(f"/v2/meetings/{m['id']}/recordings")).json()["recording_files"]
    return m["id"], [f["id"] for f in listed]


async def _listing(api: httpx.AsyncClient, **params: str) -> dict[int, list[str]]:
    r = await api.get("/v2/users/me/recordings", params=params)
    assert r.status_code == 200, r.text
    return {m["id"]: [f["id"] for f in m["recording_files"]] for m in r.json()["meetings"]}


async def _three_meetings(
    ctl: SimClient, api: httpx.AsyncClient
) -> tuple[tuple[int, list[str]], ...]:
    """A (one file trashed), B (trashed whole), C (untouched)."""
    a, b, c = [await _recorded(ctl, api, t) for t in ("A", "B", "C")]
    assert (await api.delete(f"/v2/meetings/{a[0]}/recordings/{a[1][0]}")).status_code == 204
    assert (await api.delete(f"/v2/meetings/{b[0]}/recordings")).status_code == 204
    return a, b, c


async def test_user_recordings_honour_trash_type_meeting_id_and_mc(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(recording_list_filters=True)
    (a, a_files), (b, b_files), (c, c_files) = await _three_meetings(ctl, api)
    assert await _listing(api, trash="true") == {b: b_files}  # meeting_recordings by default
    assert await _listing(api, trash="true", trash_type="meeting_recordings") == {b: b_files}
    assert await _listing(api, trash="true", trash_type="recording_file") == {a: a_files[:1]}
    assert await _listing(api, meeting_id=str(c)) == {c: c_files}
    assert await _listing(api, meeting_id=str(a)) == {a: a_files[1:]}
    assert await _listing(api) == {a: a_files[1:], c: c_files}
    assert await _listing(api, mc="true") == {}  # no on-premise meeting connector here
    r = await api.get("/v2/users/me/recordings", params={"trash": "true", "trash_type": "all"})
    assert (r.status_code, r.json()["code"]) == (400, 300)


async def test_recording_list_filters_switched_off_they_are_ignored(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(recording_list_filters=False)
    (a, a_files), (b, b_files), (c, c_files) = await _three_meetings(ctl, api)
    assert await _listing(api, trash="true") == {a: a_files[:1], b: b_files}
    assert await _listing(api, meeting_id=str(c)) == {a: a_files[1:], c: c_files}
    assert await _listing(api, mc="true") == {a: a_files[1:], c: c_files}


async def test_overlapping_writes_for_one_host_get_429(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    first, second = await _create(api, topic="one"), await _create(api, topic="two")
    other = await _create(api, "teacher@classbridge.test", topic="three")
    await ctl.set_fidelity(concurrent_write_limit=True, write_hold_seconds=0.2)

    def patch(m: dict[str, Any], topic: str) -> Any:
        return api.patch(f"/v2/meetings/{m['id']}", json={"topic": topic})

    answers = await asyncio.gather(patch(first, "1"), patch(second, "2"))
    assert sorted(r.status_code for r in answers) == [204, 429]
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.json() == {
        "code": 429,
        "message": "Too many concurrent requests. Please try again later.",
    }
    # another host's write, a read, or the next write in turn: all fine
    answers = await asyncio.gather(patch(first, "1b"), patch(other, "3b"))
    assert [r.status_code for r in answers] == [204, 204]
    answers = await asyncio.gather(patch(first, "1c"), api.get(f"/v2/meetings/{first['id']}"))
    assert [r.status_code for r in answers] == [204, 200]
    assert (await patch(second, "2d")).status_code == 204


async def test_concurrent_write_limit_switched_off_parallel_writes_pass(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(concurrent_write_limit=False, write_hold_seconds=0.2)
    first, second = await _create(api, topic="one"), await _create(api, topic="two")
    answers = await asyncio.gather(
        *(api.patch(f"/v2/meetings/{m['id']}", json={"topic": "x"}) for m in (first, second))
    )
    assert [r.status_code for r in answers] == [204, 204]


async def test_per_user_daily_429_carries_light_with_its_limit_on_every_write(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.configure(host_daily_limit=1)
    await ctl.set_fidelity(host_limit_headers=True)
    m = await _create(api, topic="only one today")
    r = await api.post("/v2/users/me/meetings", json={"topic": "one more"})  # a Medium endpoint
    assert r.status_code == 429
    assert "daily rate limit (1) of Meeting Create/Update" in r.json()["message"]
    h = r.headers
    assert (h["X-RateLimit-Category"], h["X-RateLimit-Limit"]) == ("Light", "6000")
    assert (h["X-RateLimit-Type"], h["X-RateLimit-Remaining"]) == ("Daily-limit", "0")
    assert "Retry-After" not in h  # as observed: none
    r = await api.patch(f"/v2/meetings/{m['id']}", json={"topic": "renamed"})
    assert r.status_code == 429
    assert (r.headers["X-RateLimit-Category"], r.headers["X-RateLimit-Limit"]) == ("Light", "6000")


async def test_host_limit_headers_switched_off_create_says_medium_beside_6000(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.configure(host_daily_limit=1)
    await ctl.set_fidelity(host_limit_headers=False)
    await _create(api, topic="only one today")
    r = await api.post("/v2/users/me/meetings", json={"topic": "one more"})
    assert r.status_code == 429
    assert (r.headers["X-RateLimit-Category"], r.headers["X-RateLimit-Limit"]) == ("Medium", "6000")


async def test_pmi_in_meeting_lists_and_meeting_created(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(pmi_in_meetings=True)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    me = (await api.get("/v2/users/me")).json()
    plain = await _create(api, topic="plain")
    personal = await _create(api, topic="personal", settings={"use_pmi": True})
    listed = (await api.get("/v2/users/me/meetings")).json()["meetings"]
    pmis = {m["id"]: m["pmi"] for m in listed}
    assert pmis == {plain["id"]: "", personal["id"]: str(me["pmi"])}
    await ctl.drain()
    created = {e["payload"]["object"]["id"]: e for e in receiver.events("meeting.created")}
    assert created[plain["id"]]["payload"]["object"]["pmi"] == ""
    assert created[personal["id"]]["payload"]["object"]["pmi"] == str(me["pmi"])


async def test_pmi_in_meetings_switched_off_no_pmi_field(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(pmi_in_meetings=False)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    await _create(api, topic="plain")
    listed = (await api.get("/v2/users/me/meetings")).json()["meetings"]
    assert all("pmi" not in m for m in listed)
    await ctl.drain()
    assert all("pmi" not in e["payload"]["object"] for e in receiver.events("meeting.created"))
