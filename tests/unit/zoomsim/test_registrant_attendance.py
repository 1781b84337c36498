"""Joining by registrant, as attendance sees it: a registrant's join link, registrant id or
dial-in code names them in `meeting.participant_joined/left` and in both participants reports
(`registrant_id`, `customer_key`), from two devices at once, after a drop, or by phone; guests
carry an empty `registrant_id`; the host joins as host. Proven over HTTP: the control API to
play, REST to read, a signed-webhook receiver to listen."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient, SimError

from .conftest import HOOK, SECRET, Receiver


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    config.fidelity = Fidelity.zoom(webhook_at_least_once=False)
    return config


async def _class(ctl: SimClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A meeting taking registrations, with Asha and Ben registered, the webhooks on."""
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = await ctl.create_meeting(topic="Attendance", settings={"approval_type": 0})
    asha = await ctl.add_registrant(m["id"], "asha@school.test", "Asha", "Rao")
    ben = await ctl.add_registrant(m["id"], "ben@school.test", "Ben", "Ode")
    return m, asha, ben


def _joined(receiver: Receiver) -> list[dict[str, Any]]:
    return [
        e["payload"]["object"]["participant"] for e in receiver.events("meeting.participant_joined")
    ]


async def test_registrant_joins_carry_their_id_in_webhooks_and_reports(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    m, asha, ben = await _class(ctl)
    t0 = (await ctl.start(m["id"], at=1_900_000_000))["start_time"]
    assert t0
    host = await ctl.join(m["id"], host=True, at=1_900_000_000)
    laptop = await ctl.join(
        m["id"], join_url=asha["join_url"], customer_key="stu-asha", at=1_900_000_060
    )
    phone = await ctl.join(  # the same registrant on a second device, overlapping
        m["id"], participant_pin_code=asha["participant_pin_code"], device="phone", at=1_900_000_120
    )
    b1 = await ctl.join(m["id"], registrant_id=ben["registrant_id"], at=1_900_000_100)
    guest = await ctl.join(m["id"], "Visitor", at=1_900_000_130)
    await ctl.leave(m["id"], b1["user_id"], at=1_900_000_400)  # Ben drops ...
    b2 = await ctl.join(m["id"], join_url=ben["join_url"], at=1_900_000_460)  # ... and rejoins
    await ctl.leave(m["id"], phone["user_id"], at=1_900_000_900)
    await ctl.end(m["id"], at=1_900_003_600, no_recording=True)

    assert (host["role"], host["id"], host["registrant_id"]) == ("host", m["host_id"], "")
    assert (laptop["name"], laptop["email"]) == ("Asha Rao", "asha@school.test")  # the link names
    assert (laptop["registrant_id"], laptop["role"]) == (asha["registrant_id"], "attendee")
    assert phone["registrant_id"] == asha["registrant_id"]
    assert phone["email"] == ""
    assert phone["phone_number"]
    assert phone["name"] == phone["phone_number"]  # a caller shows as their number
    assert b2["user_id"] != b1["user_id"]  # a new per-meeting id on every join

    await ctl.drain()
    joined = {p["user_id"]: p for p in _joined(receiver)}
    assert joined[laptop["user_id"]]["registrant_id"] == asha["registrant_id"]
    assert joined[laptop["user_id"]]["customer_key"] == "stu-asha"
    assert joined[phone["user_id"]]["phone_number"] == phone["phone_number"]
    assert joined[b2["user_id"]]["registrant_id"] == ben["registrant_id"]
    assert joined[guest["user_id"]]["registrant_id"] == ""
    assert joined[host["user_id"]]["id"] == m["host_id"]
    left = {
        e["payload"]["object"]["participant"]["user_id"]: e["payload"]["object"]["participant"]
        for e in receiver.events("meeting.participant_left")
    }
    assert left[b1["user_id"]]["registrant_id"] == ben["registrant_id"]
    assert left[laptop["user_id"]]["leave_reason"] == "host ended the meeting"

    uuid = (await ctl.meeting(m["id"]))["instances"][0]["uuid"]
    answer = await api.get(
        f"/v2/report/meetings/{m['id']}/participants",
        params={"include_fields": "registrant_id", "page_size": 300},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()["participants"]
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in report:
        rows.setdefault(row["registrant_id"], []).append(row)
    assert len(rows[asha["registrant_id"]]) == 2  # two devices, two rows, overlapping
    assert len(rows[ben["registrant_id"]]) == 2  # a drop and a rejoin
    assert {r["customer_key"] for r in rows[asha["registrant_id"]]} == {"stu-asha", ""}
    assert sum(r["duration"] for r in rows[ben["registrant_id"]]) == 300 + 3140
    assert "bo_mtg_id" not in report[0]  # main-meeting rows have none
    plain = (await api.get(f"/v2/report/meetings/{m['id']}/participants")).json()["participants"]
    assert all("registrant_id" not in r for r in plain)  # only with include_fields, as Zoom
    twice = quote(quote(uuid, safe=""), safe="")  # Zoom's rule for a uuid with a slash
    past = (await api.get(f"/v2/past_meetings/{twice}/participants")).json()["participants"]
    assert {r["registrant_id"] for r in past} == {
        asha["registrant_id"],
        ben["registrant_id"],
        "",
    }


async def test_reports_page_with_next_page_token(api: httpx.AsyncClient, ctl: SimClient) -> None:
    m, asha, _ben = await _class(ctl)
    await ctl.start(m["id"])
    for _ in range(5):  # five stays of one registrant: five rows
        p = await ctl.join(m["id"], registrant_id=asha["registrant_id"])
        await ctl.leave(m["id"], p["user_id"])
    await ctl.end(m["id"], no_recording=True)
    for path in (
        f"/v2/report/meetings/{m['id']}/participants",
        f"/v2/past_meetings/{m['id']}/participants",
    ):
        params: dict[str, Any] = {"page_size": 2, "include_fields": "registrant_id"}
        page = (await api.get(path, params=params)).json()
        seen = list(page["participants"])
        while page["next_page_token"]:
            params["next_page_token"] = page["next_page_token"]
            page = (await api.get(path, params=params)).json()
            seen += page["participants"]
        assert len(seen) == 5, path
        assert {r["registrant_id"] for r in seen} == {asha["registrant_id"]}
        assert len({r["user_id"] for r in seen}) == 5


async def test_only_an_approved_registrant_s_link_lets_them_in(ctl: SimClient) -> None:
    m = await ctl.create_meeting(settings={"approval_type": 1})
    pending = await ctl.add_registrant(m["id"], "late@school.test")
    assert pending["status"] == "pending"
    await ctl.start(m["id"])
    with pytest.raises(SimError) as refused:
        await ctl.join(m["id"], join_url=pending["join_url"])
    assert refused.value.status == 409
    with pytest.raises(SimError) as unknown:
        await ctl.join(m["id"], registrant_id="nobody")
    assert unknown.value.status == 404
    approved = await ctl.add_registrant(m["id"], "on@school.test", auto_approve=True)
    assert approved["status"] == "approved"
    assert (await ctl.join(m["id"], join_url=approved["join_url"]))["registrant_id"]
    listed = await ctl.registrants(m["id"])
    assert [r["email"] for r in listed] == ["late@school.test", "on@school.test"]
    shown = await ctl.meeting(m["id"])
    assert len(shown["registrants"]) == 2
    assert shown["instances"][0]["participants"][0]["registrant_id"] == approved["registrant_id"]


async def test_the_waiting_room_names_the_registrant_too(
    ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = await ctl.create_meeting(settings={"approval_type": 0, "waiting_room": True})
    r = await ctl.add_registrant(m["id"], "asha@school.test", "Asha", "Rao")
    await ctl.start(m["id"])
    waiting = await ctl.join(m["id"], join_url=r["join_url"], customer_key="stu1", wait=True)
    assert waiting["waiting"] is True
    await ctl.admit(m["id"], waiting["user_id"])
    await ctl.drain()
    for event in (
        "meeting.participant_joined_waiting_room",
        "meeting.participant_admitted",
        "meeting.participant_joined",
    ):
        p = receiver.events(event)[0]["payload"]["object"]["participant"]
        assert (p["registrant_id"], p["customer_key"]) == (r["registrant_id"], "stu1"), event


async def test_a_guest_dials_in_without_a_participant_code(
    ctl: SimClient, receiver: Receiver
) -> None:
    """A dial-in without a registrant's code is a guest, named by their phone number."""
    m, _asha, _ben = await _class(ctl)
    await ctl.start(m["id"], at=1_900_000_000)
    caller = await ctl.join(m["id"], device="phone", at=1_900_000_030)
    assert caller["name"].startswith("+1 ")
    assert not caller.get("registrant_id")
    assert not caller.get("email")
