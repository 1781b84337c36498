import datetime

from classbridge.common.v1 import common_pb2 as _common_pb2
from classbridge.events.v1 import event_options_pb2 as _event_options_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RemovalReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMOVAL_REASON_UNSPECIFIED: _ClassVar[RemovalReason]
    REMOVAL_REASON_ZOOM_DELETED: _ClassVar[RemovalReason]
    REMOVAL_REASON_DELETED_BY_USER: _ClassVar[RemovalReason]
    REMOVAL_REASON_RETENTION: _ClassVar[RemovalReason]
REMOVAL_REASON_UNSPECIFIED: RemovalReason
REMOVAL_REASON_ZOOM_DELETED: RemovalReason
REMOVAL_REASON_DELETED_BY_USER: RemovalReason
REMOVAL_REASON_RETENTION: RemovalReason

class SyncedFile(_message.Message):
    __slots__ = ("file_id", "zoom_file_id", "file_type", "zoom_file_type", "file_extension", "recording_type", "content_type", "storage_key", "size_bytes", "sha256", "recording_start", "recording_end", "lesson_title", "lesson_kind", "part")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    RECORDING_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    LESSON_TITLE_FIELD_NUMBER: _ClassVar[int]
    LESSON_KIND_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    zoom_file_id: str
    file_type: _common_pb2.RecordingFileType
    zoom_file_type: str
    file_extension: str
    recording_type: str
    content_type: str
    storage_key: str
    size_bytes: int
    sha256: str
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    lesson_title: str
    lesson_kind: str
    part: int
    def __init__(self, file_id: _Optional[str] = ..., zoom_file_id: _Optional[str] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., zoom_file_type: _Optional[str] = ..., file_extension: _Optional[str] = ..., recording_type: _Optional[str] = ..., content_type: _Optional[str] = ..., storage_key: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lesson_title: _Optional[str] = ..., lesson_kind: _Optional[str] = ..., part: _Optional[int] = ...) -> None: ...

class RecordingSynced(_message.Message):
    __slots__ = ("occurred_at", "recording_id", "sync_job_id", "source", "session_id", "batch_id", "batch_type", "student_id", "course_id", "meeting_id", "meeting_uuid", "files", "attempts", "processing_time", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SYNC_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    recording_id: str
    sync_job_id: str
    source: _common_pb2.RecordingSource
    session_id: str
    batch_id: str
    batch_type: _common_pb2.BatchType
    student_id: str
    course_id: str
    meeting_id: int
    meeting_uuid: str
    files: _containers.RepeatedCompositeFieldContainer[SyncedFile]
    attempts: int
    processing_time: _duration_pb2.Duration
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_id: _Optional[str] = ..., sync_job_id: _Optional[str] = ..., source: _Optional[_Union[_common_pb2.RecordingSource, str]] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., student_id: _Optional[str] = ..., course_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., files: _Optional[_Iterable[_Union[SyncedFile, _Mapping]]] = ..., attempts: _Optional[int] = ..., processing_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class RecordingSyncFailed(_message.Message):
    __slots__ = ("occurred_at", "sync_job_id", "session_id", "batch_id", "meeting_id", "meeting_uuid", "attempts", "max_attempts", "error_type", "error_message", "will_retry", "next_attempt_time", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SYNC_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WILL_RETRY_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    sync_job_id: str
    session_id: str
    batch_id: str
    meeting_id: int
    meeting_uuid: str
    attempts: int
    max_attempts: int
    error_type: _common_pb2.SyncErrorType
    error_message: str
    will_retry: bool
    next_attempt_time: _timestamp_pb2.Timestamp
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sync_job_id: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., attempts: _Optional[int] = ..., max_attempts: _Optional[int] = ..., error_type: _Optional[_Union[_common_pb2.SyncErrorType, str]] = ..., error_message: _Optional[str] = ..., will_retry: _Optional[bool] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class RecordingRemoved(_message.Message):
    __slots__ = ("occurred_at", "recording_id", "session_id", "batch_id", "meeting_id", "meeting_uuid", "file_ids", "reason", "removed_by", "tenant_id")
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REMOVED_BY_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    occurred_at: _timestamp_pb2.Timestamp
    recording_id: str
    session_id: str
    batch_id: str
    meeting_id: int
    meeting_uuid: str
    file_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: RemovalReason
    removed_by: str
    tenant_id: str
    def __init__(self, occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_id: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., file_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[_Union[RemovalReason, str]] = ..., removed_by: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...
