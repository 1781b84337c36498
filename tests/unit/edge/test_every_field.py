"""Every answer carries every field, zeros and falses included, with one format per kind of
value: absentees, unvalidated credentials, empty lesson totals and unset nested messages (null)
are said, not left out; lengths of time are whole seconds, instants RFC 3339 UTC, dates
YYYY-MM-DD."""

from __future__ import annotations

from typing import Any

import httpx
from google.protobuf import duration_pb2, timestamp_pb2

from classbridge.common.v1 import common_pb2
from classbridge.recordingsync.v1 import recording_sync_pb2 as rs
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from edge.render import duration_seconds, message_ref, message_schema, to_dict
from tests.unit.edge.helpers import Services, auth
from tests.unit.edge.test_sessions_and_schedule import a_session


def _ts(text: str) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromJsonString(text)
    return stamp


def _report(request: Any) -> scheduler_pb2.AttendanceReport:
    return scheduler_pb2.AttendanceReport(
        session_id=request.session_id,
        session_status=scheduler_pb2.SESSION_STATUS_ENDED,
        session_minutes=60,
        enrolled_count=2,
        present_count=1,
        absent_count=1,
        rows=[
            scheduler_pb2.AttendanceRow(
                user_id="student-1",
                enrolled=True,
                present=True,
                minutes_attended=55,
                attendance_percentage=91.7,
                join_count=1,
                first_join_time=_ts("2030-01-15T10:01:00Z"),
            ),
            scheduler_pb2.AttendanceRow(user_id="student-2", enrolled=True),  # never came
        ],
    )


async def test_an_absentee_is_present_false_with_zero_minutes(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("GetAttendanceReport", _report)
    answer = await client.get("/api/live-classes/s-1/attendance", headers=auth())
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    came, absent = data["rows"]
    assert came["present"] is True
    assert absent == {
        "user_id": "student-2",
        "display_name": "",
        "email": "",
        "enrolled": True,
        "present": False,
        "minutes_attended": 0,
        "attendance_percentage": 0.0,
        "first_join_time": None,
        "last_leave_time": None,
        "join_count": 0,
        "rejoin_count": 0,
        "reconciled": False,
    }
    assert data["guest_count"] == 0
    assert data["final"] is False
    assert data["generate_time"] is None
    assert data["reconciliation"] is None  # the meeting has not ended: nothing read yet


async def test_credentials_not_valid_are_credentials_valid_false(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.zoom_gateway.on(
        "GetStatus",
        lambda r: zoom_gateway_pb2.GetStatusResponse(
            configured=True, tenant_id="default", message="Zoom rejected the credentials"
        ),
    )
    answer = await client.get("/api/zoom/status?validate=true", headers=auth())
    assert answer.status_code == 200, answer.text
    status = answer.json()["data"]["status"]
    assert status["configured"] is True
    assert status["credentials_valid"] is False
    assert status["cloud_recording_available"] is False
    assert status["auth_mode"] is None  # the unspecified enum value
    assert status["check_time"] is None  # an instant not set
    assert status["user"] is None  # a nested message not set: present, null


async def test_zero_lesson_totals_are_present(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "GetBatchSyncStatus",
        lambda r: scheduler_pb2.BatchSyncStatus(
            batch_id=r.batch_id,
            statistics=scheduler_pb2.BatchSyncStatistics(),
            sessions=[
                scheduler_pb2.SessionSyncRow(
                    session_id="s-1",
                    recorded_lessons=scheduler_pb2.RecordedLessonCounts(),
                    recording_sync=scheduler_pb2.SessionRecordingSync(),
                )
            ],
        ),
    )
    services.recording_sync.on("GetSyncStatus", lambda r: rs.GetSyncStatusResponse())
    answer = await client.get("/api/v1/batches/b-1/zoom-sync-status", headers=auth())
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    [row] = data["sessions"]
    assert row["recorded_lessons"] == {
        "total": 0,
        "zoom_auto_sync": 0,
        "manual_upload": 0,
        "external_link": 0,
        "local_folder": 0,
    }
    assert row["recording_sync"]["recording_synced"] is False
    assert row["recording_sync"]["sync_attempts"] == 0
    assert row["recording_sync"]["next_retry_time"] is None
    assert data["sync_statistics"] == {
        "total_sessions": 0,
        "sessions_with_zoom_meetings": 0,
        "synced_sessions": 0,
        "total_zoom_recordings": 0,
        "sync_percentage": 0.0,
    }


async def test_retry_after_is_whole_seconds_in_warnings_as_in_errors(
    client: httpx.AsyncClient, services: Services
) -> None:
    warning = scheduler_pb2.Warning(
        code=scheduler_pb2.Warning.CODE_ZOOM_RATE_LIMITED,
        message="Zoom's daily quota is used up",
        retry_after=duration_pb2.Duration(seconds=89, nanos=500_000_000),
    )
    services.scheduler.on(
        "CreateSession",
        lambda r: scheduler_pb2.CreateSessionResponse(session=a_session(), warnings=[warning]),
    )
    body = {"date": "2024-01-15", "start_time": "10:00", "end_time": "11:30", "title": "T"}
    answer = await client.post("/api/v1/batches/b-1/schedule", json=body, headers=auth())
    assert answer.status_code == 201, answer.text
    assert answer.json()["data"]["warnings"] == [
        {"code": "zoom_rate_limited", "message": "Zoom's daily quota is used up", "retry_after": 90}
    ]


def test_each_kind_of_value_has_one_format() -> None:
    batch = to_dict(
        scheduler_pb2.Batch(
            id="b-1",
            start_date={"year": 2024, "month": 1, "day": 5},
            create_time=_ts("2024-01-02T03:04:05.250+05:30"),
        )
    )
    assert batch["start_date"] == "2024-01-05"  # the form requests use
    assert batch["end_date"] is None
    assert batch["create_time"] == "2024-01-01T21:34:05.250Z"  # RFC 3339, UTC
    assert batch["type"] is None
    assert batch["enrollment_count"] == 0
    assert list(batch)[:3] == ["id", "course_id", "name"]  # proto order
    recording = to_dict(rs.Recording(id="r-1", duration=duration_pb2.Duration(seconds=3600)))
    assert recording["duration"] == 3600
    assert recording["meeting_id"] == "0"  # int64 stays a string, zero included
    assert recording["files"] == []
    assert recording["caller_access"] is None  # a nested message not set: null, not zeros
    settings = to_dict(common_pb2.MeetingSettings(host_video=False))
    assert settings["host_video"] is False  # set to false
    assert settings["waiting_room"] is None  # not set: the default applies
    assert (duration_seconds(0), duration_seconds(1, 1), duration_seconds(-2)) == (0, 2, -2)


def test_an_unset_nested_message_is_null_and_said_so() -> None:
    session = to_dict(scheduler_pb2.Session(id="s-1", recording_sync={"sync_attempts": 2}))
    assert session["zoom_meeting"] is None  # present, null: not left out, not an object of zeros
    assert session["recording_sync"]["sync_attempts"] == 2
    assert session["recording_sync"]["recording_synced"] is False  # a set one has every field
    schema = message_schema(scheduler_pb2.Session.DESCRIPTOR)
    assert "zoom_meeting" in schema["required"]
    assert schema["properties"]["zoom_meeting"] == {
        "anyOf": [message_ref(scheduler_pb2.ZoomMeetingInfo.DESCRIPTOR), {"type": "null"}]
    }
