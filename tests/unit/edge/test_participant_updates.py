"""Marking a participant's raised hand or screen sharing at the edge (routes/participants.py):
the body checked before anyone is called, the scheduler's ``UpdateParticipant`` called with
exactly the fields named, and who may call it - every kind of caller, another tenant's admin
included (the scheduler's own rules are played by the fake below, as its tests prove them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from google.protobuf import field_mask_pb2

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import current_caller
from classbridge_common.errors import NotFound, PermissionDenied
from tests.unit.edge.helpers import Services
from tests.unit.edge.test_attendance_routes import SERVICE_TOKEN, bearer

PATH = "/api/v1/sessions/s-1/participants/p-1"


def _update(request: pb.UpdateParticipantRequest) -> pb.Participant:
    """The scheduler's rules: the session's teachers and the tenant's admins may; another
    teacher is refused; another tenant's session, or a participant of another, is not found."""
    caller = current_caller()
    if caller.tenant != "default" or request.participant.session_id != "s-1":
        raise NotFound(resource_type="session", resource_id=request.participant.session_id)
    if request.participant.id != "p-1":
        raise NotFound(resource_type="participant", resource_id=request.participant.id)
    if caller.subject == "teacher-2":
        raise PermissionDenied("the caller may not manage this session")
    answer = pb.Participant(
        id="p-1",
        session_id="s-1",
        user_id="student-1",
        display_name="Asha",
        role=pb.PARTICIPANT_ROLE_PARTICIPANT,
        status=pb.PARTICIPANT_STATUS_JOINED,
        enrolled=True,
        intervals=[
            pb.AttendanceInterval(participant_uuid="u-1", breakout_room_uuid=""),
            pb.AttendanceInterval(participant_uuid="u-1", breakout_room_uuid="room-1"),
        ],
    )
    answer.intervals[0].join_time.FromJsonString("2030-01-15T10:00:00Z")
    answer.intervals[0].leave_time.FromJsonString("2030-01-15T10:20:00Z")
    answer.intervals[1].join_time.FromJsonString("2030-01-15T10:20:00Z")
    for path in request.update_mask.paths:
        setattr(answer, path, getattr(request.participant, path))
    return answer


def script(services: Services) -> None:
    services.scheduler.on("UpdateParticipant", _update)


CALLERS: list[tuple[str, dict[str, str], int]] = [
    ("anonymous", {}, 401),
    ("service", {"Authorization": f"Bearer {SERVICE_TOKEN}"}, 401),
    ("student", bearer("student-1", "student"), 403),
    ("teacher", bearer("teacher-1", "teacher"), 200),
    ("other_teacher", bearer("teacher-2", "teacher"), 403),
    ("admin", bearer("admin-1", "admin"), 200),
    ("operator", bearer("operator-1", "operator"), 200),
    ("other_admin", bearer("admin-9", "admin", "acme"), 404),
]


async def test_who_may_mark_a_participant(client: httpx.AsyncClient, services: Services) -> None:
    script(services)
    wrong = []
    for who, headers, want in CALLERS:
        answer = await client.patch(PATH, json={"raised_hand": True}, headers=headers)
        if answer.status_code != want:
            wrong.append(f"{who}: {answer.status_code} (wanted {want}) {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)
    # A student is refused at the edge: the scheduler never heard of it.
    subjects = {c.subject for c in services.scheduler.calls}
    assert "student-1" not in subjects
    assert subjects == {"teacher-1", "teacher-2", "admin-1", "operator-1", "admin-9"}


async def test_a_teacher_marks_a_raised_hand(client: httpx.AsyncClient, services: Services) -> None:
    script(services)
    teacher = bearer("teacher-1", "teacher")
    answer = await client.patch(PATH, json={"raised_hand": True}, headers=teacher)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert (data["id"], data["raised_hand"], data["shared_screen"]) == ("p-1", True, False)
    # The stays show which were in a breakout room.
    assert [i["breakout_room_uuid"] for i in data["intervals"]] == ["", "room-1"]
    assert services.scheduler.requests("UpdateParticipant") == [
        pb.UpdateParticipantRequest(
            participant=pb.Participant(id="p-1", session_id="s-1", raised_hand=True),
            update_mask=field_mask_pb2.FieldMask(paths=["raised_hand"]),
        )
    ]


async def test_only_the_fields_named_change_false_included(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    admin = bearer("admin-1", "admin")
    body = {"shared_screen": False, "raised_hand": False, "role": "host", "unknown": 1}
    answer = await client.patch(PATH, json=body, headers=admin)
    assert answer.status_code == 200, answer.text
    [request] = services.scheduler.requests("UpdateParticipant")
    assert sorted(request.update_mask.paths) == ["raised_hand", "shared_screen"]
    assert (request.participant.raised_hand, request.participant.shared_screen) == (False, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"role": "host"}, "body"),
        ({"raised_hand": "yes"}, "raised_hand"),
        ({"shared_screen": 1}, "shared_screen"),
        ({"raised_hand": None}, "raised_hand"),
    ],
)
async def test_a_bad_body_is_refused_before_the_scheduler_is_called(
    client: httpx.AsyncClient, services: Services, body: dict[str, Any], field: str
) -> None:
    script(services)
    answer = await client.patch(PATH, json=body, headers=bearer("teacher-1", "teacher"))
    assert answer.status_code == 400, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}
    assert services.scheduler.requests("UpdateParticipant") == []


async def test_a_body_that_is_not_json_is_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.patch(
        PATH,
        content=b"raised_hand=true",
        headers=bearer("teacher-1", "teacher") | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert services.scheduler.requests("UpdateParticipant") == []


async def test_a_participant_of_another_session_is_not_found(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    teacher = bearer("teacher-1", "teacher")
    answer = await client.patch(
        "/api/v1/sessions/s-1/participants/p-9", json={"raised_hand": True}, headers=teacher
    )
    assert answer.status_code == 404
