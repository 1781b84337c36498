"""SchedulerService over gRPC: protobuf in, commands to the handlers, protobuf out.

The only module that knows the wire format of the API. Errors are ``classbridge_common.errors``
raised by the handlers; the server's interceptor turns them into statuses (with field
violations, retry info) once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar, cast

import grpc.aio
from google.protobuf import empty_pb2, json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

# googleapis-common-protos ships .pyi stubs for google.type but no py.typed marker, so mypy
# will not read them (the google.type values below are Any to it).
from google.type import date_pb2, timeofday_pb2  # type: ignore[import-untyped]

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge.scheduler.v1 import scheduler_pb2_grpc as pb_grpc
from classbridge_common.auth import Caller, current_caller
from classbridge_common.errors import FieldViolation, InvalidArgument
from classbridge_common.paging import PageRequest, page_request
from scheduler.adapters.event_codec import AUTO_RECORDINGS, BATCH_TYPES, ts
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import bulk as bulk_domain
from scheduler.domain import commands
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.directory import Person, PersonRole
from scheduler.domain.errors import invalid
from scheduler.domain.jobs import JobState, SessionJob
from scheduler.domain.model import (
    AutoRecording,
    Batch,
    Course,
    Enrollment,
    Interaction,
    InteractionType,
    LessonSource,
    ParticipantRole,
    ParticipantStatus,
    RecordedLesson,
    RecordingSync,
    ResourceType,
    SessionStatus,
    SharedResource,
    ZoomMeeting,
)
from scheduler.domain.notices import NoticePreference
from scheduler.domain.series import SeriesMeetings, SeriesStatus
from scheduler.domain.timing import InstantTiming, LocalTiming, Timing
from scheduler.service_layer import (
    attendance,
    bulk,
    calendar_feed,
    catalog,
    classroom,
    directory,
    membership,
    notices,
    series,
    sessions,
)
from scheduler.service_layer.clock import Clock, utcnow
from scheduler.service_layer.ports import ZoomMeetings

E = TypeVar("E", bound=int)

BATCH_TYPE_IN = {v: k for k, v in BATCH_TYPES.items()}
AUTO_RECORDING_IN = {v: k for k, v in AUTO_RECORDINGS.items()}
STATUS_OUT = {
    SessionStatus.SCHEDULED: pb.SESSION_STATUS_SCHEDULED,
    SessionStatus.IN_PROGRESS: pb.SESSION_STATUS_IN_PROGRESS,
    SessionStatus.ENDED: pb.SESSION_STATUS_ENDED,
    SessionStatus.CANCELLED: pb.SESSION_STATUS_CANCELLED,
}
STATUS_IN = {v: k for k, v in STATUS_OUT.items()}
ROLE_OUT = {
    ParticipantRole.HOST: pb.PARTICIPANT_ROLE_HOST,
    ParticipantRole.CO_HOST: pb.PARTICIPANT_ROLE_CO_HOST,
    ParticipantRole.PARTICIPANT: pb.PARTICIPANT_ROLE_PARTICIPANT,
}
ROLE_IN = {v: k for k, v in ROLE_OUT.items()}
PERSON_ROLE_OUT = {
    PersonRole.ADMIN: pb.PERSON_ROLE_ADMIN,
    PersonRole.TEACHER: pb.PERSON_ROLE_TEACHER,
    PersonRole.STUDENT: pb.PERSON_ROLE_STUDENT,
}
PERSON_ROLE_IN = {v: k for k, v in PERSON_ROLE_OUT.items()}
PSTATUS_OUT = {
    ParticipantStatus.NOT_JOINED: pb.PARTICIPANT_STATUS_NOT_JOINED,
    ParticipantStatus.JOINED: pb.PARTICIPANT_STATUS_JOINED,
    ParticipantStatus.LEFT: pb.PARTICIPANT_STATUS_LEFT,
}
PSTATUS_IN = {v: k for k, v in PSTATUS_OUT.items()}
ITYPE_OUT = {
    InteractionType.CHAT: pb.INTERACTION_TYPE_CHAT,
    InteractionType.QUESTION: pb.INTERACTION_TYPE_QUESTION,
    InteractionType.POLL_RESPONSE: pb.INTERACTION_TYPE_POLL_RESPONSE,
    InteractionType.REACTION: pb.INTERACTION_TYPE_REACTION,
}
ITYPE_IN = {v: k for k, v in ITYPE_OUT.items()}
RTYPE_OUT = {r: getattr(pb, f"RESOURCE_TYPE_{r.name}") for r in ResourceType}
RTYPE_IN = {v: k for k, v in RTYPE_OUT.items()}
SOURCE_OUT = {s: getattr(common_pb2, f"RECORDING_SOURCE_{s.name}") for s in LessonSource}
SOURCE_IN = {v: k for k, v in SOURCE_OUT.items()}


# ---- small conversions ----


def _dt(stamp: Timestamp, has: bool = True) -> datetime | None:
    if not has:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _enum(kind: type[E], number: int) -> E:
    """A stored enum number as a value of the protobuf enum ``kind``, unknown numbers included.

    protoc's stubs type an enum field as the enum's class, but at run time every enum value is a
    plain ``int`` and proto3 enums are open (a field keeps any number), so the number is one.
    """
    return cast(E, number)


def _settings_in(message: common_pb2.MeetingSettings) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _settings_out(values: Mapping[str, Any]) -> common_pb2.MeetingSettings:
    message = common_pb2.MeetingSettings()
    json_format.ParseDict(dict(values), message, ignore_unknown_fields=True)
    return message


def _date_in(value: date_pb2.Date, field: str) -> date | None:
    if value.year == 0 and value.month == 0 and value.day == 0:
        return None
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        raise invalid(field, "not a valid calendar date") from None


def _date_out(value: date | None) -> date_pb2.Date | None:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day) if value else None


def _time_in(value: timeofday_pb2.TimeOfDay, field: str) -> time:
    try:
        return time(value.hours, value.minutes, value.seconds)
    except ValueError:
        raise invalid(field, "not a valid time of day") from None


def _mask(
    mask: FieldMask, message: Message, read: Mapping[str, Callable[[Message], Any]], prefix: str
) -> dict[str, Any]:
    """The masked fields of ``message`` as domain values (unknown paths: INVALID_ARGUMENT)."""
    changes: dict[str, Any] = {}
    for path in mask.paths:
        if path not in read:
            raise invalid("update_mask", f"{path!r} cannot be updated")
        changes[path] = read[path](message)
    if not changes:
        raise invalid("update_mask", "name at least one field to update")
    return changes


# ---- resources out ----


def course_out(c: Course) -> pb.Course:
    return pb.Course(
        id=c.id,
        tenant_id=c.tenant_id,
        title=c.title,
        description=c.description,
        instructor_ids=c.instructor_ids,
        default_timezone=c.default_timezone,
        default_meeting_settings=_settings_out(c.default_meeting_settings),
        create_time=ts(c.create_time),
        update_time=ts(c.update_time),
    )


def batch_out(v: catalog.BatchView) -> pb.Batch:
    b: Batch = v.batch
    return pb.Batch(
        id=b.id,
        course_id=b.course_id,
        name=b.name,
        type=BATCH_TYPES[b.type],
        instructor_id=b.instructor_id,
        student_id=b.student_id,
        timezone=b.timezone,
        start_date=_date_out(b.start_date),
        end_date=_date_out(b.end_date),
        meeting_settings=_settings_out(b.meeting_settings),
        enrollment_count=v.enrollment_count,
        course_title=v.course_title,
        create_time=ts(b.create_time),
        update_time=ts(b.update_time),
        present_threshold_percentage=b.present_threshold_percentage,
        breakout_groups=[
            pb.BreakoutGroup(name=g.name, student_ids=g.student_ids) for g in b.breakout_groups
        ],
    )


def _groups_in(groups: Iterable[pb.BreakoutGroup]) -> list[BreakoutGroup]:
    return [BreakoutGroup(name=g.name, student_ids=list(g.student_ids)) for g in groups]


def enrollment_out(e: Enrollment) -> pb.Enrollment:
    return pb.Enrollment(
        id=e.id,
        batch_id=e.batch_id,
        student_id=e.student_id,
        create_time=ts(e.create_time),
        email=e.email,
        first_name=e.first_name,
        last_name=e.last_name,
    )


def _json_time(value: datetime | None) -> str | None:
    stamp = ts(value)
    return stamp.ToJsonString() if stamp is not None else None


def _set(values: dict[str, Any]) -> dict[str, Any]:
    """JSON values without the unset (None) ones."""
    return {k: v for k, v in values.items() if v is not None}


def _fill_proposed(message: Message, values: dict[str, Any]) -> None:
    """Set fields scheduler.proto is to gain (lesson parts, a deleted recording), given in
    their JSON form. Unknown fields are ignored: until the proto has them the values stay in
    the domain, and once it does they go out with no change here."""
    json_format.ParseDict(values, message, ignore_unknown_fields=True)


def sync_out(s: RecordingSync | None) -> pb.SessionRecordingSync | None:
    if s is None:
        return None
    message = pb.SessionRecordingSync(
        recording_synced=s.synced,
        last_sync_time=ts(s.last_sync_time),
        sync_attempts=s.attempts,
        next_retry_time=ts(s.next_retry_time),
        last_sync_error=s.last_error,
        last_sync_error_type=_enum(common_pb2.SyncErrorType, s.last_error_type),
    )
    _fill_proposed(
        message,
        _set({"recording_deleted": s.deleted, "delete_time": _json_time(s.delete_time)}),
    )
    return message


def meeting_out(m: ZoomMeeting | None) -> pb.ZoomMeetingInfo | None:
    if m is None:
        return None
    return pb.ZoomMeetingInfo(
        meeting_id=m.meeting_id,
        meeting_uuid=m.meeting_uuid,
        join_url=m.join_url,
        password=m.password,
        topic=m.topic,
        host_zoom_user_id=m.host_zoom_user_id,
        host_email=m.host_email,
        duration_minutes=m.duration_minutes,
        create_time=ts(m.create_time),
        last_zoom_sync_time=ts(m.last_zoom_sync_time),
        start_time=ts(m.start_time),
        timezone=m.timezone,
        zoom_change_time=ts(m.zoom_change_time),
        delete_time=ts(m.delete_time),
        occurrence_id=m.occurrence_id,
    )


def session_out(v: sessions.SessionView) -> pb.Session:
    s = v.session
    return pb.Session(
        id=s.id,
        batch_id=s.batch_id,
        course_id=s.course_id,
        batch_type=BATCH_TYPES[s.batch_type],
        title=s.title,
        description=s.description,
        teacher_id=s.teacher_id,
        scheduled_start=ts(s.scheduled_start),
        scheduled_end=ts(s.scheduled_end),
        timezone=s.timezone,
        status=STATUS_OUT[s.status],
        actual_start=ts(s.actual_start),
        actual_end=ts(s.actual_end),
        max_participants=s.max_participants,
        auto_recording=AUTO_RECORDINGS[s.auto_recording],
        meeting_settings=_settings_out(s.meeting_settings),
        zoom_meeting=meeting_out(s.meeting),
        recording_sync=sync_out(s.recording_sync),
        participant_count=v.participant_count,
        recorded_lesson_count=v.recorded_lesson_count,
        cancel_time=ts(s.cancel_time),
        cancel_reason=s.cancel_reason,
        create_time=ts(s.create_time),
        update_time=ts(s.update_time),
        previous_zoom_meeting=meeting_out(s.previous_meeting),
        warnings=warnings_out(tuple(sessions.Warning(c, m) for c, m in s.notices())),
        series_id=s.series_id,
    )


def warnings_out(warnings: tuple[sessions.Warning, ...]) -> list[pb.Warning]:
    result = []
    for w in warnings:
        retry = None
        if w.retry_after is not None:
            retry = Duration()
            retry.FromTimedelta(w.retry_after)
        result.append(
            pb.Warning(
                code=getattr(pb.Warning, f"CODE_{w.code}"), message=w.message, retry_after=retry
            )
        )
    return result


def participant_out(v: classroom.ParticipantView) -> pb.Participant:
    p = v.participant
    return pb.Participant(
        id=p.id,
        session_id=p.session_id,
        user_id=p.user_id,
        display_name=p.display_name,
        email=p.email,
        zoom_user_id=p.zoom_user_id,
        role=ROLE_OUT[p.role],
        status=PSTATUS_OUT[p.status],
        intervals=[
            pb.AttendanceInterval(
                participant_uuid=i.participant_uuid,
                join_time=ts(i.join_time),
                leave_time=ts(i.leave_time),
                leave_reason=i.leave_reason,
                breakout_room_uuid=i.breakout_room_uuid,
            )
            for i in p.intervals
        ],
        first_join_time=ts(p.first_join_time),
        last_leave_time=ts(p.last_leave_time),
        minutes_attended=v.minutes_attended,
        attendance_percentage=v.attendance_percentage,
        shared_screen=p.shared_screen,
        raised_hand=p.raised_hand,
        enrolled=p.enrolled,
    )


JOB_STATE_OUT = {
    JobState.PENDING: pb.RECONCILIATION_STATE_PENDING,
    JobState.DONE: pb.RECONCILIATION_STATE_DONE,
    JobState.GAVE_UP: pb.RECONCILIATION_STATE_GAVE_UP,
}


def reconciliation_out(job: SessionJob | None) -> pb.AttendanceReconciliation | None:
    if job is None:
        return None
    return pb.AttendanceReconciliation(
        state=JOB_STATE_OUT[job.state],
        attempts=job.attempts,
        next_attempt_time=ts(job.next_attempt_time),
        last_error=job.last_error,
        finish_time=ts(job.finish_time),
        report_rows=job.result_count,
    )


def row_out(row: attendance.AttendanceRow) -> pb.AttendanceRow:
    return pb.AttendanceRow(
        user_id=row.user_id,
        display_name=row.display_name,
        email=row.email,
        enrolled=row.enrolled,
        present=row.present,
        minutes_attended=row.minutes_attended,
        attendance_percentage=row.attendance_percentage,
        first_join_time=ts(row.first_join_time),
        last_leave_time=ts(row.last_leave_time),
        join_count=row.join_count,
        rejoin_count=row.rejoin_count,
        reconciled=row.reconciled,
    )


def report_out(r: attendance.AttendanceReport) -> pb.AttendanceReport:
    return pb.AttendanceReport(
        session_id=r.session.id,
        session_status=STATUS_OUT[r.session.status],
        actual_start=ts(r.session.actual_start),
        actual_end=ts(r.session.actual_end),
        session_minutes=r.session_minutes,
        enrolled_count=r.enrolled_count,
        present_count=r.present_count,
        absent_count=r.absent_count,
        guest_count=r.guest_count,
        average_attendance_percentage=r.average_attendance_percentage,
        present_threshold_percentage=r.present_threshold_percentage,
        rows=[row_out(row) for row in r.rows],
        final=r.final,
        generate_time=ts(r.generate_time),
        reconciliation=reconciliation_out(r.reconciliation),
        session_title=r.session.title,
        batch_id=r.session.batch_id,
        course_id=r.session.course_id,
        scheduled_start=ts(r.session.scheduled_start),
    )


def interaction_out(i: Interaction) -> pb.Interaction:
    return pb.Interaction(
        id=i.id,
        session_id=i.session_id,
        type=ITYPE_OUT[i.type],
        author_id=i.author_id,
        author_display_name=i.author_display_name,
        anonymous=i.anonymous,
        content=i.content,
        reply_to_id=i.reply_to_id,
        poll_id=i.poll_id,
        poll_question_id=i.poll_question_id,
        answered=i.answered,
        create_time=ts(i.create_time),
    )


def resource_out(r: SharedResource) -> pb.SharedResource:
    message = pb.SharedResource(
        id=r.id,
        session_id=r.session_id,
        type=RTYPE_OUT[r.type],
        title=r.title,
        description=r.description,
        shared_by=r.shared_by,
        shared_at=ts(r.shared_at),
    )
    if r.url:
        message.url = r.url
    elif r.storage_key:
        message.storage_key = r.storage_key
    return message


def lesson_out(lesson: RecordedLesson) -> pb.RecordedLesson:
    duration = Duration(seconds=lesson.duration_seconds)
    info = None
    z = lesson.zoom_info
    if z:
        info = pb.ZoomRecordingInfo(
            meeting_id=int(z.get("meeting_id") or 0),
            meeting_uuid=z.get("meeting_uuid") or "",
            recording_file_id=z.get("recording_file_id") or "",
            file_type=_enum(common_pb2.RecordingFileType, int(z.get("file_type") or 0)),
            recording_type=z.get("recording_type") or "",
            file_size_bytes=int(z.get("file_size_bytes") or 0),
            recording_start=ts(datetime.fromisoformat(z["recording_start"]))
            if z.get("recording_start")
            else None,
            recording_end=ts(datetime.fromisoformat(z["recording_end"]))
            if z.get("recording_end")
            else None,
            sync_time=ts(datetime.fromisoformat(z["sync_time"])) if z.get("sync_time") else None,
        )
    message = pb.RecordedLesson(
        id=lesson.id,
        session_id=lesson.session_id,
        title=lesson.title,
        source=SOURCE_OUT[lesson.source],
        recording_id=lesson.recording_id,
        recording_file_id=lesson.recording_file_id,
        external_url=lesson.external_url,
        file_type=_enum(common_pb2.RecordingFileType, lesson.file_type),
        file_size_bytes=lesson.file_size_bytes,
        duration=duration,
        zoom_recording_info=info,
        create_time=ts(lesson.create_time),
    )
    _fill_proposed(message, parts_json(lesson))
    return message


def parts_json(lesson: RecordedLesson) -> dict[str, Any]:
    """The lesson's kind and parts, in part order, as the JSON of ``RecordedLesson.lesson_kind``
    and ``RecordedLesson.parts`` (``RecordedLessonPart``)."""
    return {
        "lesson_kind": lesson.lesson_kind,
        "parts": [
            _set(
                {
                    "recording_file_id": p.file_id,
                    "part": p.part,
                    "file_size_bytes": str(p.size_bytes),
                    "duration": f"{p.duration_seconds}s",
                    "recording_start": _json_time(p.recording_start),
                    "recording_end": _json_time(p.recording_end),
                    "recording_id": p.recording_id,
                    "zoom_file_id": p.zoom_file_id,
                }
            )
            for p in lesson.parts
        ],
    }


def _timing(request: pb.CreateSessionRequest) -> Timing | None:
    which = request.WhichOneof("timing")
    if which == "local_time":
        local = request.local_time
        day = _date_in(local.date, "local_time.date")
        if day is None:
            raise invalid("local_time.date", "required")
        return LocalTiming(
            day=day,
            start=_time_in(local.start_time, "local_time.start_time"),
            end=_time_in(local.end_time, "local_time.end_time"),
        )
    if which == "time_range":
        r = request.time_range
        if not r.HasField("start_time"):
            raise invalid("time_range.start_time", "required")
        if not r.HasField("end_time"):
            raise invalid("time_range.end_time", "required")
        return InstantTiming(
            start=r.start_time.ToDatetime(tzinfo=UTC), end=r.end_time.ToDatetime(tzinfo=UTC)
        )
    return None


def _create_session_in(
    request: pb.CreateSessionRequest, timing: Timing | None
) -> commands.CreateSession:
    return commands.CreateSession(
        batch_id=request.batch_id,
        title=request.title,
        timing=timing,
        request_id=request.request_id,
        description=request.description,
        timezone=request.timezone,
        create_zoom_meeting=request.create_zoom_meeting
        if request.HasField("create_zoom_meeting")
        else True,
        auto_recording=AUTO_RECORDING_IN.get(request.auto_recording),
        max_participants=request.max_participants,
        meeting_settings=_settings_in(request.meeting_settings),
        teacher_id=request.teacher_id,
    )


def _bulk_items_in(
    items: Sequence[pb.CreateSessionRequest],
) -> tuple[commands.CreateSession, ...]:
    """Every item as a command; the timings of all are read before any is refused, so the
    error names every bad item (``items[3].local_time.date``)."""
    if len(items) > bulk_domain.MAX_ITEMS:
        raise invalid("items", f"at most {bulk_domain.MAX_ITEMS} sessions in one request")
    out: list[commands.CreateSession] = []
    violations: list[FieldViolation] = []
    for index, item in enumerate(items):
        try:
            timing = _timing(item)
        except InvalidArgument as error:
            violations += [
                FieldViolation(f"items[{index}].{v.field}", v.description) for v in error.violations
            ] or [FieldViolation(f"items[{index}].timing", error.message)]
            timing = None
        out.append(_create_session_in(item, timing))
    if violations:
        raise InvalidArgument(
            f"{violations[0].field}: {violations[0].description}; nothing was scheduled",
            violations=violations[:100],
        )
    return tuple(out)


_ITEM_STATE_OUT = {
    bulk.ItemState.CREATED: pb.BulkJobItem.MEETING_STATE_CREATED,
    bulk.ItemState.PENDING: pb.BulkJobItem.MEETING_STATE_PENDING,
    bulk.ItemState.FAILED: pb.BulkJobItem.MEETING_STATE_FAILED,
    bulk.ItemState.NOT_REQUESTED: pb.BulkJobItem.MEETING_STATE_NOT_REQUESTED,
}


SERIES_MEETINGS_OUT = {
    SeriesMeetings.RECURRING: pb.SERIES_MEETINGS_RECURRING,
    SeriesMeetings.SEPARATE: pb.SERIES_MEETINGS_SEPARATE,
}


def series_out(view: series.SeriesView) -> pb.Series:
    s = view.series
    return pb.Series(
        id=s.id,
        request_id=s.request_id or "",
        batch_id=s.batch_id,
        course_id=s.course_id,
        title=s.title,
        recurrence=s.rule,
        exceptions=s.exceptions,
        timezone=s.timezone,
        first_start=ts(s.first_start),
        duration_minutes=s.duration_minutes,
        meetings=SERIES_MEETINGS_OUT[s.meetings],
        meeting_id=s.meeting_id,
        cancelled=s.status is SeriesStatus.CANCELLED,
        create_time=ts(s.create_time),
        cancel_time=ts(s.cancel_time),
        sessions=[session_out(sessions.SessionView(session=x)) for x in view.sessions],
    )


def _exceptions_in(values: Sequence[str]) -> tuple[date | datetime, ...]:
    """Local dates (``2027-02-15``) and date-times (``2027-02-15T10:00``) of a series."""
    out: list[date | datetime] = []
    for index, text in enumerate(values):
        value = text.strip()
        try:
            out.append(
                date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
            )
        except ValueError:
            raise invalid(
                f"exceptions[{index}]", "a local date (2027-02-15) or date-time (2027-02-15T10:00)"
            ) from None
        if isinstance(out[-1], datetime) and out[-1].tzinfo is not None:
            raise invalid(f"exceptions[{index}]", "a local date-time, without an offset")
    return tuple(out)


def _person_out(person: Person) -> pb.Person:
    return pb.Person(
        user_id=person.user_id,
        name=person.name,
        email=person.email,
        role=PERSON_ROLE_OUT[person.role],
        create_time=ts(person.create_time),
        update_time=ts(person.update_time),
    )


def _person_in(message: pb.Person) -> Person:
    role = PERSON_ROLE_IN.get(message.role)
    if role is None:
        raise invalid("person.role", "admin, teacher or student")
    return Person(user_id=message.user_id, email=message.email, role=role, name=message.name)


def _preference_out(found: NoticePreference) -> pb.NoticePreference:
    return pb.NoticePreference(
        user_id=found.user_id,
        email_notices=found.email_notices,
        update_time=ts(found.update_time),
    )


def bulk_job_out(view: bulk.BulkJobView, page: PageRequest | None = None) -> pb.BulkJob:
    """The bulk job with its counts, and its items: those of ``page``, or all of them."""
    out = pb.BulkJob(
        id=view.job.id,
        request_id=view.job.request_id,
        total_count=len(view.items),
        meeting_created_count=view.count(bulk.ItemState.CREATED),
        waiting_count=view.count(bulk.ItemState.PENDING),
        failed_count=view.count(bulk.ItemState.FAILED),
        done=view.done,
    )
    if view.job.create_time is not None:
        out.create_time.FromDatetime(view.job.create_time)
    if view.expected_finish_time is not None:
        out.expected_finish_time.FromDatetime(view.expected_finish_time)
    items = view.items
    if page is not None:
        items = items[page.offset : page.offset + page.limit]
        out.next_page_token = page.next_token(len(view.items))
    for item in items:
        row = out.items.add(
            index=item.index,
            session_id=item.session_id,
            meeting_state=_ITEM_STATE_OUT[item.state],
            error=item.error,
            host_user_id=item.host_user_id,
        )
        if item.expected_time is not None:
            row.meeting_expected_time.FromDatetime(item.expected_time)
    return out


def _event_out(event: calendar_feed.CalendarEvent) -> pb.CalendarEvent:
    s = event.session
    return pb.CalendarEvent(
        session_id=s.id,
        batch_id=s.batch_id,
        course_title=event.course_title,
        title=s.title,
        description=s.description,
        start_time=ts(s.scheduled_start),
        end_time=ts(s.scheduled_end),
        timezone=s.timezone,
        status=STATUS_OUT[s.status],
        join_url=event.join_url,
        registered=event.registered,
        sequence=event.sequence,
        create_time=ts(s.create_time),
        update_time=ts(s.update_time),
    )


class SchedulerApi(pb_grpc.SchedulerServiceServicer):
    """Each method: request -> command/query -> handler -> response."""

    def __init__(
        self,
        *,
        uow: Callable[[], SchedulerUnitOfWork],
        zoom: ZoomMeetings,
        default_timezone: str,
        present_threshold: float = attendance.DEFAULT_PRESENT_THRESHOLD,
        meeting_budget: int = bulk.DEFAULT_BUDGET,
        now: Clock = utcnow,
    ) -> None:
        self._uow = uow
        self._zoom = zoom
        self._default_timezone = default_timezone
        self._present_threshold = present_threshold
        self._meeting_budget = meeting_budget
        self._now = now

    # ---- Courses ----

    async def CreateCourse(
        self,
        request: pb.CreateCourseRequest,
        context: grpc.aio.ServicerContext[pb.CreateCourseRequest, pb.Course],
    ) -> pb.Course:
        c = request.course
        course = await catalog.create_course(
            commands.CreateCourse(
                title=c.title,
                request_id=request.request_id,
                tenant_id=c.tenant_id,
                description=c.description,
                instructor_ids=tuple(c.instructor_ids),
                default_timezone=c.default_timezone,
                default_meeting_settings=_settings_in(c.default_meeting_settings),
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return course_out(course)

    async def GetCourse(
        self,
        request: pb.GetCourseRequest,
        context: grpc.aio.ServicerContext[pb.GetCourseRequest, pb.Course],
    ) -> pb.Course:
        return course_out(
            await catalog.get_course(request.course_id, uow=self._uow(), caller=current_caller())
        )

    async def ListCourses(
        self,
        request: pb.ListCoursesRequest,
        context: grpc.aio.ServicerContext[pb.ListCoursesRequest, pb.ListCoursesResponse],
    ) -> pb.ListCoursesResponse:
        page = page_request(
            request.page_size,
            request.page_token,
            [request.tenant_id, request.instructor_id],
            listing="ListCourses",
        )
        items, total = await catalog.list_courses(
            tenant_id=request.tenant_id,
            instructor_id=request.instructor_id,
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListCoursesResponse(
            courses=[course_out(c) for c in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def UpdateCourse(
        self,
        request: pb.UpdateCourseRequest,
        context: grpc.aio.ServicerContext[pb.UpdateCourseRequest, pb.Course],
    ) -> pb.Course:
        read: dict[str, Callable[[Any], Any]] = {
            "title": lambda c: c.title,
            "description": lambda c: c.description,
            "instructor_ids": lambda c: list(c.instructor_ids),
            "default_timezone": lambda c: c.default_timezone,
            "default_meeting_settings": lambda c: _settings_in(c.default_meeting_settings),
        }
        if not request.course.id:
            raise invalid("course.id", "required")
        changes = _mask(request.update_mask, request.course, read, "course")
        course = await catalog.update_course(
            commands.UpdateCourse(course_id=request.course.id, changes=changes),
            uow=self._uow(),
            caller=current_caller(),
        )
        return course_out(course)

    async def _cancel_sessions(
        self, session_ids: Iterable[str], *, reason: str, caller: Caller
    ) -> None:
        """Cancel the upcoming sessions of a course or batch being deleted (Zoom kept in step)."""
        for session_id in session_ids:
            await sessions.cancel_session(
                commands.CancelSession(session_id=session_id, reason=reason),
                uow=self._uow(),
                caller=caller,
                zoom=self._zoom,
            )

    async def DeleteCourse(
        self,
        request: pb.DeleteCourseRequest,
        context: grpc.aio.ServicerContext[pb.DeleteCourseRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        caller = current_caller()
        upcoming = await catalog.delete_course(
            commands.DeleteCourse(course_id=request.course_id, force=request.force),
            uow=self._uow(),
            caller=caller,
        )
        await self._cancel_sessions(upcoming, reason="course deleted", caller=caller)
        await catalog.finish_delete_course(request.course_id, uow=self._uow())
        return empty_pb2.Empty()

    # ---- Batches ----

    async def CreateBatch(
        self,
        request: pb.CreateBatchRequest,
        context: grpc.aio.ServicerContext[pb.CreateBatchRequest, pb.Batch],
    ) -> pb.Batch:
        b = request.batch
        view = await catalog.create_batch(
            commands.CreateBatch(
                course_id=b.course_id,
                name=b.name,
                type=BATCH_TYPE_IN.get(b.type),
                request_id=request.request_id,
                instructor_id=b.instructor_id,
                student_id=b.student_id,
                timezone=b.timezone,
                start_date=_date_in(b.start_date, "batch.start_date"),
                end_date=_date_in(b.end_date, "batch.end_date"),
                meeting_settings=_settings_in(b.meeting_settings),
                present_threshold_percentage=b.present_threshold_percentage,
                breakout_groups=tuple(_groups_in(b.breakout_groups)),
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return batch_out(view)

    async def GetBatch(
        self,
        request: pb.GetBatchRequest,
        context: grpc.aio.ServicerContext[pb.GetBatchRequest, pb.Batch],
    ) -> pb.Batch:
        return batch_out(
            await catalog.get_batch(request.batch_id, uow=self._uow(), caller=current_caller())
        )

    async def ListBatches(
        self,
        request: pb.ListBatchesRequest,
        context: grpc.aio.ServicerContext[pb.ListBatchesRequest, pb.ListBatchesResponse],
    ) -> pb.ListBatchesResponse:
        filters = [request.course_id, request.instructor_id, request.student_id, int(request.type)]
        page = page_request(request.page_size, request.page_token, filters, listing="ListBatches")
        items, total = await catalog.list_batches(
            course_id=request.course_id,
            instructor_id=request.instructor_id,
            student_id=request.student_id,
            type=BATCH_TYPE_IN.get(request.type),
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListBatchesResponse(
            batches=[batch_out(v) for v in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def UpdateBatch(
        self,
        request: pb.UpdateBatchRequest,
        context: grpc.aio.ServicerContext[pb.UpdateBatchRequest, pb.Batch],
    ) -> pb.Batch:
        read: dict[str, Callable[[Any], Any]] = {
            "name": lambda b: b.name,
            "instructor_id": lambda b: b.instructor_id,
            "timezone": lambda b: b.timezone,
            "start_date": lambda b: _date_in(b.start_date, "batch.start_date"),
            "end_date": lambda b: _date_in(b.end_date, "batch.end_date"),
            "meeting_settings": lambda b: _settings_in(b.meeting_settings),
            "student_id": lambda b: b.student_id,
            "present_threshold_percentage": lambda b: b.present_threshold_percentage,
            "breakout_groups": lambda b: _groups_in(b.breakout_groups),
        }
        if not request.batch.id:
            raise invalid("batch.id", "required")
        changes = _mask(request.update_mask, request.batch, read, "batch")
        view = await catalog.update_batch(
            commands.UpdateBatch(batch_id=request.batch.id, changes=changes),
            uow=self._uow(),
            caller=current_caller(),
        )
        return batch_out(view)

    async def DeleteBatch(
        self,
        request: pb.DeleteBatchRequest,
        context: grpc.aio.ServicerContext[pb.DeleteBatchRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        caller = current_caller()
        upcoming = await catalog.delete_batch(
            commands.DeleteBatch(batch_id=request.batch_id, force=request.force),
            uow=self._uow(),
            caller=caller,
        )
        await self._cancel_sessions(upcoming, reason="batch deleted", caller=caller)
        await catalog.finish_delete_batch(request.batch_id, uow=self._uow())
        return empty_pb2.Empty()

    # ---- Enrollments ----

    async def CreateEnrollment(
        self,
        request: pb.CreateEnrollmentRequest,
        context: grpc.aio.ServicerContext[pb.CreateEnrollmentRequest, pb.Enrollment],
    ) -> pb.Enrollment:
        enrollment = await catalog.create_enrollment(
            commands.CreateEnrollment(
                batch_id=request.batch_id,
                student_id=request.student_id,
                request_id=request.request_id,
                email=request.email,
                first_name=request.first_name,
                last_name=request.last_name,
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return enrollment_out(enrollment)

    async def DeleteEnrollment(
        self,
        request: pb.DeleteEnrollmentRequest,
        context: grpc.aio.ServicerContext[pb.DeleteEnrollmentRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await catalog.delete_enrollment(
            commands.DeleteEnrollment(
                enrollment_id=request.enrollment_id,
                batch_id=request.batch_id,
                student_id=request.student_id,
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return empty_pb2.Empty()

    async def ListEnrollments(
        self,
        request: pb.ListEnrollmentsRequest,
        context: grpc.aio.ServicerContext[pb.ListEnrollmentsRequest, pb.ListEnrollmentsResponse],
    ) -> pb.ListEnrollmentsResponse:
        page = page_request(
            request.page_size,
            request.page_token,
            [request.batch_id, request.student_id],
            listing="ListEnrollments",
        )
        items, total = await catalog.list_enrollments(
            batch_id=request.batch_id,
            student_id=request.student_id,
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListEnrollmentsResponse(
            enrollments=[enrollment_out(e) for e in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    # ---- Sessions ----

    async def CreateSession(
        self,
        request: pb.CreateSessionRequest,
        context: grpc.aio.ServicerContext[pb.CreateSessionRequest, pb.CreateSessionResponse],
    ) -> pb.CreateSessionResponse:
        result = await sessions.create_session(
            _create_session_in(request, _timing(request)),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
            default_timezone=self._default_timezone,
        )
        return pb.CreateSessionResponse(
            session=session_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def BulkCreateSessions(
        self,
        request: pb.BulkCreateSessionsRequest,
        context: grpc.aio.ServicerContext[pb.BulkCreateSessionsRequest, pb.BulkJob],
    ) -> pb.BulkJob:
        view = await bulk.bulk_create_sessions(
            commands.BulkCreateSessions(
                request_id=request.request_id, items=_bulk_items_in(request.items)
            ),
            uow=self._uow(),
            caller=current_caller(),
            default_timezone=self._default_timezone,
            budget=self._meeting_budget,
            now=self._now,
        )
        return bulk_job_out(view)

    async def GetBulkJob(
        self,
        request: pb.GetBulkJobRequest,
        context: grpc.aio.ServicerContext[pb.GetBulkJobRequest, pb.BulkJob],
    ) -> pb.BulkJob:
        page = page_request(
            request.page_size, request.page_token, [request.bulk_job_id], listing="GetBulkJob"
        )
        return bulk_job_out(
            await bulk.get_bulk_job(request.bulk_job_id, uow=self._uow(), caller=current_caller()),
            page,
        )

    async def CreateSeries(
        self,
        request: pb.CreateSeriesRequest,
        context: grpc.aio.ServicerContext[pb.CreateSeriesRequest, pb.CreateSeriesResponse],
    ) -> pb.CreateSeriesResponse:
        first = request.session
        result = await series.create_series(
            commands.CreateSeries(
                session=_create_session_in(first, _timing(first)),
                rule=request.recurrence,
                exceptions=_exceptions_in(request.exceptions),
                request_id=request.request_id,
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
            default_timezone=self._default_timezone,
            budget=self._meeting_budget,
            now=self._now,
        )
        return pb.CreateSeriesResponse(
            series=series_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def GetSeries(
        self,
        request: pb.GetSeriesRequest,
        context: grpc.aio.ServicerContext[pb.GetSeriesRequest, pb.Series],
    ) -> pb.Series:
        return series_out(
            await series.get_series(request.series_id, uow=self._uow(), caller=current_caller())
        )

    async def GetNoticePreference(
        self,
        request: pb.GetNoticePreferenceRequest,
        context: grpc.aio.ServicerContext[pb.GetNoticePreferenceRequest, pb.NoticePreference],
    ) -> pb.NoticePreference:
        found = await notices.get_preference(self._uow(), user_id=current_caller().subject)
        return _preference_out(found)

    async def SetNoticePreference(
        self,
        request: pb.SetNoticePreferenceRequest,
        context: grpc.aio.ServicerContext[pb.SetNoticePreferenceRequest, pb.NoticePreference],
    ) -> pb.NoticePreference:
        found = await notices.set_preference(
            self._uow(),
            user_id=current_caller().subject,
            email_notices=request.email_notices,
            now=self._now,
        )
        return _preference_out(found)

    async def PutPerson(
        self,
        request: pb.PutPersonRequest,
        context: grpc.aio.ServicerContext[pb.PutPersonRequest, pb.Person],
    ) -> pb.Person:
        stored = await directory.put_person(
            _person_in(request.person), uow=self._uow(), caller=current_caller(), now=self._now
        )
        return _person_out(stored)

    async def ListPeople(
        self,
        request: pb.ListPeopleRequest,
        context: grpc.aio.ServicerContext[pb.ListPeopleRequest, pb.ListPeopleResponse],
    ) -> pb.ListPeopleResponse:
        role = PERSON_ROLE_IN.get(request.role) if request.role else None
        if request.role and role is None:
            raise invalid("role", "admin, teacher or student")
        page = page_request(
            request.page_size, request.page_token, [request.role], listing="ListPeople"
        )
        found, total = await directory.list_people(
            role=role,
            offset=page.offset,
            limit=page.limit,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListPeopleResponse(
            people=[_person_out(p) for p in found],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def DeletePerson(
        self,
        request: pb.DeletePersonRequest,
        context: grpc.aio.ServicerContext[pb.DeletePersonRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await directory.delete_person(request.user_id, uow=self._uow(), caller=current_caller())
        return empty_pb2.Empty()

    async def UpdateSeries(
        self,
        request: pb.UpdateSeriesRequest,
        context: grpc.aio.ServicerContext[pb.UpdateSeriesRequest, pb.CreateSeriesResponse],
    ) -> pb.CreateSeriesResponse:
        result = await series.update_series(
            commands.UpdateSeries(
                series_id=request.series_id,
                title=request.title if request.HasField("title") else None,
                description=request.description if request.HasField("description") else None,
                start=_time_in(request.start_time, "start_time")
                if request.HasField("start_time")
                else None,
                end=_time_in(request.end_time, "end_time")
                if request.HasField("end_time")
                else None,
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
            now=self._now,
        )
        return pb.CreateSeriesResponse(
            series=series_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def CancelSeries(
        self,
        request: pb.CancelSeriesRequest,
        context: grpc.aio.ServicerContext[pb.CancelSeriesRequest, pb.CreateSeriesResponse],
    ) -> pb.CreateSeriesResponse:
        result = await series.cancel_series(
            commands.CancelSeries(
                series_id=request.series_id,
                reason=request.reason,
                notify_participants=request.notify_participants,
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
            now=self._now,
        )
        return pb.CreateSeriesResponse(
            series=series_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def GetSession(
        self,
        request: pb.GetSessionRequest,
        context: grpc.aio.ServicerContext[pb.GetSessionRequest, pb.Session],
    ) -> pb.Session:
        return session_out(
            await sessions.get_session(request.session_id, uow=self._uow(), caller=current_caller())
        )

    async def ListSessions(
        self,
        request: pb.ListSessionsRequest,
        context: grpc.aio.ServicerContext[pb.ListSessionsRequest, pb.ListSessionsResponse],
    ) -> pb.ListSessionsResponse:
        statuses = []
        for value in request.statuses:
            if value not in STATUS_IN:
                raise invalid("statuses", f"unknown status {value}")
            statuses.append(STATUS_IN[value])
        after = _dt(request.start_after, request.HasField("start_after"))
        before = _dt(request.start_before, request.HasField("start_before"))
        filters = [
            request.course_id,
            request.batch_id,
            request.teacher_id,
            request.student_id,
            sorted(s.value for s in statuses),
            str(after),
            str(before),
            request.descending,
        ]
        page = page_request(request.page_size, request.page_token, filters, listing="ListSessions")
        items, total = await sessions.list_sessions(
            course_id=request.course_id,
            batch_id=request.batch_id,
            teacher_id=request.teacher_id,
            student_id=request.student_id,
            statuses=tuple(statuses),
            start_after=after,
            start_before=before,
            descending=request.descending,
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListSessionsResponse(
            sessions=[session_out(v) for v in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def UpdateSession(
        self,
        request: pb.UpdateSessionRequest,
        context: grpc.aio.ServicerContext[pb.UpdateSessionRequest, pb.UpdateSessionResponse],
    ) -> pb.UpdateSessionResponse:
        s = request.session
        read: dict[str, Callable[[Any], Any]] = {
            "title": lambda m: m.title,
            "description": lambda m: m.description,
            "teacher_id": lambda m: m.teacher_id,
            "scheduled_start": lambda m: _dt(m.scheduled_start, m.HasField("scheduled_start")),
            "scheduled_end": lambda m: _dt(m.scheduled_end, m.HasField("scheduled_end")),
            "timezone": lambda m: m.timezone,
            "max_participants": lambda m: m.max_participants,
            "auto_recording": lambda m: AUTO_RECORDING_IN.get(
                m.auto_recording, AutoRecording.CLOUD
            ),
            "meeting_settings": lambda m: _settings_in(m.meeting_settings),
            "status": lambda m: STATUS_IN.get(m.status),
        }
        if not s.id:
            raise invalid("session.id", "required")
        changes = _mask(request.update_mask, s, read, "session")
        result = await sessions.update_session(
            commands.UpdateSession(
                session_id=s.id, changes=changes, skip_zoom_sync=request.skip_zoom_sync
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
        )
        return pb.UpdateSessionResponse(
            session=session_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def CancelSession(
        self,
        request: pb.CancelSessionRequest,
        context: grpc.aio.ServicerContext[pb.CancelSessionRequest, pb.CancelSessionResponse],
    ) -> pb.CancelSessionResponse:
        result = await sessions.cancel_session(
            commands.CancelSession(
                session_id=request.session_id,
                reason=request.reason,
                notify_participants=request.notify_participants,
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
        )
        return pb.CancelSessionResponse(
            session=session_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def CreateZoomMeeting(
        self,
        request: pb.CreateZoomMeetingRequest,
        context: grpc.aio.ServicerContext[
            pb.CreateZoomMeetingRequest, pb.CreateZoomMeetingResponse
        ],
    ) -> pb.CreateZoomMeetingResponse:
        result = await sessions.create_zoom_meeting(
            commands.CreateZoomMeeting(
                session_id=request.session_id,
                meeting_settings=_settings_in(request.meeting_settings),
            ),
            uow=self._uow(),
            caller=current_caller(),
            zoom=self._zoom,
        )
        return pb.CreateZoomMeetingResponse(
            session=session_out(result.view), warnings=warnings_out(result.warnings)
        )

    async def GetStartUrl(
        self,
        request: pb.GetStartUrlRequest,
        context: grpc.aio.ServicerContext[pb.GetStartUrlRequest, pb.GetStartUrlResponse],
    ) -> pb.GetStartUrlResponse:
        url, expires = await sessions.get_start_url(
            request.session_id, uow=self._uow(), caller=current_caller(), zoom=self._zoom
        )
        return pb.GetStartUrlResponse(start_url=url, expire_time=ts(expires))

    async def GetJoinUrl(
        self,
        request: pb.GetJoinUrlRequest,
        context: grpc.aio.ServicerContext[pb.GetJoinUrlRequest, pb.GetJoinUrlResponse],
    ) -> pb.GetJoinUrlResponse:
        url, registered = await sessions.get_join_url(
            request.session_id, uow=self._uow(), caller=current_caller()
        )
        return pb.GetJoinUrlResponse(join_url=url, registered=registered)

    async def GetCalendarFeed(
        self,
        request: pb.GetCalendarFeedRequest,
        context: grpc.aio.ServicerContext[pb.GetCalendarFeedRequest, pb.CalendarFeed],
    ) -> pb.CalendarFeed:
        feed = await calendar_feed.get_calendar_feed(
            batch_id=request.batch_id,
            validate_only=request.validate_only,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.CalendarFeed(name=feed.name, events=[_event_out(e) for e in feed.events])

    # ---- Participants ----

    async def ListParticipants(
        self,
        request: pb.ListParticipantsRequest,
        context: grpc.aio.ServicerContext[pb.ListParticipantsRequest, pb.ListParticipantsResponse],
    ) -> pb.ListParticipantsResponse:
        page = page_request(
            request.page_size,
            request.page_token,
            [request.session_id, int(request.role), int(request.status)],
            listing="ListParticipants",
        )
        items, total = await classroom.list_participants(
            request.session_id,
            role=ROLE_IN.get(request.role),
            status=PSTATUS_IN.get(request.status),
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListParticipantsResponse(
            participants=[participant_out(v) for v in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def UpdateParticipant(
        self,
        request: pb.UpdateParticipantRequest,
        context: grpc.aio.ServicerContext[pb.UpdateParticipantRequest, pb.Participant],
    ) -> pb.Participant:
        p = request.participant
        read: dict[str, Callable[[Any], Any]] = {
            "role": lambda m: ROLE_IN.get(m.role),
            "shared_screen": lambda m: m.shared_screen,
            "raised_hand": lambda m: m.raised_hand,
            "user_id": lambda m: m.user_id,
        }
        if not p.id:
            raise invalid("participant.id", "required")
        changes = _mask(request.update_mask, p, read, "participant")
        view = await classroom.update_participant(
            commands.UpdateParticipant(
                session_id=p.session_id, participant_id=p.id, changes=changes
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return participant_out(view)

    async def GetAttendanceReport(
        self,
        request: pb.GetAttendanceReportRequest,
        context: grpc.aio.ServicerContext[pb.GetAttendanceReportRequest, pb.AttendanceReport],
    ) -> pb.AttendanceReport:
        report = await attendance.attendance_report(
            request.session_id,
            threshold=request.present_threshold_percentage,
            uow=self._uow(),
            caller=current_caller(),
            default_threshold=self._present_threshold,
        )
        return report_out(report)

    async def GetBatchAttendance(
        self,
        request: pb.GetBatchAttendanceRequest,
        context: grpc.aio.ServicerContext[pb.GetBatchAttendanceRequest, pb.BatchAttendance],
    ) -> pb.BatchAttendance:
        found = await attendance.batch_attendance(
            request.batch_id,
            from_day=_date_in(request.from_date, "from_date"),
            to_day=_date_in(request.to_date, "to_date"),
            threshold=request.present_threshold_percentage,
            uow=self._uow(),
            caller=current_caller(),
            default_threshold=self._present_threshold,
            default_timezone=self._default_timezone,
        )
        return pb.BatchAttendance(
            batch_id=found.batch.id,
            batch_name=found.batch.name,
            course_id=found.batch.course_id,
            timezone=found.timezone,
            present_threshold_percentage=found.present_threshold_percentage,
            sessions=[report_out(r) for r in found.sessions],
        )

    # ---- Interactions ----

    async def CreateInteraction(
        self,
        request: pb.CreateInteractionRequest,
        context: grpc.aio.ServicerContext[pb.CreateInteractionRequest, pb.Interaction],
    ) -> pb.Interaction:
        i = request.interaction
        interaction = await classroom.create_interaction(
            commands.CreateInteraction(
                session_id=request.session_id,
                type=ITYPE_IN.get(i.type),
                content=i.content,
                request_id=request.request_id,
                author_display_name=i.author_display_name,
                anonymous=i.anonymous,
                reply_to_id=i.reply_to_id,
                poll_id=i.poll_id,
                poll_question_id=i.poll_question_id,
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return interaction_out(interaction)

    async def ListInteractions(
        self,
        request: pb.ListInteractionsRequest,
        context: grpc.aio.ServicerContext[pb.ListInteractionsRequest, pb.ListInteractionsResponse],
    ) -> pb.ListInteractionsResponse:
        types = []
        for value in request.types:
            if value not in ITYPE_IN:
                raise invalid("types", f"unknown interaction type {value}")
            types.append(ITYPE_IN[value])
        since = _dt(request.since, request.HasField("since"))
        page = page_request(
            request.page_size,
            request.page_token,
            [request.session_id, sorted(t.value for t in types), str(since)],
            listing="ListInteractions",
        )
        items, total = await classroom.list_interactions(
            request.session_id,
            types=types,
            since=since,
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListInteractionsResponse(
            interactions=[interaction_out(i) for i in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    # ---- Shared resources ----

    async def CreateSharedResource(
        self,
        request: pb.CreateSharedResourceRequest,
        context: grpc.aio.ServicerContext[pb.CreateSharedResourceRequest, pb.SharedResource],
    ) -> pb.SharedResource:
        r = request.resource
        resource = await classroom.create_shared_resource(
            commands.CreateSharedResource(
                session_id=request.session_id,
                type=RTYPE_IN.get(r.type),
                title=r.title,
                request_id=request.request_id,
                description=r.description,
                url=r.url,
                storage_key=r.storage_key,
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return resource_out(resource)

    async def ListSharedResources(
        self,
        request: pb.ListSharedResourcesRequest,
        context: grpc.aio.ServicerContext[
            pb.ListSharedResourcesRequest, pb.ListSharedResourcesResponse
        ],
    ) -> pb.ListSharedResourcesResponse:
        page = page_request(
            request.page_size,
            request.page_token,
            [request.session_id, int(request.type), request.shared_by],
            listing="ListSharedResources",
        )
        items, total = await classroom.list_shared_resources(
            request.session_id,
            type=RTYPE_IN.get(request.type),
            shared_by=request.shared_by,
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListSharedResourcesResponse(
            resources=[resource_out(r) for r in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def DeleteSharedResource(
        self,
        request: pb.DeleteSharedResourceRequest,
        context: grpc.aio.ServicerContext[pb.DeleteSharedResourceRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await classroom.delete_shared_resource(
            commands.DeleteSharedResource(resource_id=request.resource_id),
            uow=self._uow(),
            caller=current_caller(),
        )
        return empty_pb2.Empty()

    # ---- Recorded lessons ----

    async def ListRecordedLessons(
        self,
        request: pb.ListRecordedLessonsRequest,
        context: grpc.aio.ServicerContext[
            pb.ListRecordedLessonsRequest, pb.ListRecordedLessonsResponse
        ],
    ) -> pb.ListRecordedLessonsResponse:
        page = page_request(
            request.page_size,
            request.page_token,
            [request.session_id, int(request.source)],
            listing="ListRecordedLessons",
        )
        items, total = await classroom.list_recorded_lessons(
            request.session_id,
            source=SOURCE_IN.get(request.source),
            page=page,
            uow=self._uow(),
            caller=current_caller(),
        )
        return pb.ListRecordedLessonsResponse(
            recorded_lessons=[lesson_out(x) for x in items],
            next_page_token=page.next_token(total),
            total_size=total,
        )

    async def AddRecordedLesson(
        self,
        request: pb.AddRecordedLessonRequest,
        context: grpc.aio.ServicerContext[pb.AddRecordedLessonRequest, pb.RecordedLesson],
    ) -> pb.RecordedLesson:
        lesson = request.recorded_lesson
        added = await classroom.add_recorded_lesson(
            commands.AddRecordedLesson(
                session_id=request.session_id,
                title=lesson.title,
                source=SOURCE_IN.get(lesson.source),
                request_id=request.request_id,
                recording_id=lesson.recording_id,
                recording_file_id=lesson.recording_file_id,
                external_url=lesson.external_url,
                file_type=int(lesson.file_type),
                file_size_bytes=lesson.file_size_bytes,
                duration_seconds=int(lesson.duration.seconds),
            ),
            uow=self._uow(),
            caller=current_caller(),
        )
        return lesson_out(added)

    async def DeleteRecordedLesson(
        self,
        request: pb.DeleteRecordedLessonRequest,
        context: grpc.aio.ServicerContext[pb.DeleteRecordedLessonRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        await classroom.delete_recorded_lesson(
            commands.DeleteRecordedLesson(recorded_lesson_id=request.recorded_lesson_id),
            uow=self._uow(),
            caller=current_caller(),
        )
        return empty_pb2.Empty()

    # ---- Batch sync status ----

    async def GetBatchSyncStatus(
        self,
        request: pb.GetBatchSyncStatusRequest,
        context: grpc.aio.ServicerContext[pb.GetBatchSyncStatusRequest, pb.BatchSyncStatus],
    ) -> pb.BatchSyncStatus:
        page = page_request(
            request.page_size, request.page_token, [request.batch_id], listing="GetBatchSyncStatus"
        )
        status = await classroom.batch_sync_status(
            request.batch_id, page=page, uow=self._uow(), caller=current_caller()
        )
        rows = []
        for row in status.rows:
            s = row.session
            counts = row.lessons
            rows.append(
                pb.SessionSyncRow(
                    session_id=s.id,
                    session_title=s.title,
                    session_start=ts(s.scheduled_start),
                    session_status=STATUS_OUT[s.status],
                    meeting_id=s.meeting.meeting_id if s.meeting else 0,
                    recording_sync=sync_out(s.recording_sync),
                    recorded_lessons=pb.RecordedLessonCounts(
                        total=sum(counts.values()),
                        zoom_auto_sync=counts.get(LessonSource.ZOOM_AUTO_SYNC, 0),
                        manual_upload=counts.get(LessonSource.MANUAL_UPLOAD, 0),
                        external_link=counts.get(LessonSource.EXTERNAL_LINK, 0),
                        local_folder=counts.get(LessonSource.LOCAL_FOLDER, 0),
                    ),
                )
            )
        return pb.BatchSyncStatus(
            batch_id=status.batch_id,
            batch_name=status.batch_name,
            course_title=status.course_title,
            batch_type=BATCH_TYPES[status.batch_type],
            statistics=pb.BatchSyncStatistics(
                total_sessions=status.total_sessions,
                sessions_with_zoom_meetings=status.sessions_with_zoom_meetings,
                synced_sessions=status.synced_sessions,
                total_zoom_recordings=status.total_zoom_recordings,
                sync_percentage=status.sync_percentage,
            ),
            sessions=rows,
            next_page_token=page.next_token(status.total_rows),
        )

    # ---- Membership ----

    async def ListMemberships(
        self,
        request: pb.ListMembershipsRequest,
        context: grpc.aio.ServicerContext[pb.ListMembershipsRequest, pb.ListMembershipsResponse],
    ) -> pb.ListMembershipsResponse:
        found = await membership.list_memberships(
            request.user_id, tenant_id=request.tenant_id, uow=self._uow()
        )
        return pb.ListMembershipsResponse(
            teaches_batch_ids=sorted(found.teaches_batches),
            attends_batch_ids=sorted(found.attends_batches),
        )


def add_to_server(api: SchedulerApi, server: Any) -> None:
    """Register the service (same shape as the generated ``add_*_to_server``)."""
    pb_grpc.add_SchedulerServiceServicer_to_server(api, server)
