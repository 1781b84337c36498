import datetime

from classbridge.common.v1 import common_pb2 as _common_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_STATE_UNSPECIFIED: _ClassVar[SyncState]
    SYNC_STATE_PENDING: _ClassVar[SyncState]
    SYNC_STATE_WAITING_FOR_RECORDING: _ClassVar[SyncState]
    SYNC_STATE_DOWNLOADING: _ClassVar[SyncState]
    SYNC_STATE_SYNCED: _ClassVar[SyncState]
    SYNC_STATE_FAILED: _ClassVar[SyncState]
    SYNC_STATE_NO_RECORDING: _ClassVar[SyncState]
    SYNC_STATE_CANCELLED: _ClassVar[SyncState]

class SyncTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_TRIGGER_UNSPECIFIED: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_WEBHOOK: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_SWEEP: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_MANUAL: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_RETRY: _ClassVar[SyncTrigger]
    SYNC_TRIGGER_WATCHER: _ClassVar[SyncTrigger]

class FileState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_STATE_UNSPECIFIED: _ClassVar[FileState]
    FILE_STATE_PENDING: _ClassVar[FileState]
    FILE_STATE_TRANSFERRING: _ClassVar[FileState]
    FILE_STATE_STORED: _ClassVar[FileState]
    FILE_STATE_FAILED: _ClassVar[FileState]
    FILE_STATE_SKIPPED: _ClassVar[FileState]
    FILE_STATE_DELETED: _ClassVar[FileState]

class ManualUploadState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MANUAL_UPLOAD_STATE_UNSPECIFIED: _ClassVar[ManualUploadState]
    MANUAL_UPLOAD_STATE_UPLOADING: _ClassVar[ManualUploadState]
    MANUAL_UPLOAD_STATE_COMPLETED: _ClassVar[ManualUploadState]
    MANUAL_UPLOAD_STATE_FAILED: _ClassVar[ManualUploadState]

class AccessScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_SCOPE_UNSPECIFIED: _ClassVar[AccessScope]
    ACCESS_SCOPE_PUBLIC: _ClassVar[AccessScope]
    ACCESS_SCOPE_ENROLLED_STUDENTS: _ClassVar[AccessScope]
    ACCESS_SCOPE_SPECIFIC_USER: _ClassVar[AccessScope]

class AccessLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCESS_LEVEL_UNSPECIFIED: _ClassVar[AccessLevel]
    ACCESS_LEVEL_VIEW: _ClassVar[AccessLevel]
    ACCESS_LEVEL_DOWNLOAD: _ClassVar[AccessLevel]
    ACCESS_LEVEL_EDIT: _ClassVar[AccessLevel]

class Disposition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPOSITION_UNSPECIFIED: _ClassVar[Disposition]
    DISPOSITION_INLINE: _ClassVar[Disposition]
    DISPOSITION_ATTACHMENT: _ClassVar[Disposition]

class WatchedFileState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WATCHED_FILE_STATE_UNSPECIFIED: _ClassVar[WatchedFileState]
    WATCHED_FILE_STATE_SETTLING: _ClassVar[WatchedFileState]
    WATCHED_FILE_STATE_UPLOADING: _ClassVar[WatchedFileState]
    WATCHED_FILE_STATE_UPLOADED: _ClassVar[WatchedFileState]
    WATCHED_FILE_STATE_FAILED: _ClassVar[WatchedFileState]
    WATCHED_FILE_STATE_UNMATCHED: _ClassVar[WatchedFileState]

class PolicySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_SOURCE_UNSPECIFIED: _ClassVar[PolicySource]
    POLICY_SOURCE_BUILT_IN: _ClassVar[PolicySource]
    POLICY_SOURCE_TENANT: _ClassVar[PolicySource]
    POLICY_SOURCE_COURSE: _ClassVar[PolicySource]

class ProcessingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROCESSING_STATUS_UNSPECIFIED: _ClassVar[ProcessingStatus]
    PROCESSING_STATUS_PENDING: _ClassVar[ProcessingStatus]
    PROCESSING_STATUS_PROCESSING: _ClassVar[ProcessingStatus]
    PROCESSING_STATUS_COMPLETED: _ClassVar[ProcessingStatus]
    PROCESSING_STATUS_FAILED: _ClassVar[ProcessingStatus]

class SegmentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEGMENT_KIND_UNSPECIFIED: _ClassVar[SegmentKind]
    SEGMENT_KIND_TRANSCRIPT: _ClassVar[SegmentKind]
    SEGMENT_KIND_CAPTION: _ClassVar[SegmentKind]
    SEGMENT_KIND_CHAT: _ClassVar[SegmentKind]
    SEGMENT_KIND_SUMMARY: _ClassVar[SegmentKind]
SYNC_STATE_UNSPECIFIED: SyncState
SYNC_STATE_PENDING: SyncState
SYNC_STATE_WAITING_FOR_RECORDING: SyncState
SYNC_STATE_DOWNLOADING: SyncState
SYNC_STATE_SYNCED: SyncState
SYNC_STATE_FAILED: SyncState
SYNC_STATE_NO_RECORDING: SyncState
SYNC_STATE_CANCELLED: SyncState
SYNC_TRIGGER_UNSPECIFIED: SyncTrigger
SYNC_TRIGGER_WEBHOOK: SyncTrigger
SYNC_TRIGGER_SWEEP: SyncTrigger
SYNC_TRIGGER_MANUAL: SyncTrigger
SYNC_TRIGGER_RETRY: SyncTrigger
SYNC_TRIGGER_WATCHER: SyncTrigger
FILE_STATE_UNSPECIFIED: FileState
FILE_STATE_PENDING: FileState
FILE_STATE_TRANSFERRING: FileState
FILE_STATE_STORED: FileState
FILE_STATE_FAILED: FileState
FILE_STATE_SKIPPED: FileState
FILE_STATE_DELETED: FileState
MANUAL_UPLOAD_STATE_UNSPECIFIED: ManualUploadState
MANUAL_UPLOAD_STATE_UPLOADING: ManualUploadState
MANUAL_UPLOAD_STATE_COMPLETED: ManualUploadState
MANUAL_UPLOAD_STATE_FAILED: ManualUploadState
ACCESS_SCOPE_UNSPECIFIED: AccessScope
ACCESS_SCOPE_PUBLIC: AccessScope
ACCESS_SCOPE_ENROLLED_STUDENTS: AccessScope
ACCESS_SCOPE_SPECIFIC_USER: AccessScope
ACCESS_LEVEL_UNSPECIFIED: AccessLevel
ACCESS_LEVEL_VIEW: AccessLevel
ACCESS_LEVEL_DOWNLOAD: AccessLevel
ACCESS_LEVEL_EDIT: AccessLevel
DISPOSITION_UNSPECIFIED: Disposition
DISPOSITION_INLINE: Disposition
DISPOSITION_ATTACHMENT: Disposition
WATCHED_FILE_STATE_UNSPECIFIED: WatchedFileState
WATCHED_FILE_STATE_SETTLING: WatchedFileState
WATCHED_FILE_STATE_UPLOADING: WatchedFileState
WATCHED_FILE_STATE_UPLOADED: WatchedFileState
WATCHED_FILE_STATE_FAILED: WatchedFileState
WATCHED_FILE_STATE_UNMATCHED: WatchedFileState
POLICY_SOURCE_UNSPECIFIED: PolicySource
POLICY_SOURCE_BUILT_IN: PolicySource
POLICY_SOURCE_TENANT: PolicySource
POLICY_SOURCE_COURSE: PolicySource
PROCESSING_STATUS_UNSPECIFIED: ProcessingStatus
PROCESSING_STATUS_PENDING: ProcessingStatus
PROCESSING_STATUS_PROCESSING: ProcessingStatus
PROCESSING_STATUS_COMPLETED: ProcessingStatus
PROCESSING_STATUS_FAILED: ProcessingStatus
SEGMENT_KIND_UNSPECIFIED: SegmentKind
SEGMENT_KIND_TRANSCRIPT: SegmentKind
SEGMENT_KIND_CAPTION: SegmentKind
SEGMENT_KIND_CHAT: SegmentKind
SEGMENT_KIND_SUMMARY: SegmentKind

class SyncJob(_message.Message):
    __slots__ = ("id", "meeting_id", "meeting_uuid", "session_id", "batch_id", "batch_type", "student_id", "state", "trigger", "attempts", "max_attempts", "next_attempt_time", "last_error", "last_error_type", "force", "file_count", "files_done", "bytes_total", "bytes_done", "recording_id", "create_time", "update_time", "start_time", "finish_time", "lease_owner", "lease_expire_time", "heartbeat_time", "lease_generation", "files", "deliverable")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILES_DONE_FIELD_NUMBER: _ClassVar[int]
    BYTES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    BYTES_DONE_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    LEASE_OWNER_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    LEASE_GENERATION_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    meeting_id: int
    meeting_uuid: str
    session_id: str
    batch_id: str
    batch_type: _common_pb2.BatchType
    student_id: str
    state: SyncState
    trigger: SyncTrigger
    attempts: int
    max_attempts: int
    next_attempt_time: _timestamp_pb2.Timestamp
    last_error: str
    last_error_type: _common_pb2.SyncErrorType
    force: bool
    file_count: int
    files_done: int
    bytes_total: int
    bytes_done: int
    recording_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    lease_owner: str
    lease_expire_time: _timestamp_pb2.Timestamp
    heartbeat_time: _timestamp_pb2.Timestamp
    lease_generation: int
    files: _containers.RepeatedCompositeFieldContainer[RecordingFile]
    deliverable: Deliverable
    def __init__(self, id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., student_id: _Optional[str] = ..., state: _Optional[_Union[SyncState, str]] = ..., trigger: _Optional[_Union[SyncTrigger, str]] = ..., attempts: _Optional[int] = ..., max_attempts: _Optional[int] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., last_error_type: _Optional[_Union[_common_pb2.SyncErrorType, str]] = ..., force: _Optional[bool] = ..., file_count: _Optional[int] = ..., files_done: _Optional[int] = ..., bytes_total: _Optional[int] = ..., bytes_done: _Optional[int] = ..., recording_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_owner: _Optional[str] = ..., lease_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., heartbeat_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_generation: _Optional[int] = ..., files: _Optional[_Iterable[_Union[RecordingFile, _Mapping]]] = ..., deliverable: _Optional[_Union[Deliverable, _Mapping]] = ...) -> None: ...

class Deliverable(_message.Message):
    __slots__ = ("recording_id", "processing_status", "transcription_text", "summary", "action_items", "error")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPTION_TEXT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    processing_status: ProcessingStatus
    transcription_text: str
    summary: str
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    error: str
    def __init__(self, recording_id: _Optional[str] = ..., processing_status: _Optional[_Union[ProcessingStatus, str]] = ..., transcription_text: _Optional[str] = ..., summary: _Optional[str] = ..., action_items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ..., error: _Optional[str] = ...) -> None: ...

class SyncMeetingRequest(_message.Message):
    __slots__ = ("session_id", "meeting_uuid", "meeting_id", "force")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    meeting_uuid: str
    meeting_id: int
    force: bool
    def __init__(self, session_id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ..., meeting_id: _Optional[int] = ..., force: _Optional[bool] = ...) -> None: ...

class SyncBatchRequest(_message.Message):
    __slots__ = ("batch_id", "force")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    force: bool
    def __init__(self, batch_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class SyncBatchResponse(_message.Message):
    __slots__ = ("jobs", "skipped_synced", "skipped_not_ended")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_SYNCED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_NOT_ENDED_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[SyncJob]
    skipped_synced: int
    skipped_not_ended: int
    def __init__(self, jobs: _Optional[_Iterable[_Union[SyncJob, _Mapping]]] = ..., skipped_synced: _Optional[int] = ..., skipped_not_ended: _Optional[int] = ...) -> None: ...

class RetrySyncRequest(_message.Message):
    __slots__ = ("job_id", "session_id", "batch_id")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    session_id: str
    batch_id: str
    def __init__(self, job_id: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class RetrySyncResponse(_message.Message):
    __slots__ = ("jobs",)
    JOBS_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[SyncJob]
    def __init__(self, jobs: _Optional[_Iterable[_Union[SyncJob, _Mapping]]] = ...) -> None: ...

class GetSyncJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class SyncJobStatistics(_message.Message):
    __slots__ = ("total_jobs", "pending", "waiting_for_recording", "downloading", "synced", "failed", "no_recording", "total_files", "total_bytes", "sync_percentage")
    TOTAL_JOBS_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_RECORDING_FIELD_NUMBER: _ClassVar[int]
    DOWNLOADING_FIELD_NUMBER: _ClassVar[int]
    SYNCED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    NO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FILES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    SYNC_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    total_jobs: int
    pending: int
    waiting_for_recording: int
    downloading: int
    synced: int
    failed: int
    no_recording: int
    total_files: int
    total_bytes: int
    sync_percentage: float
    def __init__(self, total_jobs: _Optional[int] = ..., pending: _Optional[int] = ..., waiting_for_recording: _Optional[int] = ..., downloading: _Optional[int] = ..., synced: _Optional[int] = ..., failed: _Optional[int] = ..., no_recording: _Optional[int] = ..., total_files: _Optional[int] = ..., total_bytes: _Optional[int] = ..., sync_percentage: _Optional[float] = ...) -> None: ...

class GetSyncStatusRequest(_message.Message):
    __slots__ = ("batch_id", "session_id", "meeting_uuid")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    session_id: str
    meeting_uuid: str
    def __init__(self, batch_id: _Optional[str] = ..., session_id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ...) -> None: ...

class GetSyncStatusResponse(_message.Message):
    __slots__ = ("statistics", "jobs")
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    statistics: SyncJobStatistics
    jobs: _containers.RepeatedCompositeFieldContainer[SyncJob]
    def __init__(self, statistics: _Optional[_Union[SyncJobStatistics, _Mapping]] = ..., jobs: _Optional[_Iterable[_Union[SyncJob, _Mapping]]] = ...) -> None: ...

class ListSyncJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "batch_id", "session_id", "states", "updated_after")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    batch_id: str
    session_id: str
    states: _containers.RepeatedScalarFieldContainer[SyncState]
    updated_after: _timestamp_pb2.Timestamp
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., batch_id: _Optional[str] = ..., session_id: _Optional[str] = ..., states: _Optional[_Iterable[_Union[SyncState, str]]] = ..., updated_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListSyncJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token", "total_size")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[SyncJob]
    next_page_token: str
    total_size: int
    def __init__(self, jobs: _Optional[_Iterable[_Union[SyncJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class RecordingFile(_message.Message):
    __slots__ = ("id", "recording_id", "zoom_file_id", "file_type", "zoom_file_type", "file_extension", "recording_type", "content_type", "size_bytes", "sha256", "storage_key", "file_name", "recording_start", "recording_end", "state", "lesson_title", "store_time", "attempts", "last_error", "last_error_type", "next_attempt_time", "zoom_size_bytes", "bytes_done", "lesson_kind", "part", "verify_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    RECORDING_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LESSON_TITLE_FIELD_NUMBER: _ClassVar[int]
    STORE_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    ZOOM_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    BYTES_DONE_FIELD_NUMBER: _ClassVar[int]
    LESSON_KIND_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    recording_id: str
    zoom_file_id: str
    file_type: _common_pb2.RecordingFileType
    zoom_file_type: str
    file_extension: str
    recording_type: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    file_name: str
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    state: FileState
    lesson_title: str
    store_time: _timestamp_pb2.Timestamp
    attempts: int
    last_error: str
    last_error_type: _common_pb2.SyncErrorType
    next_attempt_time: _timestamp_pb2.Timestamp
    zoom_size_bytes: int
    bytes_done: int
    lesson_kind: str
    part: int
    verify_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., recording_id: _Optional[str] = ..., zoom_file_id: _Optional[str] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., zoom_file_type: _Optional[str] = ..., file_extension: _Optional[str] = ..., recording_type: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., storage_key: _Optional[str] = ..., file_name: _Optional[str] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[FileState, str]] = ..., lesson_title: _Optional[str] = ..., store_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., last_error_type: _Optional[_Union[_common_pb2.SyncErrorType, str]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., zoom_size_bytes: _Optional[int] = ..., bytes_done: _Optional[int] = ..., lesson_kind: _Optional[str] = ..., part: _Optional[int] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallerAccess(_message.Message):
    __slots__ = ("can_view", "can_download", "can_edit", "expire_time")
    CAN_VIEW_FIELD_NUMBER: _ClassVar[int]
    CAN_DOWNLOAD_FIELD_NUMBER: _ClassVar[int]
    CAN_EDIT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    can_view: bool
    can_download: bool
    can_edit: bool
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, can_view: _Optional[bool] = ..., can_download: _Optional[bool] = ..., can_edit: _Optional[bool] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Recording(_message.Message):
    __slots__ = ("id", "source", "session_id", "batch_id", "batch_type", "student_id", "meeting_id", "meeting_uuid", "topic", "start_time", "duration", "total_size_bytes", "files", "caller_access", "create_time", "sync_time", "processing_status", "transcription_text", "summary", "action_items", "processing")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CALLER_ACCESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPTION_TEXT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FIELD_NUMBER: _ClassVar[int]
    id: str
    source: _common_pb2.RecordingSource
    session_id: str
    batch_id: str
    batch_type: _common_pb2.BatchType
    student_id: str
    meeting_id: int
    meeting_uuid: str
    topic: str
    start_time: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    total_size_bytes: int
    files: _containers.RepeatedCompositeFieldContainer[RecordingFile]
    caller_access: CallerAccess
    create_time: _timestamp_pb2.Timestamp
    sync_time: _timestamp_pb2.Timestamp
    processing_status: ProcessingStatus
    transcription_text: str
    summary: str
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    processing: RecordingProcessing
    def __init__(self, id: _Optional[str] = ..., source: _Optional[_Union[_common_pb2.RecordingSource, str]] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., student_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., topic: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., total_size_bytes: _Optional[int] = ..., files: _Optional[_Iterable[_Union[RecordingFile, _Mapping]]] = ..., caller_access: _Optional[_Union[CallerAccess, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., processing_status: _Optional[_Union[ProcessingStatus, str]] = ..., transcription_text: _Optional[str] = ..., summary: _Optional[str] = ..., action_items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ..., processing: _Optional[_Union[RecordingProcessing, _Mapping]] = ...) -> None: ...

class ListRecordingsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "session_id", "batch_id", "student_id", "meeting_uuid", "source")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    session_id: str
    batch_id: str
    student_id: str
    meeting_uuid: str
    source: _common_pb2.RecordingSource
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., student_id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ..., source: _Optional[_Union[_common_pb2.RecordingSource, str]] = ...) -> None: ...

class ListRecordingsResponse(_message.Message):
    __slots__ = ("recordings", "next_page_token", "total_size")
    RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    recordings: _containers.RepeatedCompositeFieldContainer[Recording]
    next_page_token: str
    total_size: int
    def __init__(self, recordings: _Optional[_Iterable[_Union[Recording, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetRecordingRequest(_message.Message):
    __slots__ = ("recording_id",)
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    def __init__(self, recording_id: _Optional[str] = ...) -> None: ...

class DeleteRecordingRequest(_message.Message):
    __slots__ = ("recording_id", "delete_from_zoom")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    DELETE_FROM_ZOOM_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    delete_from_zoom: bool
    def __init__(self, recording_id: _Optional[str] = ..., delete_from_zoom: _Optional[bool] = ...) -> None: ...

class CreateManualUploadRequest(_message.Message):
    __slots__ = ("request_id", "session_id", "file_name", "size_bytes", "sha256", "lesson_title")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    LESSON_TITLE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_id: str
    file_name: str
    size_bytes: int
    sha256: str
    lesson_title: str
    def __init__(self, request_id: _Optional[str] = ..., session_id: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., lesson_title: _Optional[str] = ...) -> None: ...

class ManualUpload(_message.Message):
    __slots__ = ("id", "session_id", "state", "offset", "size_bytes", "file_name", "lesson_title", "content_type", "uploader_id", "recording_id", "expire_time", "create_time", "update_time", "error", "sha256", "error_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    LESSON_TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    UPLOADER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ERROR_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    state: ManualUploadState
    offset: int
    size_bytes: int
    file_name: str
    lesson_title: str
    content_type: str
    uploader_id: str
    recording_id: str
    expire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    error: str
    sha256: str
    error_reason: str
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., state: _Optional[_Union[ManualUploadState, str]] = ..., offset: _Optional[int] = ..., size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ..., lesson_title: _Optional[str] = ..., content_type: _Optional[str] = ..., uploader_id: _Optional[str] = ..., recording_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., sha256: _Optional[str] = ..., error_reason: _Optional[str] = ...) -> None: ...

class ManualUploadChunk(_message.Message):
    __slots__ = ("start", "data")
    START_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    start: ManualUploadAppend
    data: bytes
    def __init__(self, start: _Optional[_Union[ManualUploadAppend, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class ManualUploadAppend(_message.Message):
    __slots__ = ("upload_id", "offset", "last")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    offset: int
    last: bool
    def __init__(self, upload_id: _Optional[str] = ..., offset: _Optional[int] = ..., last: _Optional[bool] = ...) -> None: ...

class GetManualUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class DeleteManualUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class GetManualUploadLimitsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ManualUploadLimits(_message.Message):
    __slots__ = ("max_size_bytes", "content_types", "expire_after")
    MAX_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_AFTER_FIELD_NUMBER: _ClassVar[int]
    max_size_bytes: int
    content_types: _containers.RepeatedScalarFieldContainer[str]
    expire_after: _duration_pb2.Duration
    def __init__(self, max_size_bytes: _Optional[int] = ..., content_types: _Optional[_Iterable[str]] = ..., expire_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AccessGrant(_message.Message):
    __slots__ = ("id", "recording_id", "scope", "user_id", "level", "expire_time", "created_by", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    recording_id: str
    scope: AccessScope
    user_id: str
    level: AccessLevel
    expire_time: _timestamp_pb2.Timestamp
    created_by: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., recording_id: _Optional[str] = ..., scope: _Optional[_Union[AccessScope, str]] = ..., user_id: _Optional[str] = ..., level: _Optional[_Union[AccessLevel, str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateAccessGrantRequest(_message.Message):
    __slots__ = ("request_id", "grant")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GRANT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    grant: AccessGrant
    def __init__(self, request_id: _Optional[str] = ..., grant: _Optional[_Union[AccessGrant, _Mapping]] = ...) -> None: ...

class ListAccessGrantsRequest(_message.Message):
    __slots__ = ("recording_id", "page_size", "page_token", "include_expired")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    page_size: int
    page_token: str
    include_expired: bool
    def __init__(self, recording_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_expired: _Optional[bool] = ...) -> None: ...

class ListAccessGrantsResponse(_message.Message):
    __slots__ = ("grants", "next_page_token", "total_size")
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[AccessGrant]
    next_page_token: str
    total_size: int
    def __init__(self, grants: _Optional[_Iterable[_Union[AccessGrant, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DeleteAccessGrantRequest(_message.Message):
    __slots__ = ("grant_id",)
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    def __init__(self, grant_id: _Optional[str] = ...) -> None: ...

class GetPlaybackUrlRequest(_message.Message):
    __slots__ = ("recording_id", "file_id", "disposition", "ttl")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    file_id: str
    disposition: Disposition
    ttl: _duration_pb2.Duration
    def __init__(self, recording_id: _Optional[str] = ..., file_id: _Optional[str] = ..., disposition: _Optional[_Union[Disposition, str]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PlaybackUrl(_message.Message):
    __slots__ = ("url", "expire_time", "file_id", "content_type", "size_bytes", "file_name", "captions")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CAPTIONS_FIELD_NUMBER: _ClassVar[int]
    url: str
    expire_time: _timestamp_pb2.Timestamp
    file_id: str
    content_type: str
    size_bytes: int
    file_name: str
    captions: _containers.RepeatedCompositeFieldContainer[CaptionTrack]
    def __init__(self, url: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_id: _Optional[str] = ..., content_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ..., captions: _Optional[_Iterable[_Union[CaptionTrack, _Mapping]]] = ...) -> None: ...

class GetWatcherStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartWatcherRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StopWatcherRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetWatchPathRequest(_message.Message):
    __slots__ = ("path", "tenant_id", "host_id")
    PATH_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    tenant_id: str
    host_id: str
    def __init__(self, path: _Optional[str] = ..., tenant_id: _Optional[str] = ..., host_id: _Optional[str] = ...) -> None: ...

class WatchedFile(_message.Message):
    __slots__ = ("path", "state", "size_bytes", "meeting_id", "topic", "recording_start", "session_id", "recording_id", "sha256", "error", "attempts", "detect_time", "update_time")
    PATH_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    DETECT_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    path: str
    state: WatchedFileState
    size_bytes: int
    meeting_id: int
    topic: str
    recording_start: _timestamp_pb2.Timestamp
    session_id: str
    recording_id: str
    sha256: str
    error: str
    attempts: int
    detect_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, path: _Optional[str] = ..., state: _Optional[_Union[WatchedFileState, str]] = ..., size_bytes: _Optional[int] = ..., meeting_id: _Optional[int] = ..., topic: _Optional[str] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ..., recording_id: _Optional[str] = ..., sha256: _Optional[str] = ..., error: _Optional[str] = ..., attempts: _Optional[int] = ..., detect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatcherStatus(_message.Message):
    __slots__ = ("running", "watch_path", "extensions", "settle_time", "start_time", "files_detected", "files_pending", "files_uploaded", "files_failed", "last_event_time", "last_error", "files", "files_unmatched", "watch_root", "tenant_id", "host_id")
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    WATCH_PATH_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    SETTLE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FILES_DETECTED_FIELD_NUMBER: _ClassVar[int]
    FILES_PENDING_FIELD_NUMBER: _ClassVar[int]
    FILES_UPLOADED_FIELD_NUMBER: _ClassVar[int]
    FILES_FAILED_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    FILES_UNMATCHED_FIELD_NUMBER: _ClassVar[int]
    WATCH_ROOT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    running: bool
    watch_path: str
    extensions: _containers.RepeatedScalarFieldContainer[str]
    settle_time: _duration_pb2.Duration
    start_time: _timestamp_pb2.Timestamp
    files_detected: int
    files_pending: int
    files_uploaded: int
    files_failed: int
    last_event_time: _timestamp_pb2.Timestamp
    last_error: str
    files: _containers.RepeatedCompositeFieldContainer[WatchedFile]
    files_unmatched: int
    watch_root: str
    tenant_id: str
    host_id: str
    def __init__(self, running: _Optional[bool] = ..., watch_path: _Optional[str] = ..., extensions: _Optional[_Iterable[str]] = ..., settle_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., files_detected: _Optional[int] = ..., files_pending: _Optional[int] = ..., files_uploaded: _Optional[int] = ..., files_failed: _Optional[int] = ..., last_event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., files: _Optional[_Iterable[_Union[WatchedFile, _Mapping]]] = ..., files_unmatched: _Optional[int] = ..., watch_root: _Optional[str] = ..., tenant_id: _Optional[str] = ..., host_id: _Optional[str] = ...) -> None: ...

class MatchLocalRecordingRequest(_message.Message):
    __slots__ = ("meeting_id", "start_time", "topic")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    start_time: _timestamp_pb2.Timestamp
    topic: str
    def __init__(self, meeting_id: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., topic: _Optional[str] = ...) -> None: ...

class LocalRecordingMatch(_message.Message):
    __slots__ = ("session_id", "meeting_id", "batch_id", "session_title", "session_start", "matched_by")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_START_FIELD_NUMBER: _ClassVar[int]
    MATCHED_BY_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    meeting_id: int
    batch_id: str
    session_title: str
    session_start: _timestamp_pb2.Timestamp
    matched_by: str
    def __init__(self, session_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., batch_id: _Optional[str] = ..., session_title: _Optional[str] = ..., session_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., matched_by: _Optional[str] = ...) -> None: ...

class GetSyncStatisticsRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "batch_id")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    batch_id: str
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., batch_id: _Optional[str] = ...) -> None: ...

class ErrorCount(_message.Message):
    __slots__ = ("error_type", "count")
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    error_type: _common_pb2.SyncErrorType
    count: int
    def __init__(self, error_type: _Optional[_Union[_common_pb2.SyncErrorType, str]] = ..., count: _Optional[int] = ...) -> None: ...

class SyncStatistics(_message.Message):
    __slots__ = ("jobs_finished", "jobs_synced", "success_rate", "average_processing_time", "recordings_count", "files_count", "storage_used_bytes", "errors_by_type", "jobs_in_progress")
    JOBS_FINISHED_FIELD_NUMBER: _ClassVar[int]
    JOBS_SYNCED_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PROCESSING_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDINGS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FILES_COUNT_FIELD_NUMBER: _ClassVar[int]
    STORAGE_USED_BYTES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    JOBS_IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    jobs_finished: int
    jobs_synced: int
    success_rate: float
    average_processing_time: _duration_pb2.Duration
    recordings_count: int
    files_count: int
    storage_used_bytes: int
    errors_by_type: _containers.RepeatedCompositeFieldContainer[ErrorCount]
    jobs_in_progress: int
    def __init__(self, jobs_finished: _Optional[int] = ..., jobs_synced: _Optional[int] = ..., success_rate: _Optional[float] = ..., average_processing_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., recordings_count: _Optional[int] = ..., files_count: _Optional[int] = ..., storage_used_bytes: _Optional[int] = ..., errors_by_type: _Optional[_Iterable[_Union[ErrorCount, _Mapping]]] = ..., jobs_in_progress: _Optional[int] = ...) -> None: ...

class SyncPolicy(_message.Message):
    __slots__ = ("course_id", "tenant_id", "copy_recordings", "delete_from_zoom_after_days", "student_access_end_time", "copy_recordings_source", "delete_from_zoom_after_days_source", "student_access_end_time_source", "has_own_policy", "update_time", "updated_by")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    COPY_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    DELETE_FROM_ZOOM_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ACCESS_END_TIME_FIELD_NUMBER: _ClassVar[int]
    COPY_RECORDINGS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    DELETE_FROM_ZOOM_AFTER_DAYS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ACCESS_END_TIME_SOURCE_FIELD_NUMBER: _ClassVar[int]
    HAS_OWN_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    tenant_id: str
    copy_recordings: bool
    delete_from_zoom_after_days: int
    student_access_end_time: _timestamp_pb2.Timestamp
    copy_recordings_source: PolicySource
    delete_from_zoom_after_days_source: PolicySource
    student_access_end_time_source: PolicySource
    has_own_policy: bool
    update_time: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, course_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., copy_recordings: _Optional[bool] = ..., delete_from_zoom_after_days: _Optional[int] = ..., student_access_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., copy_recordings_source: _Optional[_Union[PolicySource, str]] = ..., delete_from_zoom_after_days_source: _Optional[_Union[PolicySource, str]] = ..., student_access_end_time_source: _Optional[_Union[PolicySource, str]] = ..., has_own_policy: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class GetSyncPolicyRequest(_message.Message):
    __slots__ = ("course_id", "tenant_id")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    tenant_id: str
    def __init__(self, course_id: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class UpdateSyncPolicyRequest(_message.Message):
    __slots__ = ("course_id", "tenant_id", "copy_recordings", "delete_from_zoom_after_days", "student_access_end_time", "update_mask")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    COPY_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    DELETE_FROM_ZOOM_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ACCESS_END_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    tenant_id: str
    copy_recordings: bool
    delete_from_zoom_after_days: int
    student_access_end_time: _timestamp_pb2.Timestamp
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, course_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., copy_recordings: _Optional[bool] = ..., delete_from_zoom_after_days: _Optional[int] = ..., student_access_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ActionItem(_message.Message):
    __slots__ = ("text", "assignee", "start_seconds", "speaker")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    text: str
    assignee: str
    start_seconds: float
    speaker: str
    def __init__(self, text: _Optional[str] = ..., assignee: _Optional[str] = ..., start_seconds: _Optional[float] = ..., speaker: _Optional[str] = ...) -> None: ...

class RecordingProcessing(_message.Message):
    __slots__ = ("recording_id", "status", "attempts", "max_attempts", "error", "next_attempt_time", "update_time", "finish_time", "transcript_source", "summary_source", "segment_count")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    status: ProcessingStatus
    attempts: int
    max_attempts: int
    error: str
    next_attempt_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    transcript_source: str
    summary_source: str
    segment_count: int
    def __init__(self, recording_id: _Optional[str] = ..., status: _Optional[_Union[ProcessingStatus, str]] = ..., attempts: _Optional[int] = ..., max_attempts: _Optional[int] = ..., error: _Optional[str] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transcript_source: _Optional[str] = ..., summary_source: _Optional[str] = ..., segment_count: _Optional[int] = ...) -> None: ...

class TranscriptSegment(_message.Message):
    __slots__ = ("id", "kind", "sequence", "start_seconds", "end_seconds", "speaker", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: SegmentKind
    sequence: int
    start_seconds: float
    end_seconds: float
    speaker: str
    text: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[SegmentKind, str]] = ..., sequence: _Optional[int] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., speaker: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class GetTranscriptRequest(_message.Message):
    __slots__ = ("recording_id", "kinds", "page_size", "page_token")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    kinds: _containers.RepeatedScalarFieldContainer[SegmentKind]
    page_size: int
    page_token: str
    def __init__(self, recording_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[SegmentKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("recording_id", "processing", "summary", "action_items", "segments", "next_page_token", "total_size")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    processing: RecordingProcessing
    summary: str
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    segments: _containers.RepeatedCompositeFieldContainer[TranscriptSegment]
    next_page_token: str
    total_size: int
    def __init__(self, recording_id: _Optional[str] = ..., processing: _Optional[_Union[RecordingProcessing, _Mapping]] = ..., summary: _Optional[str] = ..., action_items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ..., segments: _Optional[_Iterable[_Union[TranscriptSegment, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class SearchTranscriptsRequest(_message.Message):
    __slots__ = ("query", "recording_id", "session_id", "batch_id", "kinds", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    recording_id: str
    session_id: str
    batch_id: str
    kinds: _containers.RepeatedScalarFieldContainer[SegmentKind]
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., recording_id: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[SegmentKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TranscriptHit(_message.Message):
    __slots__ = ("recording_id", "segment_id", "kind", "start_seconds", "end_seconds", "speaker", "snippet", "session_id", "batch_id", "topic", "recording_start_time")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_TIME_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    segment_id: str
    kind: SegmentKind
    start_seconds: float
    end_seconds: float
    speaker: str
    snippet: str
    session_id: str
    batch_id: str
    topic: str
    recording_start_time: _timestamp_pb2.Timestamp
    def __init__(self, recording_id: _Optional[str] = ..., segment_id: _Optional[str] = ..., kind: _Optional[_Union[SegmentKind, str]] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., speaker: _Optional[str] = ..., snippet: _Optional[str] = ..., session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., topic: _Optional[str] = ..., recording_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SearchTranscriptsResponse(_message.Message):
    __slots__ = ("hits", "next_page_token", "total_size")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[TranscriptHit]
    next_page_token: str
    total_size: int
    def __init__(self, hits: _Optional[_Iterable[_Union[TranscriptHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class CaptionTrack(_message.Message):
    __slots__ = ("url", "expire_time", "file_id", "kind", "label", "language", "content_type")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    url: str
    expire_time: _timestamp_pb2.Timestamp
    file_id: str
    kind: str
    label: str
    language: str
    content_type: str
    def __init__(self, url: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_id: _Optional[str] = ..., kind: _Optional[str] = ..., label: _Optional[str] = ..., language: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class GetCaptionTracksRequest(_message.Message):
    __slots__ = ("recording_id", "ttl")
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    ttl: _duration_pb2.Duration
    def __init__(self, recording_id: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetCaptionTracksResponse(_message.Message):
    __slots__ = ("tracks",)
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    tracks: _containers.RepeatedCompositeFieldContainer[CaptionTrack]
    def __init__(self, tracks: _Optional[_Iterable[_Union[CaptionTrack, _Mapping]]] = ...) -> None: ...

class ReprocessRecordingRequest(_message.Message):
    __slots__ = ("recording_id",)
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    recording_id: str
    def __init__(self, recording_id: _Optional[str] = ...) -> None: ...
