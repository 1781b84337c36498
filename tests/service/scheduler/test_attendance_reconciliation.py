"""Attendance reconciled with Zoom's participants report, on the real scheduler: the meeting's
end arms the read, the job worker runs it against zoom-gateway (retrying while it fails, and
after a restart), and GetAttendanceReport / GetBatchAttendance serve the result to the
teacher, the admin and - their own rows only - the student; another tenant sees nothing.
Enrolled students are registered for the meetings, get their own join link (GetJoinUrl), and
their joins count by registrant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import grpc.aio
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.type import date_pb2, timeofday_pb2

from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge_common.auth import DEV_SECRET, issue_token
from classbridge_common.testing import wait_until
from tests.service.scheduler.support import (
    FakeGateway,
    Harness,
    harness_settings,
    start_harness,
)
from tests.service.scheduler.test_lifecycle_consumers import (
    deliver,
    ended,
    meeting,
    scheduled,
    stamp,
    started,
)

QUICK = {
    "attendance_reconcile_delay_seconds": 0.0,
    "attendance_reconcile_backoff_seconds": 0.05,
    "attendance_reconcile_max_backoff_seconds": 0.2,
    "job_poll_interval_seconds": 0.05,
}


@pytest.fixture
async def quick(tmp_path: Path, gateway: tuple[FakeGateway, int]) -> AsyncIterator[Harness]:
    """A scheduler whose reads of Zoom's report are due at the meeting's end."""
    fake, port = gateway
    async with start_harness(harness_settings(tmp_path, port, **QUICK), fake) as started_:
        yield started_


def joined(session: pb.Session, p: zoom.ZoomParticipant) -> zoom.ZoomParticipantJoined:
    return zoom.ZoomParticipantJoined(
        context=zoom.ZoomEventContext(event_time=p.join_time),
        meeting=meeting(session),
        participant=p,
    )


def left(session: pb.Session, p: zoom.ZoomParticipant) -> zoom.ZoomParticipantLeft:
    return zoom.ZoomParticipantLeft(
        context=zoom.ZoomEventContext(event_time=p.leave_time),
        meeting=meeting(session),
        participant=p,
    )


def reported(join: float, leave: float, **who: str) -> zg.PastParticipant:
    return zg.PastParticipant(join_time=stamp(join), leave_time=stamp(leave), **who)


async def report(harness: Harness, session_id: str, who: str = "teacher") -> pb.AttendanceReport:
    return await harness.stub.GetAttendanceReport(
        pb.GetAttendanceReportRequest(session_id=session_id), metadata=harness.as_(who)
    )


async def failed_once(harness: Harness, session_id: str) -> bool:
    """Whether a read of the report failed (its error kept) and is to be tried again."""
    job = (await report(harness, session_id)).reconciliation
    return job.state == pb.RECONCILIATION_STATE_PENDING and bool(job.last_error)


async def final(harness: Harness, session_id: str) -> pb.AttendanceReport:
    async def is_final() -> bool:
        return (await report(harness, session_id)).final

    await wait_until(is_final, within=30)
    return await report(harness, session_id)


async def test_the_report_fills_in_a_lost_join_and_a_phone(quick: Harness) -> None:
    session = await scheduled(quick)
    await deliver(quick, started(session, 0), "zoom.meeting.started")
    # student-1's join webhook was lost: only the leave arrived.
    gone = zoom.ZoomParticipant(participant_uuid="laptop", customer_key="student-1", name="Asha")
    gone.leave_time.CopyFrom(stamp(50))
    await deliver(quick, left(session, gone), "zoom.participant.left")
    quick.gateway.reports["inst-1"] = [
        reported(0, 50, customer_key="student-1", name="Asha"),
        reported(40, 80, customer_key="student-1", name="+44 20••••"),  # a phone, overlapping
        reported(0, 90, name="Asha"),  # a namesake Zoom ties to nobody
    ]
    await deliver(quick, ended(session, 90), "zoom.meeting.ended")
    found = await final(quick, session.id)
    assert found.reconciliation.state == pb.RECONCILIATION_STATE_DONE
    assert found.reconciliation.report_rows == 2
    [row] = [r for r in found.rows if r.user_id == "student-1"]
    assert (row.minutes_attended, row.join_count, row.present, row.reconciled) == (
        80,
        1,
        True,
        True,
    )
    [request] = quick.gateway.report_requests
    assert (request.meeting_uuid, request.account.tenant_id) == ("inst-1", "default")
    assert (request.use_report, request.all_pages) == (True, True)


async def test_zoom_down_is_retried_until_the_report_comes(quick: Harness) -> None:
    session = await scheduled(quick)
    quick.gateway.fail_with = grpc.StatusCode.UNAVAILABLE
    quick.gateway.reports["inst-1"] = [reported(0, 60, customer_key="student-1")]
    await deliver(quick, ended(session, 90), "zoom.meeting.ended")
    await wait_until(lambda: failed_once(quick, session.id), within=30)
    waiting = await report(quick, session.id)
    assert not waiting.final
    assert waiting.reconciliation.state == pb.RECONCILIATION_STATE_PENDING
    quick.gateway.fail_with = None
    found = await final(quick, session.id)
    assert found.reconciliation.state == pb.RECONCILIATION_STATE_DONE
    assert [(r.user_id, r.minutes_attended) for r in found.rows if r.enrolled] == [
        ("student-1", 60)
    ]


async def test_a_pending_read_survives_a_restart(
    tmp_path: Path, gateway: tuple[FakeGateway, int]
) -> None:
    fake, port = gateway
    settings = harness_settings(tmp_path, port, **QUICK)
    async with start_harness(settings, fake) as first:
        session = await scheduled(first)
        fake.fail_with = grpc.StatusCode.UNAVAILABLE  # the meeting exists; Zoom is down now
        await deliver(first, ended(session, 90), "zoom.meeting.ended")
        await wait_until(lambda: failed_once(first, session.id), within=30)
    fake.fail_with = None
    fake.reports["inst-1"] = [reported(0, 90, customer_key="student-1")]
    # Started again on the same database: the stored job is found and finished.
    async with start_harness(settings, fake) as second:
        found = await final(second, session.id)
        assert found.reconciliation.state == pb.RECONCILIATION_STATE_DONE
        assert [r.minutes_attended for r in found.rows if r.user_id == "student-1"] == [90]


async def test_who_reads_which_rows_of_a_batch(quick: Harness) -> None:
    session = await scheduled(quick)
    await quick.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(batch_id=session.batch_id, student_id="student-2"),
        metadata=quick.as_("teacher"),
    )
    quick.gateway.reports["inst-1"] = [reported(0, 90, customer_key="student-1")]
    await deliver(quick, ended(session, 90), "zoom.meeting.ended")
    await final(quick, session.id)

    def ask(**days: date_pb2.Date) -> pb.GetBatchAttendanceRequest:
        return pb.GetBatchAttendanceRequest(batch_id=session.batch_id, **days)

    everything = await quick.stub.GetBatchAttendance(ask(), metadata=quick.as_("teacher"))
    assert everything.present_threshold_percentage == 75.0
    [one] = everything.sessions
    assert (one.session_id, one.session_title) == (session.id, "Intro")
    assert {r.user_id for r in one.rows if r.enrolled} == {"student-1", "student-2"}
    mine = await quick.stub.GetBatchAttendance(ask(), metadata=quick.as_("student"))
    assert [[r.user_id for r in s.rows] for s in mine.sessions] == [["student-1"]]
    later = date_pb2.Date(year=2030, month=1, day=16)
    none = await quick.stub.GetBatchAttendance(ask(from_date=later), metadata=quick.as_("admin"))
    assert list(none.sessions) == []
    for who, code in (
        ("stranger", grpc.StatusCode.PERMISSION_DENIED),
        ("other-teacher", grpc.StatusCode.PERMISSION_DENIED),
        ("acme-admin", grpc.StatusCode.NOT_FOUND),
    ):
        for call in (
            quick.stub.GetBatchAttendance(ask(), metadata=quick.as_(who)),
            quick.stub.GetAttendanceReport(
                pb.GetAttendanceReportRequest(session_id=session.id), metadata=quick.as_(who)
            ),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() is code, who
    backwards = ask(from_date=later, to_date=date_pb2.Date(year=2030, month=1, day=1))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await quick.stub.GetBatchAttendance(backwards, metadata=quick.as_("admin"))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_teachers_set_their_batchs_present_threshold(quick: Harness) -> None:
    session = await scheduled(quick)
    change = pb.UpdateBatchRequest(
        batch=pb.Batch(id=session.batch_id, present_threshold_percentage=50.0),
        update_mask=FieldMask(paths=["present_threshold_percentage"]),
    )
    batch = await quick.stub.UpdateBatch(change, metadata=quick.as_("teacher"))
    assert batch.present_threshold_percentage == 50.0
    assert (await report(quick, session.id)).present_threshold_percentage == 50.0
    for who, code in (
        ("student", grpc.StatusCode.PERMISSION_DENIED),
        ("other-teacher", grpc.StatusCode.PERMISSION_DENIED),
        ("acme-admin", grpc.StatusCode.NOT_FOUND),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await quick.stub.UpdateBatch(change, metadata=quick.as_(who))
        assert refused.value.code() is code, who
    too_high = pb.UpdateBatchRequest(
        batch=pb.Batch(id=session.batch_id, present_threshold_percentage=120.0),
        update_mask=FieldMask(paths=["present_threshold_percentage"]),
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await quick.stub.UpdateBatch(too_high, metadata=quick.as_("admin"))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


# ---- Registration: enrolled students registered, joins tied by registrant ----


async def test_enrolled_students_are_registered_and_counted_by_registrant(
    quick: Harness,
) -> None:
    session = await scheduled(quick)  # student-1 enrolled without an email: not registered
    await quick.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(
            batch_id=session.batch_id,
            student_id="student-2",
            email="ravi@school.example",
            first_name="Ravi",
        ),
        metadata=quick.as_("teacher"),
    )
    meeting_id = session.zoom_meeting.meeting_id
    await wait_until(lambda: (meeting_id, "ravi@school.example") in quick.gateway.registrants)
    ravi = quick.gateway.registrants[(meeting_id, "ravi@school.example")]
    assert quick.gateway.created[session.id].meeting.settings.approval_type == 0

    student_2 = issue_token(subject="student-2", roles=["student"], secret=DEV_SECRET)

    async def link_of(who: str) -> pb.GetJoinUrlResponse:
        meta = [("authorization", f"Bearer {student_2}")] if who == "ravi" else quick.as_(who)
        return await quick.stub.GetJoinUrl(
            pb.GetJoinUrlRequest(session_id=session.id), metadata=meta
        )

    async def registered() -> bool:
        return (await link_of("ravi")).registered

    await wait_until(registered)
    assert (await link_of("ravi")).join_url == ravi.join_url
    assert (await link_of("student")).registered is False  # student-1 has no registration
    assert (await link_of("teacher")).join_url == session.zoom_meeting.join_url
    for who, code in (
        ("stranger", grpc.StatusCode.PERMISSION_DENIED),
        ("acme-admin", grpc.StatusCode.NOT_FOUND),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await link_of(who)
        assert refused.value.code() is code, who
    # Ravi joins from a phone under another name: Zoom names the registrant, so it counts.
    await deliver(quick, started(session, 0), "zoom.meeting.started")
    phone = zoom.ZoomParticipant(
        participant_uuid="p-1", registrant_id=ravi.registrant_id, name="Galaxy S9"
    )
    phone.join_time.CopyFrom(stamp(0))
    await deliver(quick, joined(session, phone), "zoom.participant.joined")
    quick.gateway.reports["inst-1"] = [
        reported(0, 90, registrant_id=ravi.registrant_id, name="Galaxy S9")
    ]
    await deliver(quick, ended(session, 90), "zoom.meeting.ended")
    found = await final(quick, session.id)
    [row] = [r for r in found.rows if r.user_id == "student-2"]
    # ... and the row is named as the course platform enrolled him, not as his phone showed
    assert (row.minutes_attended, row.present, row.display_name) == (90, True, "Ravi")
    assert row.email == "ravi@school.example"
    # Ravi leaves the batch: once the session is over nothing is asked of Zoom any more.
    await quick.stub.DeleteEnrollment(
        pb.DeleteEnrollmentRequest(batch_id=session.batch_id, student_id="student-2"),
        metadata=quick.as_("teacher"),
    )
    assert quick.gateway.removed == []


async def test_a_student_who_leaves_is_unregistered(quick: Harness) -> None:
    session = await scheduled(quick)
    await quick.stub.CreateEnrollment(
        pb.CreateEnrollmentRequest(
            batch_id=session.batch_id, student_id="student-2", email="ravi@school.example"
        ),
        metadata=quick.as_("teacher"),
    )
    meeting_id = session.zoom_meeting.meeting_id
    await wait_until(lambda: (meeting_id, "ravi@school.example") in quick.gateway.registrants)
    await quick.stub.DeleteEnrollment(
        pb.DeleteEnrollmentRequest(batch_id=session.batch_id, student_id="student-2"),
        metadata=quick.as_("teacher"),
    )
    await wait_until(lambda: quick.gateway.registrants == {})
    [removed] = quick.gateway.removed
    assert (removed.meeting_id, removed.account.tenant_id) == (meeting_id, "default")


async def test_a_student_is_registered_at_once_not_at_the_next_poll(
    tmp_path: Path, gateway: tuple[FakeGateway, int]
) -> None:
    """The worker polls hourly here; enrolling arms the registrant job, whose commit wakes the
    worker, so the student's own link is there a moment later."""
    fake, port = gateway
    settings = harness_settings(tmp_path, port, **{**QUICK, "job_poll_interval_seconds": 3600})
    async with start_harness(settings, fake) as harness:
        session = await scheduled(harness)
        await harness.stub.CreateEnrollment(
            pb.CreateEnrollmentRequest(
                batch_id=session.batch_id, student_id="student-2", email="ravi@school.example"
            ),
            metadata=harness.as_("teacher"),
        )
        meeting_id = session.zoom_meeting.meeting_id
        await wait_until(
            lambda: (meeting_id, "ravi@school.example") in harness.gateway.registrants, within=5
        )
        # ... and a class scheduled for the batch has him registered at once too
        later = await harness.stub.CreateSession(
            pb.CreateSessionRequest(
                batch_id=session.batch_id,
                title="Next",
                timezone="UTC",
                local_time=pb.LocalTimeRange(
                    date=date_pb2.Date(year=2030, month=1, day=22),
                    start_time=timeofday_pb2.TimeOfDay(hours=10),
                    end_time=timeofday_pb2.TimeOfDay(hours=11),
                ),
            ),
            metadata=harness.as_("teacher"),
        )
        next_meeting = later.session.zoom_meeting.meeting_id
        assert next_meeting != meeting_id
        await wait_until(
            lambda: (next_meeting, "ravi@school.example") in harness.gateway.registrants, within=5
        )
