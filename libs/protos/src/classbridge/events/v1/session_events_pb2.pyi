import datetime

from classbridge.common.v1 import common_pb2 as _common_pb2
from classbridge.events.v1 import event_options_pb2 as _event_options_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UnlinkReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNLINK_REASON_UNSPECIFIED: _ClassVar[UnlinkReason]
    UNLINK_REASON_SESSION_CANCELLED: _ClassVar[UnlinkReason]
    UNLINK_REASON_MEETING_DELETED: _ClassVar[UnlinkReason]
    UNLINK_REASON_REPLACED: _ClassVar[UnlinkReason]
UNLINK_REASON_UNSPECIFIED: UnlinkReason
UNLINK_REASON_SESSION_CANCELLED: UnlinkReason
UNLINK_REASON_MEETING_DELETED: UnlinkReason
UNLINK_REASON_REPLACED: UnlinkReason

class SessionMeetingLinked(_message.Message):
    __slots__ = ("occurred_at", "session_id", "session_title", "batch_id", "batch_type", "student_id", "course_id", "course_title", "teacher_id", "tenant_id", "meeting_id", "meeting_uuid", "host_zoom_user_id", "start_time", "duration_minutes", "timezone", "auto_recording", "storage_folder_hint")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    TEACHER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    HOST_ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    AUTO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FOLDER_HINT_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    session_title: str
    batch_id: str
    batch_type: _common_pb2.BatchType
    student_id: str
    course_id: str
    course_title: str
    teacher_id: str
    tenant_id: str
    meeting_id: int
    meeting_uuid: str
    host_zoom_user_id: str
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    timezone: str
    auto_recording: _common_pb2.AutoRecording
    storage_folder_hint: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., student_id: _Optional[str] = ..., course_id: _Optional[str] = ..., course_title: _Optional[str] = ..., teacher_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., host_zoom_user_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., timezone: _Optional[str] = ..., auto_recording: _Optional[_Union[_common_pb2.AutoRecording, str]] = ..., storage_folder_hint: _Optional[str] = ...) -> None: ...

class SessionMeetingUnlinked(_message.Message):
    __slots__ = ("occurred_at", "session_id", "batch_id", "meeting_id", "meeting_uuid", "reason", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    batch_id: str
    meeting_id: int
    meeting_uuid: str
    reason: UnlinkReason
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., reason: _Optional[_Union[UnlinkReason, str]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SessionCancelled(_message.Message):
    __slots__ = ("occurred_at", "session_id", "session_title", "batch_id", "course_id", "meeting_id", "scheduled_start", "reason", "notify_participants", "cancelled_by", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_BY_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    scheduled_start: _timestamp_pb2.Timestamp
    reason: str
    notify_participants: bool
    cancelled_by: str
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., notify_participants: _Optional[bool] = ..., cancelled_by: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SessionUpdated(_message.Message):
    __slots__ = ("occurred_at", "session_id", "batch_id", "meeting_id", "changed_fields", "title", "scheduled_start", "scheduled_end", "timezone", "duration_minutes", "previous_scheduled_start", "previous_scheduled_end", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_END_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SCHEDULED_END_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    batch_id: str
    meeting_id: int
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    title: str
    scheduled_start: _timestamp_pb2.Timestamp
    scheduled_end: _timestamp_pb2.Timestamp
    timezone: str
    duration_minutes: int
    previous_scheduled_start: _timestamp_pb2.Timestamp
    previous_scheduled_end: _timestamp_pb2.Timestamp
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., changed_fields: _Optional[_Iterable[str]] = ..., title: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., previous_scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_scheduled_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SessionStarted(_message.Message):
    __slots__ = ("occurred_at", "session_id", "session_title", "batch_id", "course_id", "meeting_id", "meeting_uuid", "started_at", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    meeting_uuid: str
    started_at: _timestamp_pb2.Timestamp
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SessionEnded(_message.Message):
    __slots__ = ("occurred_at", "session_id", "session_title", "batch_id", "course_id", "meeting_id", "meeting_uuid", "started_at", "ended_at", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_id: int
    meeting_uuid: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class SessionAttendanceReady(_message.Message):
    __slots__ = ("occurred_at", "session_id", "session_title", "batch_id", "course_id", "meeting_uuid", "participants", "complete", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    session_id: str
    session_title: str
    batch_id: str
    course_id: str
    meeting_uuid: str
    participants: int
    complete: bool
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ..., participants: _Optional[int] = ..., complete: _Optional[bool] = ..., tenant_id: _Optional[str] = ...) -> None: ...
