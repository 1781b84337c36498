"""A whole class played from a plan (`SimClient.play_class`, zoomsim.class_plan), and
`zoomsim class`: what was played (per registrant: intervals) is what Zoom's webhooks and
participants report show, a dropped join webhook included; the command line's class has the
host plus every student and guest asked for."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from zoomsim import Fidelity, SimConfig, Simulator, cli
from zoomsim.class_plan import Attendee, Breakout, ClassPlan, Stay, merged_seconds
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process

from .conftest import HOOK, SECRET, Receiver


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    config.fidelity = Fidelity.zoom(webhook_at_least_once=False)
    return config


PLAN = ClassPlan(
    minutes=60,
    attendees=(
        Attendee(
            "Asha Rao",
            "asha@school.test",
            customer_key="stu-asha",
            stays=(Stay(2, 30), Stay(31, device="phone")),  # dropped, dialled back in
        ),
        Attendee(
            "Ben Ode",
            "ben@school.test",
            stays=(
                Stay(0, breakouts=(Breakout("Room 1", 20, 35),)),
                Stay(10, 40, device="tablet", drop_join_webhook=True),  # a second device
            ),
        ),
        Attendee(
            "Cleo Lin", "cleo@school.test", stays=(Stay(5, breakouts=(Breakout("Room 2", 5.5),)),)
        ),
        Attendee("Visitor", stays=(Stay(1, 50),)),  # a guest
    ),
)


async def test_played_class_matches_webhooks_and_the_report(
    api: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    played = await ctl.play_class(PLAN)
    await ctl.drain()
    asha, ben, cleo, visitor = played.attendees
    assert visitor.registrant_id == ""
    assert set(played.by_registrant()) == {
        asha.registrant_id,
        ben.registrant_id,
        cleo.registrant_id,
    }
    assert asha.intervals == [
        (played.start + 120, played.start + 1800),
        (played.start + 1860, played.end),
    ]
    assert ben.seconds == 3600  # two devices overlapping count once
    assert cleo.seconds == 55 * 60  # all but 30 s in a room
    assert played.dropped_joins() == [ben.stays[1].user_ids[0]]

    # the webhooks: every join but the dropped one, each named by its registrant
    joined = [
        e["payload"]["object"]["participant"] for e in receiver.events("meeting.participant_joined")
    ]
    ids = {p["user_id"] for p in joined}
    assert ben.stays[1].user_ids[0] not in ids
    assert ben.stays[0].user_ids[0] in ids
    by_user = {p["user_id"]: p for p in joined}
    assert by_user[asha.stays[0].user_ids[0]]["customer_key"] == "stu-asha"
    assert by_user[asha.stays[1].user_ids[0]]["registrant_id"] == asha.registrant_id
    assert by_user[asha.stays[1].user_ids[0]]["phone_number"]
    assert by_user[played.host_user_id]["id"]  # the host's Zoom user
    drops = [
        d for d in await ctl.deliveries("meeting.participant_joined") if d["state"] == "dropped"
    ]
    assert len(drops) == 1

    # the report: its rows per registrant are the played intervals, rooms included
    rows = (
        await api.get(
            f"/v2/report/meetings/{played.meeting_id}/participants",
            params={"include_fields": "registrant_id", "page_size": 300},
        )
    ).json()["participants"]
    for who in (asha, ben, cleo):
        mine = [r for r in rows if r["registrant_id"] == who.registrant_id]
        assert sum(r["duration"] for r in mine) == sum(b - a for a, b in who.intervals)
        assert len(mine) == sum(len(s.user_ids) for s in who.stays)
    rooms = [r for r in rows if r.get("bo_mtg_id")]
    assert {r["registrant_id"] for r in rooms} == {ben.registrant_id, cleo.registrant_id}
    host_rows = [r for r in rows if r["user_id"] == played.host_user_id]
    assert host_rows[0]["duration"] == 3600


async def test_attendees_join_an_existing_meeting_through_links_they_were_given(
    ctl: SimClient, receiver: Receiver
) -> None:
    """A course platform registered the students and handed out their links: the plan plays
    the given meeting, each attendee joining through their link (by phone with that
    registrant's code), and registers nobody."""
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    meeting = await ctl.create_meeting(settings={"approval_type": 0, "auto_recording": "none"})
    dee = await ctl.add_registrant(meeting["id"], "dee@school.test", "Dee", "Park")
    eli = await ctl.add_registrant(meeting["id"], "eli@school.test", "Eli", "Moss")
    before = len(await ctl.meetings())
    plan = ClassPlan(
        minutes=30,
        attendees=(
            # the plan's name and email are not what Zoom shows: the link names the registrant
            Attendee("Dee", join_url=dee["join_url"], stays=(Stay(0, 10), Stay(12))),
            Attendee("Eli", join_url=eli["join_url"], stays=(Stay(5, device="phone"),)),
            Attendee("Dee Park", stays=(Stay(1, 20),)),  # a guest typing Dee's name
        ),
    )
    played = await ctl.play_class(plan, meeting["id"])
    await ctl.drain()
    assert played.meeting_id == int(meeting["id"])
    assert len(await ctl.meetings()) == before  # no meeting of its own
    registrants = await ctl.registrants(meeting["id"])
    assert [r["registrant_id"] for r in registrants] == [dee["registrant_id"], eli["registrant_id"]]
    d, e, guest = played.attendees
    assert (d.registrant_id, d.email, d.join_url) == (
        dee["registrant_id"],
        "dee@school.test",
        dee["join_url"],
    )
    assert e.registrant_id == eli["registrant_id"]
    assert guest.registrant_id == ""
    assert played.by_registrant() == {
        dee["registrant_id"]: [
            (played.start, played.start + 600),
            (played.start + 720, played.end),
        ],
        eli["registrant_id"]: [(played.start + 300, played.end)],
    }
    joined = {
        p["user_id"]: p
        for p in (
            e["payload"]["object"]["participant"]
            for e in receiver.events("meeting.participant_joined")
        )
    }
    assert joined[d.stays[0].user_ids[0]]["registrant_id"] == dee["registrant_id"]
    assert joined[d.stays[0].user_ids[0]]["user_name"] == "Dee Park"
    assert joined[e.stays[0].user_ids[0]]["registrant_id"] == eli["registrant_id"]
    assert joined[e.stays[0].user_ids[0]]["phone_number"]
    assert joined[guest.stays[0].user_ids[0]]["registrant_id"] == ""


async def test_a_link_must_be_a_registrants_of_the_meeting_played(ctl: SimClient) -> None:
    meeting = await ctl.create_meeting(settings={"approval_type": 0, "auto_recording": "none"})
    other = await ctl.create_meeting(settings={"approval_type": 0, "auto_recording": "none"})
    theirs = await ctl.add_registrant(other["id"], "fay@school.test", "Fay", "Ito")
    plan = ClassPlan(minutes=10, attendees=(Attendee("Fay", join_url=theirs["join_url"]),))
    with pytest.raises(ValueError, match="no registrant's link"):
        await ctl.play_class(plan, meeting["id"])
    with pytest.raises(ValueError, match="existing meeting"):
        await ctl.play_class(plan)


async def test_a_plan_that_does_not_fit_is_refused(ctl: SimClient) -> None:
    with pytest.raises(ValueError, match="fit"):
        await ctl.play_class(
            ClassPlan(minutes=10, attendees=(Attendee("A", stays=(Stay(5, 20),)),))
        )
    with pytest.raises(ValueError, match="breakout"):
        await ctl.play_class(
            ClassPlan(
                minutes=10,
                attendees=(Attendee("A", stays=(Stay(1, 5, breakouts=(Breakout("R", 6),)),)),),
            )
        )
    assert merged_seconds([(0, 10), (5, 20), (30, 40)]) == 30


async def test_zoomsim_class_has_the_host_students_and_guests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim = Simulator(
        SimConfig(
            webhooks=[],
            rate_limits=False,
            uuid_slash_probability=0.0,
            fidelity=Fidelity.zoom(webhook_at_least_once=False),
        )
    )

    async def run(*args: str) -> Any:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, ["--sim", url, *args])
        out = capsys.readouterr()
        assert code == 0, out.err
        return json.loads(out.out)

    async with sim, serve_in_process(sim) as url, SimClient(url) as ctl:
        common = ("--minutes", "10", "--delay", "0", "--files", "MP4:1k")
        played = await run("class", "--students", "4", "--guests", "2", *common)
        assert (played["participants"], played["registrants"]) == (7, 0)
        shown = await ctl.meeting(played["meeting_id"])
        people = shown["instances"][0]["participants"]
        host = sim.state.users[shown["host_id"]]
        assert people[0]["id"] == host.id
        assert people[0]["role"] == "host"
        names = {p["name"] for p in people}
        assert {f"Student {i}" for i in range(1, 5)} | {"Guest 1", "Guest 2"} <= names
        assert len(people) == 8  # host, 4 students, 2 guests, and Student 1's rejoin

        registered = await run("class", "--students", "3", "--guests", "1", "--register", *common)
        assert (registered["participants"], registered["registrants"]) == (5, 3)
        rows = (await ctl.meeting(registered["meeting_id"]))["instances"][0]["participants"]
        students = [p for p in rows if p["name"].startswith("Student")]
        assert students
        assert all(p["registrant_id"] for p in students)
        assert all(p["registrant_id"] == "" for p in rows if p["name"] == "Guest 1")

        # a meeting that has registrants: its students join through their links
        m = await ctl.create_meeting(settings={"approval_type": 0, "auto_recording": "none"})
        r = await ctl.add_registrant(m["id"], "zoe@school.test", "Zoe", "Ng")
        again = await run(
            "class", "--meeting", str(m["id"]), "--students", "2", "--guests", "0", *common
        )
        assert again["registrants"] == 1
        rows = (await ctl.meeting(m["id"]))["instances"][0]["participants"]
        zoe = [p for p in rows if p["registrant_id"] == r["registrant_id"]]
        assert zoe
        assert zoe[0]["name"] == "Zoe Ng"

        # step by step from a shell: register, then join through the link
        reg = await run("register", str(m["id"]), "yan@school.test", "--first-name", "Yan")
        joined = await run(
            "join", str(m["id"]), "--join-url", reg["join_url"], "--customer-key", "k1"
        )
        assert (joined["registrant_id"], joined["name"]) == (reg["registrant_id"], "Yan")
        assert joined["customer_key"] == "k1"
        host = await run("join", str(m["id"]), "--host")
        assert host["role"] == "host"
