"""Helpers of the per-RPC API tests (test_rpc_*.py): one class of the default school built over
gRPC (course, group batch, enrolment, session with its meeting), participants made by Zoom
events, and the status of a refused call. Builds on test_scoped_roles.py and
tenancy_scenario.py rather than copying them."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import pytest

from classbridge.events.v1 import zoom_events_pb2 as zoom
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from tests.service.scheduler.tenancy_scenario import deliver, meeting_event, stamp
from tests.service.scheduler.test_scoped_roles import code_of, course_with_class

__all__ = ["UNKNOWN_ID", "Class", "a_class", "code_of", "error_of", "join", "start"]

UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class Class:
    """The default school's class: teacher-1 teaches, student-1 is enrolled."""

    course: pb.Course
    batch: pb.Batch
    session: pb.Session


async def a_class(harness: Any, *, admin: str = "admin") -> Class:
    course, batch, session = await course_with_class(harness, admin, ["teacher-1"], "student-1")
    assert session.zoom_meeting.meeting_id > 0
    return Class(course=course, batch=batch, session=session)


async def error_of(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    """The error ``call`` ends with (it must fail)."""
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call
    return failed.value


async def start(harness: Any, session: pb.Session, *, tenant: str = "default") -> None:
    """Zoom says the session's meeting started."""
    await deliver(
        harness,
        meeting_event(zoom.ZoomMeetingStarted, session.zoom_meeting.meeting_id, tenant, 0),
        "zoom.meeting.started",
    )


async def join(
    harness: Any, session: pb.Session, uuid: str, name: str, *, tenant: str = "default"
) -> pb.Participant:
    """Zoom says someone joined; the participant the scheduler made of it."""
    await deliver(
        harness,
        meeting_event(
            zoom.ZoomParticipantJoined,
            session.zoom_meeting.meeting_id,
            tenant,
            1,
            participant=zoom.ZoomParticipant(participant_uuid=uuid, name=name, join_time=stamp(1)),
        ),
        "zoom.participant.joined",
    )
    people = await harness.stub.ListParticipants(
        pb.ListParticipantsRequest(session_id=session.id), metadata=harness.as_("admin")
    )
    [person] = [p for p in people.participants if p.display_name == name]
    return person
