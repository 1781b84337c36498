"""Meeting registrants through the gateway, against the simulator: each student registered with
their own join link, idempotently; removed; listed page by page; Zoom's refusals as gRPC codes;
join links never in the logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    bearer,
    gateway_settings,
    rpc_error,
    service_token,
    spec,
    user_token,
    zoom_gateway,
    zoom_simulator,
)
from zoom_gateway.service_layer import registrants as registrants_module

STUDENTS = [
    pb.RegistrantSpec(email="ada@example.com", first_name="Ada", last_name="Lovelace"),
    pb.RegistrantSpec(email="alan@example.com", first_name="Alan", last_name="Turing"),
    pb.RegistrantSpec(email="grace@example.com", first_name="Grace", last_name="Hopper"),
]


async def _meeting(gw: Gateway, request_id: str, **settings: Any) -> pb.Meeting:
    fields: dict[str, Any] = {"topic": "Algebra - Lesson 1", "duration_minutes": 60}
    if "type" in settings:
        fields["type"] = settings.pop("type")
        fields["recurrence"] = pb.Recurrence(
            type=pb.Recurrence.TYPE_WEEKLY, repeat_interval=1, weekly_days=[2], end_times=3
        )
    return await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(
            request_id=request_id,
            meeting=spec(settings=common_pb2.MeetingSettings(**settings), **fields),
        ),
        timeout=10,
    )


def _add(
    meeting_id: int, *people: pb.RegistrantSpec, **fields: Any
) -> pb.AddMeetingRegistrantsRequest:
    return pb.AddMeetingRegistrantsRequest(
        meeting_id=meeting_id, registrants=list(people or STUDENTS), **fields
    )


def _adds(zoom: Zoom, meeting_id: int) -> int:
    """Zoom calls that register people (single or batch) for the meeting."""
    path = f"/meetings/{meeting_id}/"
    return len(
        [
            r
            for r in zoom.sim.requests
            if r["method"] == "POST"
            and path in r["path"]
            and r["path"].endswith(("/registrants", "/batch_registrants"))
        ]
    )


# ---- adding ----------------------------------------------------------------------------------


async def test_each_student_gets_their_own_approved_registration_in_order(
    gw: Gateway, zoom: Zoom
) -> None:
    meeting = await _meeting(gw, "reg-1", approval_type=0)
    answer = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    assert [r.email for r in answer.registrants] == [s.email for s in STUDENTS]
    assert [r.first_name for r in answer.registrants] == ["Ada", "Alan", "Grace"]
    assert {r.status for r in answer.registrants} == {"approved"}
    assert len({r.registrant_id for r in answer.registrants}) == 3
    assert len({r.join_url for r in answer.registrants}) == 3
    assert all("tk=" in r.join_url for r in answer.registrants)
    assert all(r.join_url != meeting.join_url for r in answer.registrants)
    # three new people in a scheduled meeting: one batch call
    assert len(zoom.requests("POST", f"/meetings/{meeting.id}/batch_registrants")) == 1


async def test_the_participant_report_names_each_registered_student(
    gw: Gateway, zoom: Zoom
) -> None:
    """Zoom's report leaves `registrant_id` out unless asked; the gateway asks, so the scheduler
    can tell a registered student from a guest of the same name without their email."""
    meeting = await _meeting(gw, "reg-report", approval_type=0)
    added = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    started = await zoom.ctl.start(meeting.id)
    for registrant in added.registrants:
        await zoom.ctl.join(meeting.id, registrant_id=registrant.registrant_id)
    await zoom.ctl.join(meeting.id, "Ada Lovelace")  # a guest with a student's name
    await zoom.ctl.end(meeting.id)
    uuid = started.get("uuid") or (await zoom.ctl.meeting(meeting.id))["instances"][-1]["uuid"]
    report = await gw.stub.ListPastMeetingParticipants(
        pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, use_report=True, all_pages=True),
        timeout=15,
    )
    named = {p.registrant_id for p in report.participants if p.registrant_id}
    assert named == {r.registrant_id for r in added.registrants}
    assert [p.name for p in report.participants if not p.registrant_id] == ["Ada Lovelace"]
    (call,) = zoom.requests("GET", "/report/meetings/")
    assert "include_fields=registrant_id" in call["query"]


async def test_adding_again_returns_the_same_registrations_without_asking_zoom(
    gw: Gateway, zoom: Zoom
) -> None:
    meeting = await _meeting(gw, "reg-2", approval_type=0)
    first = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    adds = _adds(zoom, meeting.id)
    again = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    assert list(again.registrants) == list(first.registrants)
    assert _adds(zoom, meeting.id) == adds  # Zoom's 3-adds-a-day per person is never spent
    # another spelling of an email, and an email twice in one request: one registration
    ada = pb.RegistrantSpec(email="  ADA@Example.com ", first_name="Ada")
    newcomer = pb.RegistrantSpec(email="edsger@example.com", first_name="Edsger")
    mixed = await gw.stub.AddMeetingRegistrants(
        _add(meeting.id, ada, newcomer, newcomer), timeout=15
    )
    assert mixed.registrants[0].registrant_id == first.registrants[0].registrant_id
    assert mixed.registrants[1] == mixed.registrants[2]
    assert _adds(zoom, meeting.id) == adds + 1  # only the newcomer, once


async def test_a_first_name_is_made_from_the_email_when_missing(gw: Gateway) -> None:
    meeting = await _meeting(gw, "reg-3", approval_type=0)
    answer = await gw.stub.AddMeetingRegistrants(
        _add(meeting.id, pb.RegistrantSpec(email="kay@example.com")), timeout=15
    )
    assert answer.registrants[0].first_name == "kay"
    assert answer.registrants[0].status == "approved"


async def test_manual_approval_registrations_are_pending_without_a_link(gw: Gateway) -> None:
    meeting = await _meeting(gw, "reg-4", approval_type=1)
    answer = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    assert {r.status for r in answer.registrants} == {"pending"}
    assert {r.join_url for r in answer.registrants} == {""}
    pending = await gw.stub.ListMeetingRegistrants(
        pb.ListMeetingRegistrantsRequest(meeting_id=meeting.id, status="pending"), timeout=10
    )
    assert {r.registrant_id for r in pending.registrants} == {
        r.registrant_id for r in answer.registrants
    }
    again = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    assert list(again.registrants) == list(answer.registrants)  # found among the pending


async def test_a_recurring_meeting_registers_one_by_one_and_for_chosen_occurrences(
    gw: Gateway, zoom: Zoom
) -> None:
    meeting = await _meeting(
        gw, "reg-5", approval_type=0, type=common_pb2.ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME
    )
    answer = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    assert {r.status for r in answer.registrants} == {"approved"}
    assert len(zoom.requests("POST", f"/meetings/{meeting.id}/registrants")) == 3  # Zoom
    # refused the batch (not a scheduled meeting), so each was added alone
    occurrence = meeting.occurrences[0].occurrence_id
    newcomer = pb.RegistrantSpec(email="barbara@example.com", first_name="Barbara")
    one = await gw.stub.AddMeetingRegistrants(
        _add(meeting.id, newcomer, occurrence_ids=occurrence), timeout=15
    )
    assert one.registrants[0].registrant_id
    sent = zoom.requests("POST", f"/meetings/{meeting.id}/registrants")[-1]
    assert occurrence in str(sent)


# ---- Zoom's refusals -------------------------------------------------------------------------


async def test_a_meeting_without_registration_is_a_failed_precondition(gw: Gateway) -> None:
    meeting = await _meeting(gw, "reg-6")  # Zoom's default: approval_type 2
    for people in ((STUDENTS[0],), tuple(STUDENTS)):  # the single and the batch endpoint
        code, err = await rpc_error(
            gw.stub.AddMeetingRegistrants(_add(meeting.id, *people), timeout=15)
        )
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert "registration" in err.message.lower()
        assert err.violations[0].type == "REGISTRATION_DISABLED"  # type: ignore[attr-defined]


async def test_an_unknown_meeting_is_not_found(gw: Gateway) -> None:
    for call in (
        gw.stub.AddMeetingRegistrants(_add(12345678901), timeout=10),
        gw.stub.ListMeetingRegistrants(
            pb.ListMeetingRegistrantsRequest(meeting_id=12345678901), timeout=10
        ),
        gw.stub.RemoveMeetingRegistrants(
            pb.RemoveMeetingRegistrantsRequest(meeting_id=12345678901, registrant_ids=["x"]),
            timeout=10,
        ),
    ):
        code, _ = await rpc_error(call)
        assert code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "request_message",
    [
        pb.AddMeetingRegistrantsRequest(meeting_id=1),  # nobody
        pb.AddMeetingRegistrantsRequest(meeting_id=1, registrants=[pb.RegistrantSpec(email="x")]),
        pb.AddMeetingRegistrantsRequest(registrants=STUDENTS),  # no meeting
        pb.AddMeetingRegistrantsRequest(
            meeting_id=1,
            registrants=[pb.RegistrantSpec(email=f"s{i}@example.com") for i in range(301)],
        ),
    ],
)
async def test_invalid_adds_are_refused_before_zoom(
    gw: Gateway, zoom: Zoom, request_message: pb.AddMeetingRegistrantsRequest
) -> None:
    before = len(zoom.sim.requests)
    code, _ = await rpc_error(gw.stub.AddMeetingRegistrants(request_message, timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(zoom.sim.requests) == before


async def test_an_unknown_status_is_invalid(gw: Gateway) -> None:
    code, err = await rpc_error(
        gw.stub.ListMeetingRegistrants(
            pb.ListMeetingRegistrantsRequest(meeting_id=1, status="cancelled"), timeout=10
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.violations[0].field == "status"  # type: ignore[attr-defined]


@pytest.fixture
async def small_zoom() -> AsyncIterator[Zoom]:
    async with zoom_simulator(registrant_limit=2) as sim:
        yield sim


@pytest.fixture
async def small_gw(small_zoom: Zoom, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with zoom_gateway(gateway_settings(small_zoom, tmp_path)) as gateway:
        yield gateway


async def test_the_registrant_limit_is_resource_exhausted_with_a_clear_message(
    small_gw: Gateway,
) -> None:
    meeting = await _meeting(small_gw, "reg-7", approval_type=0)
    # three at once into a meeting holding two: the batch endpoint's 404 / 3043
    code, err = await rpc_error(small_gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    # two fit; a third alone: the single endpoint's 400 / 3043
    await small_gw.stub.AddMeetingRegistrants(_add(meeting.id, *STUDENTS[:2]), timeout=15)
    code, err = await rpc_error(
        small_gw.stub.AddMeetingRegistrants(_add(meeting.id, STUDENTS[2]), timeout=15)
    )
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "no more registrants fit" in err.message
    assert err.details.get("upstream_code") == "3043"
    assert err.details.get("limit") == "registrants"


async def test_one_persons_daily_add_limit_refuses_that_person_only(
    gw: Gateway, zoom: Zoom
) -> None:
    """Zoom allows 3 adds of one registrant per meeting and UTC day; the 429 it answers the
    fourth with is that person's limit: nothing is parked for anyone else."""
    meeting = await _meeting(gw, "reg-8", approval_type=0)
    ada = pb.RegistrantSpec(email="ada@example.com", first_name="Ada")
    for _ in range(3):  # add, remove, add again ...: each add counts at Zoom
        added = await gw.stub.AddMeetingRegistrants(_add(meeting.id, ada), timeout=15)
        await gw.stub.RemoveMeetingRegistrants(
            pb.RemoveMeetingRegistrantsRequest(
                meeting_id=meeting.id, registrant_ids=[added.registrants[0].registrant_id]
            ),
            timeout=10,
        )
    code, err = await rpc_error(gw.stub.AddMeetingRegistrants(_add(meeting.id, ada), timeout=15))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "ada@example.com" not in str(err.details)
    other = await gw.stub.AddMeetingRegistrants(_add(meeting.id, STUDENTS[1]), timeout=15)
    assert other.registrants[0].status == "approved"


# ---- removing and listing --------------------------------------------------------------------


async def test_removing_counts_what_was_registered_and_repeats_harmlessly(
    gw: Gateway, zoom: Zoom
) -> None:
    meeting = await _meeting(gw, "reg-9", approval_type=0)
    added = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
    ids = [r.registrant_id for r in added.registrants]
    remove = pb.RemoveMeetingRegistrantsRequest(
        meeting_id=meeting.id, registrant_ids=[ids[0], ids[1], ids[1], "NoSuchRegistrant0000"]
    )
    first = await gw.stub.RemoveMeetingRegistrants(remove, timeout=10)
    again = await gw.stub.RemoveMeetingRegistrants(remove, timeout=10)
    assert (first.removed, again.removed) == (2, 0)
    left = await gw.stub.ListMeetingRegistrants(
        pb.ListMeetingRegistrantsRequest(meeting_id=meeting.id), timeout=10
    )
    assert [r.registrant_id for r in left.registrants] == [ids[2]]
    nothing = await gw.stub.RemoveMeetingRegistrants(
        pb.RemoveMeetingRegistrantsRequest(meeting_id=meeting.id), timeout=10
    )
    assert nothing.removed == 0


async def test_listing_follows_every_page(
    gw: Gateway, zoom: Zoom, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registrants_module, "PAGE_SIZE", 2)
    meeting = await _meeting(gw, "reg-10", approval_type=0)
    people = [pb.RegistrantSpec(email=f"s{i}@example.com", first_name=f"S{i}") for i in range(7)]
    await gw.stub.AddMeetingRegistrants(_add(meeting.id, *people), timeout=15)
    before = len(zoom.requests("GET", f"/meetings/{meeting.id}/registrants"))
    listed = await gw.stub.ListMeetingRegistrants(
        pb.ListMeetingRegistrantsRequest(meeting_id=meeting.id), timeout=10
    )
    assert sorted(r.email for r in listed.registrants) == sorted(p.email for p in people)
    assert {r.status for r in listed.registrants} == {"approved"}
    assert all(r.join_url and r.registrant_id for r in listed.registrants)
    pages = len(zoom.requests("GET", f"/meetings/{meeting.id}/registrants")) - before
    assert pages == 4  # 7 registrants, 2 a page
    denied = await gw.stub.ListMeetingRegistrants(
        pb.ListMeetingRegistrantsRequest(meeting_id=meeting.id, status="denied"), timeout=10
    )
    assert list(denied.registrants) == []


# ---- secrecy, tenancy ------------------------------------------------------------------------


async def test_join_links_never_reach_the_logs(
    gw: Gateway, zoom: Zoom, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = await _meeting(gw, "reg-11", approval_type=0)
    with caplog.at_level(logging.DEBUG):
        added = await gw.stub.AddMeetingRegistrants(_add(meeting.id), timeout=15)
        await gw.stub.ListMeetingRegistrants(
            pb.ListMeetingRegistrantsRequest(meeting_id=meeting.id), timeout=10
        )
        await rpc_error(
            gw.stub.AddMeetingRegistrants(
                _add(meeting.id, pb.RegistrantSpec(email="bad")), timeout=10
            )
        )
    tokens = [r.join_url.split("tk=", 1)[1].split("&", 1)[0] for r in added.registrants]
    ours = [r for r in caplog.records if not r.name.startswith("zoomsim")]
    assert ours  # the gateway did log its calls
    for record in ours:
        text = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values())
        assert not any(token in text for token in tokens), record.name


async def test_another_tenants_meeting_is_not_found_for_the_scheduler(tmp_path: Path) -> None:
    from tests.unit.zoom_gateway.test_tenants import create, s2s_of, second_account, set_s2s
    from zoomsim.config import default_accounts

    operator = bearer(user_token("operator-1", "operator"))
    scheduler = bearer(service_token("scheduler"))
    async with zoom_simulator(accounts=[*default_accounts(), second_account()]) as zoom:
        settings = gateway_settings(zoom, tmp_path, zoom_tenant_cache_seconds=0)
        async with zoom_gateway(settings, authenticate=True) as gw:
            await create(gw, "beta")
            await set_s2s(gw, "beta", s2s_of(zoom, 1), who=operator)
            meeting = await gw.stub.CreateMeeting(
                pb.CreateMeetingRequest(
                    request_id="default-class",
                    meeting=spec(
                        topic="Default's class",
                        settings=common_pb2.MeetingSettings(approval_type=0),
                    ),
                ),
                metadata=scheduler,
                timeout=15,
            )
            beta = pb.Account(tenant_id="beta")
            for call in (
                gw.stub.AddMeetingRegistrants(
                    _add(meeting.id, account=beta), metadata=scheduler, timeout=15
                ),
                gw.stub.ListMeetingRegistrants(
                    pb.ListMeetingRegistrantsRequest(account=beta, meeting_id=meeting.id),
                    metadata=scheduler,
                    timeout=10,
                ),
            ):
                code, _ = await rpc_error(call)
                assert code == grpc.StatusCode.NOT_FOUND
            mine = await gw.stub.AddMeetingRegistrants(
                _add(meeting.id), metadata=scheduler, timeout=15
            )
            assert len(mine.registrants) == 3


async def test_a_connection_without_the_registrant_scopes_is_refused_before_zoom(
    gw: Gateway, zoom: Zoom
) -> None:
    from tests.unit.zoom_gateway.test_scopes_and_hosts import grant
    from tests.unit.zoom_gateway.test_user_oauth import connect

    grant(zoom, "meeting:write:meeting meeting:read:meeting user:read:user")
    await connect(gw, zoom, "t-granular")
    user = pb.Account(oauth_user_id="t-granular")
    before = len(zoom.sim.requests)
    for call, scope in (
        (gw.stub.AddMeetingRegistrants(_add(1, account=user), timeout=5), "registrant"),
        (
            gw.stub.ListMeetingRegistrants(
                pb.ListMeetingRegistrantsRequest(account=user, meeting_id=1), timeout=5
            ),
            "meeting:read:list_registrants",
        ),
        (
            gw.stub.RemoveMeetingRegistrants(
                pb.RemoveMeetingRegistrantsRequest(
                    account=user, meeting_id=1, registrant_ids=["r"]
                ),
                timeout=5,
            ),
            "meeting:delete:registrant",
        ),
    ):
        code, err = await rpc_error(call)
        assert code == grpc.StatusCode.PERMISSION_DENIED
        assert scope in err.message
    assert len(zoom.sim.requests) == before
