"""Attendance exports at the edge (routes/attendance.py): a session's, and a batch's over a
range of days, as JSON or CSV; the query checked before anyone is called; and who may call
them - every kind of caller, another tenant included - with the scheduler narrowing what each
reads (its rules are played by the fake below, as the scheduler's own tests prove them). Also
what registration adds: a student's own join link and an enrolment with an email."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from google.protobuf import timestamp_pb2

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import current_caller, issue_token
from classbridge_common.errors import NotFound, PermissionDenied
from classbridge_common.testing import TEST_TOKEN_TTL
from edge.routes.attendance import COLUMNS
from tests.unit.edge.helpers import SECRET, Services, auth


def _ts(text: str) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


def a_report(session_id: str = "s-1", *, title: str = "Intro") -> pb.AttendanceReport:
    return pb.AttendanceReport(
        session_id=session_id,
        session_title=title,
        batch_id="b-1",
        scheduled_start=_ts("2030-01-15T10:00:00Z"),
        session_status=pb.SESSION_STATUS_ENDED,
        session_minutes=90,
        enrolled_count=2,
        present_count=1,
        absent_count=1,
        guest_count=1,
        present_threshold_percentage=75.0,
        final=True,
        reconciliation=pb.AttendanceReconciliation(
            state=pb.RECONCILIATION_STATE_DONE, attempts=1, report_rows=3
        ),
        rows=[
            pb.AttendanceRow(
                user_id="student-1",
                display_name="Asha",
                email="asha@school.example",
                enrolled=True,
                present=True,
                minutes_attended=80,
                attendance_percentage=88.89,
                first_join_time=_ts("2030-01-15T10:00:00Z"),
                last_leave_time=_ts("2030-01-15T11:20:00Z"),
                join_count=2,
                rejoin_count=1,
                reconciled=True,
            ),
            pb.AttendanceRow(user_id="student-2", enrolled=True, reconciled=True),
            pb.AttendanceRow(
                display_name='=HYPERLINK("http://evil.example")',
                minutes_attended=10,
                join_count=1,
                reconciled=True,
            ),
        ],
    )


def _own(report: pb.AttendanceReport) -> pb.AttendanceReport:
    """What the scheduler gives the caller: every row to staff, a student only theirs, nothing
    to a student of another batch or a teacher of another course, NOT_FOUND in another tenant."""
    caller = current_caller()
    if caller.tenant != "default":
        raise NotFound(resource_type="session", resource_id=report.session_id)
    if caller.subject in ("student-2x", "teacher-2"):
        raise PermissionDenied("the caller may not see this attendance")
    if caller.has_role("student"):
        mine = [r for r in report.rows if r.user_id == caller.subject]
        del report.rows[:]
        report.rows.extend(mine)
    return report


def script(services: Services) -> None:
    services.scheduler.on("GetAttendanceReport", lambda r: _own(a_report(r.session_id)))

    def batch(request: Any) -> pb.BatchAttendance:
        reports = [_own(a_report("s-1")), _own(a_report("s-2", title="Loops"))]
        return pb.BatchAttendance(
            batch_id=request.batch_id,
            batch_name="Morning",
            timezone="Asia/Kolkata",
            present_threshold_percentage=75.0,
            sessions=reports,
        )

    services.scheduler.on("GetBatchAttendance", batch)


def bearer(subject: str, role: str, tenant: str = "default") -> dict[str, str]:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject=subject, secret=SECRET, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


SERVICE_TOKEN = issue_token(
    ttl=TEST_TOKEN_TTL, subject="scheduler", secret=SECRET, roles=["service"], kind="service"
)
# Every kind of caller, and what each gets from either export.
CALLERS: list[tuple[str, dict[str, str], int]] = [
    ("anonymous", {}, 401),
    ("service", {"Authorization": f"Bearer {SERVICE_TOKEN}"}, 401),
    ("student", bearer("student-1", "student"), 200),
    ("other_student", bearer("student-2x", "student"), 403),
    ("teacher", bearer("teacher-1", "teacher"), 200),
    ("other_teacher", bearer("teacher-2", "teacher"), 403),
    ("admin", bearer("admin-1", "admin"), 200),
    ("operator", bearer("operator-1", "operator"), 200),
    ("other_admin", bearer("admin-9", "admin", "acme"), 404),
]
PATHS = [
    "/api/v1/sessions/s-1/attendance/export",
    "/api/v1/sessions/s-1/attendance/export?format=csv",
    "/api/v1/batches/b-1/attendance?from=2030-01-01&to=2030-01-31",
    "/api/v1/batches/b-1/attendance?format=csv",
]


@pytest.mark.parametrize("path", PATHS)
async def test_who_may_call_each_export(
    client: httpx.AsyncClient, services: Services, path: str
) -> None:
    script(services)
    wrong = []
    for who, headers, want in CALLERS:
        answer = await client.get(path, headers=headers)
        if answer.status_code != want:
            wrong.append(f"{who}: {answer.status_code} (wanted {want}) {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)


async def test_a_student_gets_only_their_own_rows(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    student = bearer("student-1", "student")
    answer = await client.get("/api/v1/sessions/s-1/attendance/export", headers=student)
    assert [r["user_id"] for r in answer.json()["data"]["rows"]] == ["student-1"]
    answer = await client.get("/api/v1/batches/b-1/attendance?format=csv", headers=student)
    lines = list(csv.DictReader(io.StringIO(answer.text)))
    assert {line["user_id"] for line in lines} == {"student-1"}
    assert len(lines) == 2  # one per session


async def test_a_sessions_export_as_json(client: httpx.AsyncClient, services: Services) -> None:
    script(services)
    answer = await client.get(
        "/api/v1/sessions/s-1/attendance/export?present_threshold_percentage=60", headers=auth()
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    data = answer.json()["data"]
    assert (data["session_id"], data["final"], data["reconciliation"]["state"]) == (
        "s-1",
        True,
        "done",
    )
    first, absent, _ = data["rows"]
    assert (first["rejoin_count"], first["reconciled"], first["minutes_attended"]) == (1, True, 80)
    assert (absent["present"], absent["minutes_attended"]) == (False, 0)
    assert services.scheduler.requests("GetAttendanceReport") == [
        pb.GetAttendanceReportRequest(session_id="s-1", present_threshold_percentage=60.0)
    ]


async def test_a_sessions_export_as_csv(client: httpx.AsyncClient, services: Services) -> None:
    script(services)
    answer = await client.get("/api/v1/sessions/s-1/attendance/export?format=CSV", headers=auth())
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="attendance-session-s-1.csv"'
    )
    reader = csv.reader(io.StringIO(answer.text))
    header, asha, absent, guest = list(reader)
    assert tuple(header) == COLUMNS
    line = dict(zip(header, asha, strict=True))
    assert line == {
        "session_id": "s-1",
        "session_title": "Intro",
        "scheduled_start": "2030-01-15T10:00:00Z",
        "session_minutes": "90",
        "user_id": "student-1",
        "display_name": "Asha",
        "email": "asha@school.example",
        "enrolled": "true",
        "present": "true",
        "minutes_attended": "80",
        "attendance_percentage": "88.89",
        "join_count": "2",
        "rejoin_count": "1",
        "first_join_time": "2030-01-15T10:00:00Z",
        "last_leave_time": "2030-01-15T11:20:00Z",
        "reconciled": "true",
    }
    absent_line = dict(zip(header, absent, strict=True))
    assert (absent_line["present"], absent_line["minutes_attended"]) == ("false", "0")
    assert absent_line["first_join_time"] == ""
    # A name a spreadsheet would run as a formula is written as text.
    assert dict(zip(header, guest, strict=True))["display_name"].startswith("'=")
    assert answer.text.endswith("\r\n")


async def test_a_batchs_export_over_days(client: httpx.AsyncClient, services: Services) -> None:
    script(services)
    answer = await client.get(
        "/api/v1/batches/b-1/attendance?from=2030-01-01&to=2030-01-31", headers=auth()
    )
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert [s["session_id"] for s in data["sessions"]] == ["s-1", "s-2"]
    [asked] = services.scheduler.requests("GetBatchAttendance")
    assert asked.batch_id == "b-1"
    assert (asked.from_date.year, asked.from_date.month, asked.from_date.day) == (2030, 1, 1)
    assert (asked.to_date.year, asked.to_date.month, asked.to_date.day) == (2030, 1, 31)
    csv_answer = await client.get(
        "/api/v1/batches/b-1/attendance?format=csv&from=2030-01-01&to=2030-01-31",
        headers=auth(),
    )
    assert csv_answer.headers["content-disposition"] == (
        'attachment; filename="attendance-batch-b-1-2030-01-01-2030-01-31.csv"'
    )
    lines = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert [(x["session_id"], x["session_title"]) for x in lines] == [
        ("s-1", "Intro"),
        ("s-1", "Intro"),
        ("s-1", "Intro"),
        ("s-2", "Loops"),
        ("s-2", "Loops"),
        ("s-2", "Loops"),
    ]
    unbounded = await client.get("/api/v1/batches/b-1/attendance", headers=auth())
    assert unbounded.status_code == 200
    last = services.scheduler.requests("GetBatchAttendance")[-1]
    assert not last.HasField("from_date")
    assert not last.HasField("to_date")


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("format=xml", "format", "must be one of: json, csv"),
        ("format=", None, None),  # empty is absent: JSON
        ("from=2030-13-01", "from", "is not a real calendar date"),
        ("from=15/01/2030", "from", "must be a date as YYYY-MM-DD"),
        ("to=2030-02-30", "to", "is not a real calendar date"),
        ("from=2030-02-01&to=2030-01-01", "to", "must not be before from"),
        ("present_threshold_percentage=101", "present_threshold_percentage", "between 0 and 100"),
        ("present_threshold_percentage=lots", "present_threshold_percentage", "a number"),
    ],
)
async def test_a_bad_query_is_400_naming_the_field_without_a_call(
    client: httpx.AsyncClient, services: Services, query: str, field: str | None, says: str | None
) -> None:
    script(services)
    answer = await client.get(f"/api/v1/batches/b-1/attendance?{query}", headers=auth())
    if field is None:
        assert answer.status_code == 200
        return
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    [detail] = [d for d in error["details"] if d.get("field") == field]
    assert says in detail["description"]
    assert services.scheduler.requests("GetBatchAttendance") == []


async def test_a_bad_format_of_a_sessions_export_is_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    script(services)
    answer = await client.get("/api/v1/sessions/s-1/attendance/export?format=pdf", headers=auth())
    assert answer.status_code == 400
    assert "format" in answer.json()["error"]["message"]
    assert services.scheduler.calls == []


async def test_the_batchs_present_threshold_is_set_with_patch(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("UpdateBatch", lambda r: r.batch)
    answer = await client.patch(
        "/api/v1/batches/b-1", json={"present_threshold_percentage": 60}, headers=auth()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["present_threshold_percentage"] == 60.0
    [sent] = services.scheduler.requests("UpdateBatch")
    assert list(sent.update_mask.paths) == ["present_threshold_percentage"]
    assert sent.batch.present_threshold_percentage == 60.0
    refused = await client.patch(
        "/api/v1/batches/b-1", json={"present_threshold_percentage": 150}, headers=auth()
    )
    assert refused.status_code == 400
    student = await client.patch(
        "/api/v1/batches/b-1",
        json={"present_threshold_percentage": 60},
        headers=bearer("student-1", "student"),
    )
    assert student.status_code == 403


# ---- Registration: a student's own join link, and an enrolment with an email ----


def _join(request: Any) -> pb.GetJoinUrlResponse:
    """The scheduler's answer per caller (its rules are proved in the scheduler's tests)."""
    caller = current_caller()
    if caller.tenant != "default":
        raise NotFound(resource_type="session", resource_id=request.session_id)
    if caller.subject in ("student-2x", "teacher-2"):
        raise PermissionDenied("the caller may not join this session")
    if caller.has_role("student"):
        return pb.GetJoinUrlResponse(join_url="https://zoom.example/w/1?tk=own", registered=True)
    return pb.GetJoinUrlResponse(join_url="https://zoom.example/j/1?pwd=x")


async def test_who_may_have_a_join_link(client: httpx.AsyncClient, services: Services) -> None:
    services.scheduler.on("GetJoinUrl", _join)
    wrong = []
    for who, headers, want in CALLERS:
        answer = await client.get("/api/v1/sessions/s-1/join", headers=headers)
        if answer.status_code != want:
            wrong.append(f"{who}: {answer.status_code} (wanted {want}) {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)


async def test_a_student_gets_their_own_link_never_cached(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetJoinUrl", _join)
    answer = await client.get("/api/v1/sessions/s-1/join", headers=bearer("student-1", "student"))
    assert answer.json()["data"] == {
        "join_url": "https://zoom.example/w/1?tk=own",
        "registered": True,
    }
    assert answer.headers["cache-control"] == "no-store"
    teacher = await client.get("/api/v1/sessions/s-1/join", headers=auth())
    assert teacher.json()["data"]["registered"] is False


async def test_an_enrolment_carries_what_the_student_is_registered_with(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "CreateEnrollment",
        lambda r: pb.Enrollment(
            id="e-1", batch_id=r.batch_id, student_id=r.student_id, email=r.email
        ),
    )
    answer = await client.post(
        "/api/v1/batches/b-1/enrollments",
        json={"student_id": "stu-1", "email": "asha@school.example", "first_name": "Asha"},
        headers=auth(),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["email"] == "asha@school.example"
    [sent] = services.scheduler.requests("CreateEnrollment")
    assert (sent.email, sent.first_name, sent.last_name) == ("asha@school.example", "Asha", "")
