import datetime

from classbridge.common.v1 import common_pb2 as _common_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import timeofday_pb2 as _timeofday_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    SESSION_STATUS_SCHEDULED: _ClassVar[SessionStatus]
    SESSION_STATUS_IN_PROGRESS: _ClassVar[SessionStatus]
    SESSION_STATUS_ENDED: _ClassVar[SessionStatus]
    SESSION_STATUS_CANCELLED: _ClassVar[SessionStatus]

class SeriesMeetings(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERIES_MEETINGS_UNSPECIFIED: _ClassVar[SeriesMeetings]
    SERIES_MEETINGS_RECURRING: _ClassVar[SeriesMeetings]
    SERIES_MEETINGS_SEPARATE: _ClassVar[SeriesMeetings]

class PersonRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERSON_ROLE_UNSPECIFIED: _ClassVar[PersonRole]
    PERSON_ROLE_ADMIN: _ClassVar[PersonRole]
    PERSON_ROLE_TEACHER: _ClassVar[PersonRole]
    PERSON_ROLE_STUDENT: _ClassVar[PersonRole]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_HOST: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_CO_HOST: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_PARTICIPANT: _ClassVar[ParticipantRole]

class ParticipantStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_STATUS_UNSPECIFIED: _ClassVar[ParticipantStatus]
    PARTICIPANT_STATUS_NOT_JOINED: _ClassVar[ParticipantStatus]
    PARTICIPANT_STATUS_JOINED: _ClassVar[ParticipantStatus]
    PARTICIPANT_STATUS_LEFT: _ClassVar[ParticipantStatus]

class ReconciliationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILIATION_STATE_UNSPECIFIED: _ClassVar[ReconciliationState]
    RECONCILIATION_STATE_PENDING: _ClassVar[ReconciliationState]
    RECONCILIATION_STATE_DONE: _ClassVar[ReconciliationState]
    RECONCILIATION_STATE_GAVE_UP: _ClassVar[ReconciliationState]

class InteractionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTERACTION_TYPE_UNSPECIFIED: _ClassVar[InteractionType]
    INTERACTION_TYPE_CHAT: _ClassVar[InteractionType]
    INTERACTION_TYPE_QUESTION: _ClassVar[InteractionType]
    INTERACTION_TYPE_POLL_RESPONSE: _ClassVar[InteractionType]
    INTERACTION_TYPE_REACTION: _ClassVar[InteractionType]

class ResourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_TYPE_UNSPECIFIED: _ClassVar[ResourceType]
    RESOURCE_TYPE_SLIDES: _ClassVar[ResourceType]
    RESOURCE_TYPE_DOCUMENT: _ClassVar[ResourceType]
    RESOURCE_TYPE_LINK: _ClassVar[ResourceType]
    RESOURCE_TYPE_VIDEO: _ClassVar[ResourceType]
    RESOURCE_TYPE_IMAGE: _ClassVar[ResourceType]
    RESOURCE_TYPE_CODE: _ClassVar[ResourceType]
    RESOURCE_TYPE_OTHER: _ClassVar[ResourceType]
SESSION_STATUS_UNSPECIFIED: SessionStatus
SESSION_STATUS_SCHEDULED: SessionStatus
SESSION_STATUS_IN_PROGRESS: SessionStatus
SESSION_STATUS_ENDED: SessionStatus
SESSION_STATUS_CANCELLED: SessionStatus
SERIES_MEETINGS_UNSPECIFIED: SeriesMeetings
SERIES_MEETINGS_RECURRING: SeriesMeetings
SERIES_MEETINGS_SEPARATE: SeriesMeetings
PERSON_ROLE_UNSPECIFIED: PersonRole
PERSON_ROLE_ADMIN: PersonRole
PERSON_ROLE_TEACHER: PersonRole
PERSON_ROLE_STUDENT: PersonRole
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_HOST: ParticipantRole
PARTICIPANT_ROLE_CO_HOST: ParticipantRole
PARTICIPANT_ROLE_PARTICIPANT: ParticipantRole
PARTICIPANT_STATUS_UNSPECIFIED: ParticipantStatus
PARTICIPANT_STATUS_NOT_JOINED: ParticipantStatus
PARTICIPANT_STATUS_JOINED: ParticipantStatus
PARTICIPANT_STATUS_LEFT: ParticipantStatus
RECONCILIATION_STATE_UNSPECIFIED: ReconciliationState
RECONCILIATION_STATE_PENDING: ReconciliationState
RECONCILIATION_STATE_DONE: ReconciliationState
RECONCILIATION_STATE_GAVE_UP: ReconciliationState
INTERACTION_TYPE_UNSPECIFIED: InteractionType
INTERACTION_TYPE_CHAT: InteractionType
INTERACTION_TYPE_QUESTION: InteractionType
INTERACTION_TYPE_POLL_RESPONSE: InteractionType
INTERACTION_TYPE_REACTION: InteractionType
RESOURCE_TYPE_UNSPECIFIED: ResourceType
RESOURCE_TYPE_SLIDES: ResourceType
RESOURCE_TYPE_DOCUMENT: ResourceType
RESOURCE_TYPE_LINK: ResourceType
RESOURCE_TYPE_VIDEO: ResourceType
RESOURCE_TYPE_IMAGE: ResourceType
RESOURCE_TYPE_CODE: ResourceType
RESOURCE_TYPE_OTHER: ResourceType

class ListMembershipsRequest(_message.Message):
    __slots__ = ("user_id", "tenant_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class ListMembershipsResponse(_message.Message):
    __slots__ = ("teaches_batch_ids", "attends_batch_ids")
    TEACHES_BATCH_IDS_FIELD_NUMBER: _ClassVar[int]
    ATTENDS_BATCH_IDS_FIELD_NUMBER: _ClassVar[int]
    teaches_batch_ids: _containers.RepeatedScalarFieldContainer[str]
    attends_batch_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, teaches_batch_ids: _Optional[_Iterable[str]] = ..., attends_batch_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Course(_message.Message):
    __slots__ = ("id", "tenant_id", "title", "description", "instructor_ids", "default_timezone", "default_meeting_settings", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MEETING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    title: str
    description: str
    instructor_ids: _containers.RepeatedScalarFieldContainer[str]
    default_timezone: str
    default_meeting_settings: _common_pb2.MeetingSettings
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., instructor_ids: _Optional[_Iterable[str]] = ..., default_timezone: _Optional[str] = ..., default_meeting_settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCourseRequest(_message.Message):
    __slots__ = ("request_id", "course")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    course: Course
    def __init__(self, request_id: _Optional[str] = ..., course: _Optional[_Union[Course, _Mapping]] = ...) -> None: ...

class GetCourseRequest(_message.Message):
    __slots__ = ("course_id",)
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    def __init__(self, course_id: _Optional[str] = ...) -> None: ...

class ListCoursesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "tenant_id", "instructor_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant_id: str
    instructor_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant_id: _Optional[str] = ..., instructor_id: _Optional[str] = ...) -> None: ...

class ListCoursesResponse(_message.Message):
    __slots__ = ("courses", "next_page_token", "total_size")
    COURSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    courses: _containers.RepeatedCompositeFieldContainer[Course]
    next_page_token: str
    total_size: int
    def __init__(self, courses: _Optional[_Iterable[_Union[Course, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateCourseRequest(_message.Message):
    __slots__ = ("course", "update_mask")
    COURSE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    course: Course
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, course: _Optional[_Union[Course, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteCourseRequest(_message.Message):
    __slots__ = ("course_id", "force")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    force: bool
    def __init__(self, course_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("id", "course_id", "name", "type", "instructor_id", "student_id", "timezone", "start_date", "end_date", "meeting_settings", "enrollment_count", "course_title", "create_time", "update_time", "present_threshold_percentage", "breakout_groups")
    ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    MEETING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    ENROLLMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRESENT_THRESHOLD_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_GROUPS_FIELD_NUMBER: _ClassVar[int]
    id: str
    course_id: str
    name: str
    type: _common_pb2.BatchType
    instructor_id: str
    student_id: str
    timezone: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    meeting_settings: _common_pb2.MeetingSettings
    enrollment_count: int
    course_title: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    present_threshold_percentage: float
    breakout_groups: _containers.RepeatedCompositeFieldContainer[BreakoutGroup]
    def __init__(self, id: _Optional[str] = ..., course_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., instructor_id: _Optional[str] = ..., student_id: _Optional[str] = ..., timezone: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., meeting_settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., enrollment_count: _Optional[int] = ..., course_title: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., present_threshold_percentage: _Optional[float] = ..., breakout_groups: _Optional[_Iterable[_Union[BreakoutGroup, _Mapping]]] = ...) -> None: ...

class BreakoutGroup(_message.Message):
    __slots__ = ("name", "student_ids")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STUDENT_IDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    student_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., student_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateBatchRequest(_message.Message):
    __slots__ = ("request_id", "batch")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch: Batch
    def __init__(self, request_id: _Optional[str] = ..., batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class ListBatchesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "course_id", "instructor_id", "student_id", "type")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    course_id: str
    instructor_id: str
    student_id: str
    type: _common_pb2.BatchType
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., course_id: _Optional[str] = ..., instructor_id: _Optional[str] = ..., student_id: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.BatchType, str]] = ...) -> None: ...

class ListBatchesResponse(_message.Message):
    __slots__ = ("batches", "next_page_token", "total_size")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[Batch]
    next_page_token: str
    total_size: int
    def __init__(self, batches: _Optional[_Iterable[_Union[Batch, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateBatchRequest(_message.Message):
    __slots__ = ("batch", "update_mask")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteBatchRequest(_message.Message):
    __slots__ = ("batch_id", "force")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    force: bool
    def __init__(self, batch_id: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class Enrollment(_message.Message):
    __slots__ = ("id", "batch_id", "student_id", "create_time", "email", "first_name", "last_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    batch_id: str
    student_id: str
    create_time: _timestamp_pb2.Timestamp
    email: str
    first_name: str
    last_name: str
    def __init__(self, id: _Optional[str] = ..., batch_id: _Optional[str] = ..., student_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ...) -> None: ...

class CreateEnrollmentRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "student_id", "email", "first_name", "last_name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    student_id: str
    email: str
    first_name: str
    last_name: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., student_id: _Optional[str] = ..., email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ...) -> None: ...

class DeleteEnrollmentRequest(_message.Message):
    __slots__ = ("enrollment_id", "batch_id", "student_id")
    ENROLLMENT_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    enrollment_id: str
    batch_id: str
    student_id: str
    def __init__(self, enrollment_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., student_id: _Optional[str] = ...) -> None: ...

class ListEnrollmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "batch_id", "student_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    batch_id: str
    student_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., batch_id: _Optional[str] = ..., student_id: _Optional[str] = ...) -> None: ...

class ListEnrollmentsResponse(_message.Message):
    __slots__ = ("enrollments", "next_page_token", "total_size")
    ENROLLMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    enrollments: _containers.RepeatedCompositeFieldContainer[Enrollment]
    next_page_token: str
    total_size: int
    def __init__(self, enrollments: _Optional[_Iterable[_Union[Enrollment, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ZoomMeetingInfo(_message.Message):
    __slots__ = ("meeting_id", "meeting_uuid", "join_url", "password", "topic", "host_zoom_user_id", "host_email", "duration_minutes", "create_time", "last_zoom_sync_time", "start_time", "timezone", "zoom_change_time", "delete_time", "occurrence_id")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    JOIN_URL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    HOST_ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_EMAIL_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ZOOM_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    meeting_uuid: str
    join_url: str
    password: str
    topic: str
    host_zoom_user_id: str
    host_email: str
    duration_minutes: int
    create_time: _timestamp_pb2.Timestamp
    last_zoom_sync_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    timezone: str
    zoom_change_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    occurrence_id: str
    def __init__(self, meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., join_url: _Optional[str] = ..., password: _Optional[str] = ..., topic: _Optional[str] = ..., host_zoom_user_id: _Optional[str] = ..., host_email: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_zoom_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., zoom_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occurrence_id: _Optional[str] = ...) -> None: ...

class SessionRecordingSync(_message.Message):
    __slots__ = ("recording_synced", "last_sync_time", "sync_attempts", "next_retry_time", "last_sync_error", "last_sync_error_type", "recording_deleted", "delete_time")
    RECORDING_SYNCED_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    SYNC_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_RETRY_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORDING_DELETED_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    recording_synced: bool
    last_sync_time: _timestamp_pb2.Timestamp
    sync_attempts: int
    next_retry_time: _timestamp_pb2.Timestamp
    last_sync_error: str
    last_sync_error_type: _common_pb2.SyncErrorType
    recording_deleted: bool
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, recording_synced: _Optional[bool] = ..., last_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sync_attempts: _Optional[int] = ..., next_retry_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sync_error: _Optional[str] = ..., last_sync_error_type: _Optional[_Union[_common_pb2.SyncErrorType, str]] = ..., recording_deleted: _Optional[bool] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "batch_id", "course_id", "batch_type", "title", "description", "teacher_id", "scheduled_start", "scheduled_end", "timezone", "status", "actual_start", "actual_end", "max_participants", "auto_recording", "meeting_settings", "zoom_meeting", "recording_sync", "participant_count", "recorded_lesson_count", "cancel_time", "cancel_reason", "create_time", "update_time", "previous_zoom_meeting", "warnings", "series_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TEACHER_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_END_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    AUTO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    MEETING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    ZOOM_MEETING_FIELD_NUMBER: _ClassVar[int]
    RECORDING_SYNC_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_LESSON_COUNT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ZOOM_MEETING_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    batch_id: str
    course_id: str
    batch_type: _common_pb2.BatchType
    title: str
    description: str
    teacher_id: str
    scheduled_start: _timestamp_pb2.Timestamp
    scheduled_end: _timestamp_pb2.Timestamp
    timezone: str
    status: SessionStatus
    actual_start: _timestamp_pb2.Timestamp
    actual_end: _timestamp_pb2.Timestamp
    max_participants: int
    auto_recording: _common_pb2.AutoRecording
    meeting_settings: _common_pb2.MeetingSettings
    zoom_meeting: ZoomMeetingInfo
    recording_sync: SessionRecordingSync
    participant_count: int
    recorded_lesson_count: int
    cancel_time: _timestamp_pb2.Timestamp
    cancel_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    previous_zoom_meeting: ZoomMeetingInfo
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    series_id: str
    def __init__(self, id: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., teacher_id: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., actual_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_participants: _Optional[int] = ..., auto_recording: _Optional[_Union[_common_pb2.AutoRecording, str]] = ..., meeting_settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., zoom_meeting: _Optional[_Union[ZoomMeetingInfo, _Mapping]] = ..., recording_sync: _Optional[_Union[SessionRecordingSync, _Mapping]] = ..., participant_count: _Optional[int] = ..., recorded_lesson_count: _Optional[int] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_zoom_meeting: _Optional[_Union[ZoomMeetingInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ..., series_id: _Optional[str] = ...) -> None: ...

class LocalTimeRange(_message.Message):
    __slots__ = ("date", "start_time", "end_time")
    DATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    date: _date_pb2.Date
    start_time: _timeofday_pb2.TimeOfDay
    end_time: _timeofday_pb2.TimeOfDay
    def __init__(self, date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., start_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., end_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Warning(_message.Message):
    __slots__ = ("code", "message", "retry_after")
    class Code(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CODE_UNSPECIFIED: _ClassVar[Warning.Code]
        CODE_ZOOM_NOT_CONFIGURED: _ClassVar[Warning.Code]
        CODE_ZOOM_MEETING_CREATE_FAILED: _ClassVar[Warning.Code]
        CODE_ZOOM_RATE_LIMITED: _ClassVar[Warning.Code]
        CODE_ZOOM_MEETING_UPDATE_FAILED: _ClassVar[Warning.Code]
        CODE_ZOOM_MEETING_DELETE_FAILED: _ClassVar[Warning.Code]
        CODE_DURATION_ADJUSTED: _ClassVar[Warning.Code]
        CODE_CLOUD_RECORDING_UNAVAILABLE: _ClassVar[Warning.Code]
        CODE_ZOOM_MEETING_DELETED: _ClassVar[Warning.Code]
        CODE_ZOOM_CHANGE_NOT_APPLIED: _ClassVar[Warning.Code]
        CODE_ALTERNATIVE_HOSTS_SKIPPED: _ClassVar[Warning.Code]
        CODE_ZOOM_BREAKOUT_ROOMS_DROPPED: _ClassVar[Warning.Code]
        CODE_BREAKOUT_STUDENTS_WITHOUT_EMAIL: _ClassVar[Warning.Code]
    CODE_UNSPECIFIED: Warning.Code
    CODE_ZOOM_NOT_CONFIGURED: Warning.Code
    CODE_ZOOM_MEETING_CREATE_FAILED: Warning.Code
    CODE_ZOOM_RATE_LIMITED: Warning.Code
    CODE_ZOOM_MEETING_UPDATE_FAILED: Warning.Code
    CODE_ZOOM_MEETING_DELETE_FAILED: Warning.Code
    CODE_DURATION_ADJUSTED: Warning.Code
    CODE_CLOUD_RECORDING_UNAVAILABLE: Warning.Code
    CODE_ZOOM_MEETING_DELETED: Warning.Code
    CODE_ZOOM_CHANGE_NOT_APPLIED: Warning.Code
    CODE_ALTERNATIVE_HOSTS_SKIPPED: Warning.Code
    CODE_ZOOM_BREAKOUT_ROOMS_DROPPED: Warning.Code
    CODE_BREAKOUT_STUDENTS_WITHOUT_EMAIL: Warning.Code
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    code: Warning.Code
    message: str
    retry_after: _duration_pb2.Duration
    def __init__(self, code: _Optional[_Union[Warning.Code, str]] = ..., message: _Optional[str] = ..., retry_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("request_id", "batch_id", "title", "description", "local_time", "time_range", "timezone", "create_zoom_meeting", "auto_recording", "max_participants", "meeting_settings", "teacher_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCAL_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    CREATE_ZOOM_MEETING_FIELD_NUMBER: _ClassVar[int]
    AUTO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    MEETING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    TEACHER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    batch_id: str
    title: str
    description: str
    local_time: LocalTimeRange
    time_range: TimeRange
    timezone: str
    create_zoom_meeting: bool
    auto_recording: _common_pb2.AutoRecording
    max_participants: int
    meeting_settings: _common_pb2.MeetingSettings
    teacher_id: str
    def __init__(self, request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., local_time: _Optional[_Union[LocalTimeRange, _Mapping]] = ..., time_range: _Optional[_Union[TimeRange, _Mapping]] = ..., timezone: _Optional[str] = ..., create_zoom_meeting: _Optional[bool] = ..., auto_recording: _Optional[_Union[_common_pb2.AutoRecording, str]] = ..., max_participants: _Optional[int] = ..., meeting_settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., teacher_id: _Optional[str] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session", "warnings")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class BulkCreateSessionsRequest(_message.Message):
    __slots__ = ("request_id", "items")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    items: _containers.RepeatedCompositeFieldContainer[CreateSessionRequest]
    def __init__(self, request_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[CreateSessionRequest, _Mapping]]] = ...) -> None: ...

class CreateSeriesRequest(_message.Message):
    __slots__ = ("request_id", "session", "recurrence", "exceptions")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session: CreateSessionRequest
    recurrence: str
    exceptions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., session: _Optional[_Union[CreateSessionRequest, _Mapping]] = ..., recurrence: _Optional[str] = ..., exceptions: _Optional[_Iterable[str]] = ...) -> None: ...

class Series(_message.Message):
    __slots__ = ("id", "request_id", "batch_id", "course_id", "title", "recurrence", "exceptions", "timezone", "first_start", "duration_minutes", "meetings", "meeting_id", "cancelled", "create_time", "cancel_time", "sessions")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    FIRST_START_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    batch_id: str
    course_id: str
    title: str
    recurrence: str
    exceptions: _containers.RepeatedScalarFieldContainer[str]
    timezone: str
    first_start: _timestamp_pb2.Timestamp
    duration_minutes: int
    meetings: SeriesMeetings
    meeting_id: int
    cancelled: bool
    create_time: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., title: _Optional[str] = ..., recurrence: _Optional[str] = ..., exceptions: _Optional[_Iterable[str]] = ..., timezone: _Optional[str] = ..., first_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., meetings: _Optional[_Union[SeriesMeetings, str]] = ..., meeting_id: _Optional[int] = ..., cancelled: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ...) -> None: ...

class CreateSeriesResponse(_message.Message):
    __slots__ = ("series", "warnings")
    SERIES_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    series: Series
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, series: _Optional[_Union[Series, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class GetSeriesRequest(_message.Message):
    __slots__ = ("series_id",)
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    def __init__(self, series_id: _Optional[str] = ...) -> None: ...

class NoticePreference(_message.Message):
    __slots__ = ("user_id", "email_notices", "update_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_NOTICES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email_notices: bool
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., email_notices: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("user_id", "name", "email", "role", "create_time", "update_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    name: str
    email: str
    role: PersonRole
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[_Union[PersonRole, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutPersonRequest(_message.Message):
    __slots__ = ("person",)
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person: Person
    def __init__(self, person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class ListPeopleRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "role")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    role: PersonRole
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., role: _Optional[_Union[PersonRole, str]] = ...) -> None: ...

class ListPeopleResponse(_message.Message):
    __slots__ = ("people", "next_page_token", "total_size")
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    people: _containers.RepeatedCompositeFieldContainer[Person]
    next_page_token: str
    total_size: int
    def __init__(self, people: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DeletePersonRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetNoticePreferenceRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetNoticePreferenceRequest(_message.Message):
    __slots__ = ("email_notices",)
    EMAIL_NOTICES_FIELD_NUMBER: _ClassVar[int]
    email_notices: bool
    def __init__(self, email_notices: _Optional[bool] = ...) -> None: ...

class UpdateSeriesRequest(_message.Message):
    __slots__ = ("series_id", "title", "description", "start_time", "end_time")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    title: str
    description: str
    start_time: _timeofday_pb2.TimeOfDay
    end_time: _timeofday_pb2.TimeOfDay
    def __init__(self, series_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., start_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., end_time: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ...) -> None: ...

class CancelSeriesRequest(_message.Message):
    __slots__ = ("series_id", "reason", "notify_participants")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    reason: str
    notify_participants: bool
    def __init__(self, series_id: _Optional[str] = ..., reason: _Optional[str] = ..., notify_participants: _Optional[bool] = ...) -> None: ...

class GetBulkJobRequest(_message.Message):
    __slots__ = ("bulk_job_id", "page_size", "page_token")
    BULK_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bulk_job_id: str
    page_size: int
    page_token: str
    def __init__(self, bulk_job_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class BulkJobItem(_message.Message):
    __slots__ = ("index", "session_id", "meeting_state", "meeting_expected_time", "error", "host_user_id")
    class MeetingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        MEETING_STATE_UNSPECIFIED: _ClassVar[BulkJobItem.MeetingState]
        MEETING_STATE_CREATED: _ClassVar[BulkJobItem.MeetingState]
        MEETING_STATE_PENDING: _ClassVar[BulkJobItem.MeetingState]
        MEETING_STATE_FAILED: _ClassVar[BulkJobItem.MeetingState]
        MEETING_STATE_NOT_REQUESTED: _ClassVar[BulkJobItem.MeetingState]
    MEETING_STATE_UNSPECIFIED: BulkJobItem.MeetingState
    MEETING_STATE_CREATED: BulkJobItem.MeetingState
    MEETING_STATE_PENDING: BulkJobItem.MeetingState
    MEETING_STATE_FAILED: BulkJobItem.MeetingState
    MEETING_STATE_NOT_REQUESTED: BulkJobItem.MeetingState
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_STATE_FIELD_NUMBER: _ClassVar[int]
    MEETING_EXPECTED_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HOST_USER_ID_FIELD_NUMBER: _ClassVar[int]
    index: int
    session_id: str
    meeting_state: BulkJobItem.MeetingState
    meeting_expected_time: _timestamp_pb2.Timestamp
    error: str
    host_user_id: str
    def __init__(self, index: _Optional[int] = ..., session_id: _Optional[str] = ..., meeting_state: _Optional[_Union[BulkJobItem.MeetingState, str]] = ..., meeting_expected_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., host_user_id: _Optional[str] = ...) -> None: ...

class BulkJob(_message.Message):
    __slots__ = ("id", "request_id", "total_count", "meeting_created_count", "waiting_count", "failed_count", "done", "create_time", "expected_finish_time", "items", "next_page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    WAITING_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    request_id: str
    total_count: int
    meeting_created_count: int
    waiting_count: int
    failed_count: int
    done: bool
    create_time: _timestamp_pb2.Timestamp
    expected_finish_time: _timestamp_pb2.Timestamp
    items: _containers.RepeatedCompositeFieldContainer[BulkJobItem]
    next_page_token: str
    def __init__(self, id: _Optional[str] = ..., request_id: _Optional[str] = ..., total_count: _Optional[int] = ..., meeting_created_count: _Optional[int] = ..., waiting_count: _Optional[int] = ..., failed_count: _Optional[int] = ..., done: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expected_finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., items: _Optional[_Iterable[_Union[BulkJobItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "course_id", "batch_id", "teacher_id", "student_id", "statuses", "start_after", "start_before", "descending")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    TEACHER_ID_FIELD_NUMBER: _ClassVar[int]
    STUDENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    START_AFTER_FIELD_NUMBER: _ClassVar[int]
    START_BEFORE_FIELD_NUMBER: _ClassVar[int]
    DESCENDING_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    course_id: str
    batch_id: str
    teacher_id: str
    student_id: str
    statuses: _containers.RepeatedScalarFieldContainer[SessionStatus]
    start_after: _timestamp_pb2.Timestamp
    start_before: _timestamp_pb2.Timestamp
    descending: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., course_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., teacher_id: _Optional[str] = ..., student_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[SessionStatus, str]]] = ..., start_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., descending: _Optional[bool] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token", "total_size")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    total_size: int
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateSessionRequest(_message.Message):
    __slots__ = ("session", "update_mask", "skip_zoom_sync")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    SKIP_ZOOM_SYNC_FIELD_NUMBER: _ClassVar[int]
    session: Session
    update_mask: _field_mask_pb2.FieldMask
    skip_zoom_sync: bool
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., skip_zoom_sync: _Optional[bool] = ...) -> None: ...

class UpdateSessionResponse(_message.Message):
    __slots__ = ("session", "warnings")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class CancelSessionRequest(_message.Message):
    __slots__ = ("session_id", "reason", "notify_participants")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    reason: str
    notify_participants: bool
    def __init__(self, session_id: _Optional[str] = ..., reason: _Optional[str] = ..., notify_participants: _Optional[bool] = ...) -> None: ...

class CancelSessionResponse(_message.Message):
    __slots__ = ("session", "warnings")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class CreateZoomMeetingRequest(_message.Message):
    __slots__ = ("session_id", "meeting_settings")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    meeting_settings: _common_pb2.MeetingSettings
    def __init__(self, session_id: _Optional[str] = ..., meeting_settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ...) -> None: ...

class CreateZoomMeetingResponse(_message.Message):
    __slots__ = ("session", "warnings")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    session: Session
    warnings: _containers.RepeatedCompositeFieldContainer[Warning]
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[Warning, _Mapping]]] = ...) -> None: ...

class GetStartUrlRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetStartUrlResponse(_message.Message):
    __slots__ = ("start_url", "expire_time")
    START_URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    start_url: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, start_url: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetJoinUrlRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetJoinUrlResponse(_message.Message):
    __slots__ = ("join_url", "registered")
    JOIN_URL_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    join_url: str
    registered: bool
    def __init__(self, join_url: _Optional[str] = ..., registered: _Optional[bool] = ...) -> None: ...

class GetCalendarFeedRequest(_message.Message):
    __slots__ = ("batch_id", "validate_only")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    validate_only: bool
    def __init__(self, batch_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class CalendarEvent(_message.Message):
    __slots__ = ("session_id", "batch_id", "course_title", "title", "description", "start_time", "end_time", "timezone", "status", "join_url", "registered", "sequence", "create_time", "update_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    JOIN_URL_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    batch_id: str
    course_title: str
    title: str
    description: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    timezone: str
    status: SessionStatus
    join_url: str
    registered: bool
    sequence: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_title: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., join_url: _Optional[str] = ..., registered: _Optional[bool] = ..., sequence: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CalendarFeed(_message.Message):
    __slots__ = ("name", "events")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    events: _containers.RepeatedCompositeFieldContainer[CalendarEvent]
    def __init__(self, name: _Optional[str] = ..., events: _Optional[_Iterable[_Union[CalendarEvent, _Mapping]]] = ...) -> None: ...

class AttendanceInterval(_message.Message):
    __slots__ = ("participant_uuid", "join_time", "leave_time", "leave_reason", "breakout_room_uuid")
    PARTICIPANT_UUID_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_REASON_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_ROOM_UUID_FIELD_NUMBER: _ClassVar[int]
    participant_uuid: str
    join_time: _timestamp_pb2.Timestamp
    leave_time: _timestamp_pb2.Timestamp
    leave_reason: str
    breakout_room_uuid: str
    def __init__(self, participant_uuid: _Optional[str] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_reason: _Optional[str] = ..., breakout_room_uuid: _Optional[str] = ...) -> None: ...

class Participant(_message.Message):
    __slots__ = ("id", "session_id", "user_id", "display_name", "email", "zoom_user_id", "role", "status", "intervals", "first_join_time", "last_leave_time", "minutes_attended", "attendance_percentage", "shared_screen", "raised_hand", "enrolled")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INTERVALS_FIELD_NUMBER: _ClassVar[int]
    FIRST_JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    MINUTES_ATTENDED_FIELD_NUMBER: _ClassVar[int]
    ATTENDANCE_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    SHARED_SCREEN_FIELD_NUMBER: _ClassVar[int]
    RAISED_HAND_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    user_id: str
    display_name: str
    email: str
    zoom_user_id: str
    role: ParticipantRole
    status: ParticipantStatus
    intervals: _containers.RepeatedCompositeFieldContainer[AttendanceInterval]
    first_join_time: _timestamp_pb2.Timestamp
    last_leave_time: _timestamp_pb2.Timestamp
    minutes_attended: int
    attendance_percentage: float
    shared_screen: bool
    raised_hand: bool
    enrolled: bool
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., email: _Optional[str] = ..., zoom_user_id: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., status: _Optional[_Union[ParticipantStatus, str]] = ..., intervals: _Optional[_Iterable[_Union[AttendanceInterval, _Mapping]]] = ..., first_join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., minutes_attended: _Optional[int] = ..., attendance_percentage: _Optional[float] = ..., shared_screen: _Optional[bool] = ..., raised_hand: _Optional[bool] = ..., enrolled: _Optional[bool] = ...) -> None: ...

class ListParticipantsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "role", "status")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    role: ParticipantRole
    status: ParticipantStatus
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., status: _Optional[_Union[ParticipantStatus, str]] = ...) -> None: ...

class ListParticipantsResponse(_message.Message):
    __slots__ = ("participants", "next_page_token", "total_size")
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    next_page_token: str
    total_size: int
    def __init__(self, participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class UpdateParticipantRequest(_message.Message):
    __slots__ = ("participant", "update_mask")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    participant: Participant
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, participant: _Optional[_Union[Participant, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class GetAttendanceReportRequest(_message.Message):
    __slots__ = ("session_id", "present_threshold_percentage")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PRESENT_THRESHOLD_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    present_threshold_percentage: float
    def __init__(self, session_id: _Optional[str] = ..., present_threshold_percentage: _Optional[float] = ...) -> None: ...

class AttendanceRow(_message.Message):
    __slots__ = ("user_id", "display_name", "email", "enrolled", "present", "minutes_attended", "attendance_percentage", "first_join_time", "last_leave_time", "join_count", "rejoin_count", "reconciled")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    MINUTES_ATTENDED_FIELD_NUMBER: _ClassVar[int]
    ATTENDANCE_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    FIRST_JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    JOIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJOIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECONCILED_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    display_name: str
    email: str
    enrolled: bool
    present: bool
    minutes_attended: int
    attendance_percentage: float
    first_join_time: _timestamp_pb2.Timestamp
    last_leave_time: _timestamp_pb2.Timestamp
    join_count: int
    rejoin_count: int
    reconciled: bool
    def __init__(self, user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., email: _Optional[str] = ..., enrolled: _Optional[bool] = ..., present: _Optional[bool] = ..., minutes_attended: _Optional[int] = ..., attendance_percentage: _Optional[float] = ..., first_join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., join_count: _Optional[int] = ..., rejoin_count: _Optional[int] = ..., reconciled: _Optional[bool] = ...) -> None: ...

class AttendanceReport(_message.Message):
    __slots__ = ("session_id", "session_status", "actual_start", "actual_end", "session_minutes", "enrolled_count", "present_count", "absent_count", "guest_count", "average_attendance_percentage", "present_threshold_percentage", "rows", "final", "generate_time", "reconciliation", "session_title", "batch_id", "course_id", "scheduled_start")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_START_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_END_FIELD_NUMBER: _ClassVar[int]
    SESSION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PRESENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ABSENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    GUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_ATTENDANCE_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_THRESHOLD_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    GENERATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RECONCILIATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    session_status: SessionStatus
    actual_start: _timestamp_pb2.Timestamp
    actual_end: _timestamp_pb2.Timestamp
    session_minutes: int
    enrolled_count: int
    present_count: int
    absent_count: int
    guest_count: int
    average_attendance_percentage: float
    present_threshold_percentage: float
    rows: _containers.RepeatedCompositeFieldContainer[AttendanceRow]
    final: bool
    generate_time: _timestamp_pb2.Timestamp
    reconciliation: AttendanceReconciliation
    session_title: str
    batch_id: str
    course_id: str
    scheduled_start: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., session_status: _Optional[_Union[SessionStatus, str]] = ..., actual_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actual_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_minutes: _Optional[int] = ..., enrolled_count: _Optional[int] = ..., present_count: _Optional[int] = ..., absent_count: _Optional[int] = ..., guest_count: _Optional[int] = ..., average_attendance_percentage: _Optional[float] = ..., present_threshold_percentage: _Optional[float] = ..., rows: _Optional[_Iterable[_Union[AttendanceRow, _Mapping]]] = ..., final: _Optional[bool] = ..., generate_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reconciliation: _Optional[_Union[AttendanceReconciliation, _Mapping]] = ..., session_title: _Optional[str] = ..., batch_id: _Optional[str] = ..., course_id: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AttendanceReconciliation(_message.Message):
    __slots__ = ("state", "attempts", "next_attempt_time", "last_error", "finish_time", "report_rows")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    REPORT_ROWS_FIELD_NUMBER: _ClassVar[int]
    state: ReconciliationState
    attempts: int
    next_attempt_time: _timestamp_pb2.Timestamp
    last_error: str
    finish_time: _timestamp_pb2.Timestamp
    report_rows: int
    def __init__(self, state: _Optional[_Union[ReconciliationState, str]] = ..., attempts: _Optional[int] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report_rows: _Optional[int] = ...) -> None: ...

class GetBatchAttendanceRequest(_message.Message):
    __slots__ = ("batch_id", "from_date", "to_date", "present_threshold_percentage")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_THRESHOLD_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    from_date: _date_pb2.Date
    to_date: _date_pb2.Date
    present_threshold_percentage: float
    def __init__(self, batch_id: _Optional[str] = ..., from_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., present_threshold_percentage: _Optional[float] = ...) -> None: ...

class BatchAttendance(_message.Message):
    __slots__ = ("batch_id", "batch_name", "course_id", "timezone", "present_threshold_percentage", "sessions")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_NAME_FIELD_NUMBER: _ClassVar[int]
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_THRESHOLD_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    batch_name: str
    course_id: str
    timezone: str
    present_threshold_percentage: float
    sessions: _containers.RepeatedCompositeFieldContainer[AttendanceReport]
    def __init__(self, batch_id: _Optional[str] = ..., batch_name: _Optional[str] = ..., course_id: _Optional[str] = ..., timezone: _Optional[str] = ..., present_threshold_percentage: _Optional[float] = ..., sessions: _Optional[_Iterable[_Union[AttendanceReport, _Mapping]]] = ...) -> None: ...

class Interaction(_message.Message):
    __slots__ = ("id", "session_id", "type", "author_id", "author_display_name", "anonymous", "content", "reply_to_id", "poll_id", "poll_question_id", "answered", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_ID_FIELD_NUMBER: _ClassVar[int]
    POLL_ID_FIELD_NUMBER: _ClassVar[int]
    POLL_QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    type: InteractionType
    author_id: str
    author_display_name: str
    anonymous: bool
    content: str
    reply_to_id: str
    poll_id: str
    poll_question_id: str
    answered: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[_Union[InteractionType, str]] = ..., author_id: _Optional[str] = ..., author_display_name: _Optional[str] = ..., anonymous: _Optional[bool] = ..., content: _Optional[str] = ..., reply_to_id: _Optional[str] = ..., poll_id: _Optional[str] = ..., poll_question_id: _Optional[str] = ..., answered: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateInteractionRequest(_message.Message):
    __slots__ = ("request_id", "session_id", "interaction")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_id: str
    interaction: Interaction
    def __init__(self, request_id: _Optional[str] = ..., session_id: _Optional[str] = ..., interaction: _Optional[_Union[Interaction, _Mapping]] = ...) -> None: ...

class ListInteractionsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "types", "since")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    types: _containers.RepeatedScalarFieldContainer[InteractionType]
    since: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., types: _Optional[_Iterable[_Union[InteractionType, str]]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInteractionsResponse(_message.Message):
    __slots__ = ("interactions", "next_page_token", "total_size")
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    interactions: _containers.RepeatedCompositeFieldContainer[Interaction]
    next_page_token: str
    total_size: int
    def __init__(self, interactions: _Optional[_Iterable[_Union[Interaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class SharedResource(_message.Message):
    __slots__ = ("id", "session_id", "type", "title", "description", "url", "storage_key", "shared_by", "shared_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    SHARED_BY_FIELD_NUMBER: _ClassVar[int]
    SHARED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    type: ResourceType
    title: str
    description: str
    url: str
    storage_key: str
    shared_by: str
    shared_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., type: _Optional[_Union[ResourceType, str]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., url: _Optional[str] = ..., storage_key: _Optional[str] = ..., shared_by: _Optional[str] = ..., shared_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSharedResourceRequest(_message.Message):
    __slots__ = ("request_id", "session_id", "resource")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_id: str
    resource: SharedResource
    def __init__(self, request_id: _Optional[str] = ..., session_id: _Optional[str] = ..., resource: _Optional[_Union[SharedResource, _Mapping]] = ...) -> None: ...

class ListSharedResourcesRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "type", "shared_by")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SHARED_BY_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    type: ResourceType
    shared_by: str
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., type: _Optional[_Union[ResourceType, str]] = ..., shared_by: _Optional[str] = ...) -> None: ...

class ListSharedResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token", "total_size")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[SharedResource]
    next_page_token: str
    total_size: int
    def __init__(self, resources: _Optional[_Iterable[_Union[SharedResource, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class DeleteSharedResourceRequest(_message.Message):
    __slots__ = ("resource_id",)
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    def __init__(self, resource_id: _Optional[str] = ...) -> None: ...

class ZoomRecordingInfo(_message.Message):
    __slots__ = ("meeting_id", "meeting_uuid", "recording_file_id", "file_type", "recording_type", "file_size_bytes", "recording_start", "recording_end", "sync_time")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORDING_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    meeting_uuid: str
    recording_file_id: str
    file_type: _common_pb2.RecordingFileType
    recording_type: str
    file_size_bytes: int
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    sync_time: _timestamp_pb2.Timestamp
    def __init__(self, meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., recording_file_id: _Optional[str] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., recording_type: _Optional[str] = ..., file_size_bytes: _Optional[int] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordedLessonPart(_message.Message):
    __slots__ = ("recording_file_id", "part", "file_size_bytes", "duration", "recording_start", "recording_end", "recording_id", "zoom_file_id")
    RECORDING_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    PART_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    recording_file_id: str
    part: int
    file_size_bytes: int
    duration: _duration_pb2.Duration
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    recording_id: str
    zoom_file_id: str
    def __init__(self, recording_file_id: _Optional[str] = ..., part: _Optional[int] = ..., file_size_bytes: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_id: _Optional[str] = ..., zoom_file_id: _Optional[str] = ...) -> None: ...

class RecordedLesson(_message.Message):
    __slots__ = ("id", "session_id", "title", "source", "recording_id", "recording_file_id", "external_url", "file_type", "file_size_bytes", "duration", "zoom_recording_info", "create_time", "lesson_kind", "parts")
    ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RECORDING_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_URL_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ZOOM_RECORDING_INFO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LESSON_KIND_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    session_id: str
    title: str
    source: _common_pb2.RecordingSource
    recording_id: str
    recording_file_id: str
    external_url: str
    file_type: _common_pb2.RecordingFileType
    file_size_bytes: int
    duration: _duration_pb2.Duration
    zoom_recording_info: ZoomRecordingInfo
    create_time: _timestamp_pb2.Timestamp
    lesson_kind: str
    parts: _containers.RepeatedCompositeFieldContainer[RecordedLessonPart]
    def __init__(self, id: _Optional[str] = ..., session_id: _Optional[str] = ..., title: _Optional[str] = ..., source: _Optional[_Union[_common_pb2.RecordingSource, str]] = ..., recording_id: _Optional[str] = ..., recording_file_id: _Optional[str] = ..., external_url: _Optional[str] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., file_size_bytes: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., zoom_recording_info: _Optional[_Union[ZoomRecordingInfo, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lesson_kind: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[RecordedLessonPart, _Mapping]]] = ...) -> None: ...

class ListRecordedLessonsRequest(_message.Message):
    __slots__ = ("session_id", "page_size", "page_token", "source")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    page_size: int
    page_token: str
    source: _common_pb2.RecordingSource
    def __init__(self, session_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., source: _Optional[_Union[_common_pb2.RecordingSource, str]] = ...) -> None: ...

class ListRecordedLessonsResponse(_message.Message):
    __slots__ = ("recorded_lessons", "next_page_token", "total_size")
    RECORDED_LESSONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    recorded_lessons: _containers.RepeatedCompositeFieldContainer[RecordedLesson]
    next_page_token: str
    total_size: int
    def __init__(self, recorded_lessons: _Optional[_Iterable[_Union[RecordedLesson, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class AddRecordedLessonRequest(_message.Message):
    __slots__ = ("request_id", "session_id", "recorded_lesson")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_LESSON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_id: str
    recorded_lesson: RecordedLesson
    def __init__(self, request_id: _Optional[str] = ..., session_id: _Optional[str] = ..., recorded_lesson: _Optional[_Union[RecordedLesson, _Mapping]] = ...) -> None: ...

class DeleteRecordedLessonRequest(_message.Message):
    __slots__ = ("recorded_lesson_id",)
    RECORDED_LESSON_ID_FIELD_NUMBER: _ClassVar[int]
    recorded_lesson_id: str
    def __init__(self, recorded_lesson_id: _Optional[str] = ...) -> None: ...

class GetBatchSyncStatusRequest(_message.Message):
    __slots__ = ("batch_id", "page_size", "page_token")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    page_size: int
    page_token: str
    def __init__(self, batch_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class BatchSyncStatistics(_message.Message):
    __slots__ = ("total_sessions", "sessions_with_zoom_meetings", "synced_sessions", "total_zoom_recordings", "sync_percentage")
    TOTAL_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_WITH_ZOOM_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    SYNCED_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ZOOM_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    SYNC_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    total_sessions: int
    sessions_with_zoom_meetings: int
    synced_sessions: int
    total_zoom_recordings: int
    sync_percentage: float
    def __init__(self, total_sessions: _Optional[int] = ..., sessions_with_zoom_meetings: _Optional[int] = ..., synced_sessions: _Optional[int] = ..., total_zoom_recordings: _Optional[int] = ..., sync_percentage: _Optional[float] = ...) -> None: ...

class RecordedLessonCounts(_message.Message):
    __slots__ = ("total", "zoom_auto_sync", "manual_upload", "external_link", "local_folder")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ZOOM_AUTO_SYNC_FIELD_NUMBER: _ClassVar[int]
    MANUAL_UPLOAD_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_LINK_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FOLDER_FIELD_NUMBER: _ClassVar[int]
    total: int
    zoom_auto_sync: int
    manual_upload: int
    external_link: int
    local_folder: int
    def __init__(self, total: _Optional[int] = ..., zoom_auto_sync: _Optional[int] = ..., manual_upload: _Optional[int] = ..., external_link: _Optional[int] = ..., local_folder: _Optional[int] = ...) -> None: ...

class SessionSyncRow(_message.Message):
    __slots__ = ("session_id", "session_title", "session_start", "session_status", "meeting_id", "recording_sync", "recorded_lessons")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_START_FIELD_NUMBER: _ClassVar[int]
    SESSION_STATUS_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_SYNC_FIELD_NUMBER: _ClassVar[int]
    RECORDED_LESSONS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    session_title: str
    session_start: _timestamp_pb2.Timestamp
    session_status: SessionStatus
    meeting_id: int
    recording_sync: SessionRecordingSync
    recorded_lessons: RecordedLessonCounts
    def __init__(self, session_id: _Optional[str] = ..., session_title: _Optional[str] = ..., session_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_status: _Optional[_Union[SessionStatus, str]] = ..., meeting_id: _Optional[int] = ..., recording_sync: _Optional[_Union[SessionRecordingSync, _Mapping]] = ..., recorded_lessons: _Optional[_Union[RecordedLessonCounts, _Mapping]] = ...) -> None: ...

class BatchSyncStatus(_message.Message):
    __slots__ = ("batch_id", "batch_name", "course_title", "batch_type", "statistics", "sessions", "next_page_token")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_NAME_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    BATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    batch_name: str
    course_title: str
    batch_type: _common_pb2.BatchType
    statistics: BatchSyncStatistics
    sessions: _containers.RepeatedCompositeFieldContainer[SessionSyncRow]
    next_page_token: str
    def __init__(self, batch_id: _Optional[str] = ..., batch_name: _Optional[str] = ..., course_title: _Optional[str] = ..., batch_type: _Optional[_Union[_common_pb2.BatchType, str]] = ..., statistics: _Optional[_Union[BatchSyncStatistics, _Mapping]] = ..., sessions: _Optional[_Iterable[_Union[SessionSyncRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
