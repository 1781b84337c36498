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

class MeetingChangeScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_CHANGE_SCOPE_UNSPECIFIED: _ClassVar[MeetingChangeScope]
    MEETING_CHANGE_SCOPE_SINGLE: _ClassVar[MeetingChangeScope]
    MEETING_CHANGE_SCOPE_ALL: _ClassVar[MeetingChangeScope]
MEETING_CHANGE_SCOPE_UNSPECIFIED: MeetingChangeScope
MEETING_CHANGE_SCOPE_SINGLE: MeetingChangeScope
MEETING_CHANGE_SCOPE_ALL: MeetingChangeScope

class ZoomEventContext(_message.Message):
    __slots__ = ("event_time", "zoom_event", "account_id", "webhook_event_id", "dedup_key", "operator", "operator_id", "replayed", "tenant_id")
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ZOOM_EVENT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEDUP_KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    zoom_event: str
    account_id: str
    webhook_event_id: str
    dedup_key: str
    operator: str
    operator_id: str
    replayed: bool
    tenant_id: str
    def __init__(self, event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., zoom_event: _Optional[str] = ..., account_id: _Optional[str] = ..., webhook_event_id: _Optional[str] = ..., dedup_key: _Optional[str] = ..., operator: _Optional[str] = ..., operator_id: _Optional[str] = ..., replayed: _Optional[bool] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class ZoomMeetingObject(_message.Message):
    __slots__ = ("meeting_id", "meeting_uuid", "host_id", "topic", "type", "start_time", "timezone", "duration_minutes")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    meeting_uuid: str
    host_id: str
    topic: str
    type: _common_pb2.ZoomMeetingType
    start_time: _timestamp_pb2.Timestamp
    timezone: str
    duration_minutes: int
    def __init__(self, meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., host_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., duration_minutes: _Optional[int] = ...) -> None: ...

class ZoomParticipant(_message.Message):
    __slots__ = ("participant_uuid", "meeting_user_id", "zoom_user_id", "name", "email", "registrant_id", "customer_key", "join_time", "leave_time", "leave_reason")
    PARTICIPANT_UUID_FIELD_NUMBER: _ClassVar[int]
    MEETING_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    REGISTRANT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_KEY_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_REASON_FIELD_NUMBER: _ClassVar[int]
    participant_uuid: str
    meeting_user_id: str
    zoom_user_id: str
    name: str
    email: str
    registrant_id: str
    customer_key: str
    join_time: _timestamp_pb2.Timestamp
    leave_time: _timestamp_pb2.Timestamp
    leave_reason: str
    def __init__(self, participant_uuid: _Optional[str] = ..., meeting_user_id: _Optional[str] = ..., zoom_user_id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., registrant_id: _Optional[str] = ..., customer_key: _Optional[str] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_reason: _Optional[str] = ...) -> None: ...

class ZoomRecordingFile(_message.Message):
    __slots__ = ("id", "meeting_uuid", "file_type", "zoom_file_type", "file_extension", "file_size_bytes", "file_name", "download_url", "play_url", "recording_type", "status", "recording_start", "recording_end")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    PLAY_URL_FIELD_NUMBER: _ClassVar[int]
    RECORDING_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    id: str
    meeting_uuid: str
    file_type: _common_pb2.RecordingFileType
    zoom_file_type: str
    file_extension: str
    file_size_bytes: int
    file_name: str
    download_url: str
    play_url: str
    recording_type: str
    status: str
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., zoom_file_type: _Optional[str] = ..., file_extension: _Optional[str] = ..., file_size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ..., download_url: _Optional[str] = ..., play_url: _Optional[str] = ..., recording_type: _Optional[str] = ..., status: _Optional[str] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomRecordingObject(_message.Message):
    __slots__ = ("meeting_id", "meeting_uuid", "host_id", "host_email", "topic", "type", "start_time", "timezone", "duration_minutes", "total_size_bytes", "recording_count", "share_url", "recording_files", "participant_audio_files")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_EMAIL_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    RECORDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_URL_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FILES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_AUDIO_FILES_FIELD_NUMBER: _ClassVar[int]
    meeting_id: int
    meeting_uuid: str
    host_id: str
    host_email: str
    topic: str
    type: _common_pb2.ZoomMeetingType
    start_time: _timestamp_pb2.Timestamp
    timezone: str
    duration_minutes: int
    total_size_bytes: int
    recording_count: int
    share_url: str
    recording_files: _containers.RepeatedCompositeFieldContainer[ZoomRecordingFile]
    participant_audio_files: _containers.RepeatedCompositeFieldContainer[ZoomRecordingFile]
    def __init__(self, meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., host_id: _Optional[str] = ..., host_email: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., total_size_bytes: _Optional[int] = ..., recording_count: _Optional[int] = ..., share_url: _Optional[str] = ..., recording_files: _Optional[_Iterable[_Union[ZoomRecordingFile, _Mapping]]] = ..., participant_audio_files: _Optional[_Iterable[_Union[ZoomRecordingFile, _Mapping]]] = ...) -> None: ...

class ZoomMeetingStarted(_message.Message):
    __slots__ = ("context", "meeting")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ...) -> None: ...

class ZoomMeetingEnded(_message.Message):
    __slots__ = ("context", "meeting", "end_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomParticipantJoined(_message.Message):
    __slots__ = ("context", "meeting", "participant")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ...) -> None: ...

class ZoomParticipantLeft(_message.Message):
    __slots__ = ("context", "meeting", "participant")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ...) -> None: ...

class ZoomParticipantRoleChanged(_message.Message):
    __slots__ = ("context", "meeting", "participant", "old_role", "new_role", "change_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    OLD_ROLE_FIELD_NUMBER: _ClassVar[int]
    NEW_ROLE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    old_role: str
    new_role: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ..., old_role: _Optional[str] = ..., new_role: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomSharingDetails(_message.Message):
    __slots__ = ("content", "time", "source", "link_source")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LINK_SOURCE_FIELD_NUMBER: _ClassVar[int]
    content: str
    time: _timestamp_pb2.Timestamp
    source: str
    link_source: str
    def __init__(self, content: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ..., link_source: _Optional[str] = ...) -> None: ...

class ZoomSharingStarted(_message.Message):
    __slots__ = ("context", "meeting", "participant", "sharing")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    SHARING_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    sharing: ZoomSharingDetails
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ..., sharing: _Optional[_Union[ZoomSharingDetails, _Mapping]] = ...) -> None: ...

class ZoomSharingEnded(_message.Message):
    __slots__ = ("context", "meeting", "participant", "sharing")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    SHARING_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    sharing: ZoomSharingDetails
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ..., sharing: _Optional[_Union[ZoomSharingDetails, _Mapping]] = ...) -> None: ...

class ZoomParticipantJoinedBreakoutRoom(_message.Message):
    __slots__ = ("context", "meeting", "participant", "breakout_room_uuid", "parent_meeting_user_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_ROOM_UUID_FIELD_NUMBER: _ClassVar[int]
    PARENT_MEETING_USER_ID_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    breakout_room_uuid: str
    parent_meeting_user_id: str
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ..., breakout_room_uuid: _Optional[str] = ..., parent_meeting_user_id: _Optional[str] = ...) -> None: ...

class ZoomParticipantLeftBreakoutRoom(_message.Message):
    __slots__ = ("context", "meeting", "participant", "breakout_room_uuid", "parent_meeting_user_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_ROOM_UUID_FIELD_NUMBER: _ClassVar[int]
    PARENT_MEETING_USER_ID_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    participant: ZoomParticipant
    breakout_room_uuid: str
    parent_meeting_user_id: str
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., participant: _Optional[_Union[ZoomParticipant, _Mapping]] = ..., breakout_room_uuid: _Optional[str] = ..., parent_meeting_user_id: _Optional[str] = ...) -> None: ...

class ZoomRecordingCompleted(_message.Message):
    __slots__ = ("context", "recording", "download_token", "download_token_expire_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    recording: ZoomRecordingObject
    download_token: str
    download_token_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., recording: _Optional[_Union[ZoomRecordingObject, _Mapping]] = ..., download_token: _Optional[str] = ..., download_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomRecordingTranscriptCompleted(_message.Message):
    __slots__ = ("context", "recording", "download_token", "download_token_expire_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    recording: ZoomRecordingObject
    download_token: str
    download_token_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., recording: _Optional[_Union[ZoomRecordingObject, _Mapping]] = ..., download_token: _Optional[str] = ..., download_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomRecordingTrashed(_message.Message):
    __slots__ = ("context", "recording")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    recording: ZoomRecordingObject
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., recording: _Optional[_Union[ZoomRecordingObject, _Mapping]] = ...) -> None: ...

class ZoomRecordingDeleted(_message.Message):
    __slots__ = ("context", "recording")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    recording: ZoomRecordingObject
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., recording: _Optional[_Union[ZoomRecordingObject, _Mapping]] = ...) -> None: ...

class ZoomRecordingRecovered(_message.Message):
    __slots__ = ("context", "recording", "download_token", "download_token_expire_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    recording: ZoomRecordingObject
    download_token: str
    download_token_expire_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., recording: _Optional[_Union[ZoomRecordingObject, _Mapping]] = ..., download_token: _Optional[str] = ..., download_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomMeetingFields(_message.Message):
    __slots__ = ("topic", "start_time", "duration_minutes", "timezone", "agenda", "password", "type", "auto_recording")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    AGENDA_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    topic: str
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    timezone: str
    agenda: str
    password: str
    type: _common_pb2.ZoomMeetingType
    auto_recording: _common_pb2.AutoRecording
    def __init__(self, topic: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., timezone: _Optional[str] = ..., agenda: _Optional[str] = ..., password: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., auto_recording: _Optional[_Union[_common_pb2.AutoRecording, str]] = ...) -> None: ...

class ZoomMeetingUpdated(_message.Message):
    __slots__ = ("context", "meeting_id", "scope", "occurrence_id", "changed_fields", "new_values", "old_values", "update_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUES_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting_id: int
    scope: MeetingChangeScope
    occurrence_id: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    new_values: ZoomMeetingFields
    old_values: ZoomMeetingFields
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting_id: _Optional[int] = ..., scope: _Optional[_Union[MeetingChangeScope, str]] = ..., occurrence_id: _Optional[str] = ..., changed_fields: _Optional[_Iterable[str]] = ..., new_values: _Optional[_Union[ZoomMeetingFields, _Mapping]] = ..., old_values: _Optional[_Union[ZoomMeetingFields, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomOccurrence(_message.Message):
    __slots__ = ("occurrence_id", "start_time")
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    occurrence_id: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, occurrence_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomMeetingDeleted(_message.Message):
    __slots__ = ("context", "meeting", "scope", "occurrences")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    meeting: ZoomMeetingObject
    scope: MeetingChangeScope
    occurrences: _containers.RepeatedCompositeFieldContainer[ZoomOccurrence]
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., meeting: _Optional[_Union[ZoomMeetingObject, _Mapping]] = ..., scope: _Optional[_Union[MeetingChangeScope, str]] = ..., occurrences: _Optional[_Iterable[_Union[ZoomOccurrence, _Mapping]]] = ...) -> None: ...

class ZoomAppDeauthorized(_message.Message):
    __slots__ = ("context", "zoom_user_id", "client_id", "deauthorization_time")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEAUTHORIZATION_TIME_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    zoom_user_id: str
    client_id: str
    deauthorization_time: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., zoom_user_id: _Optional[str] = ..., client_id: _Optional[str] = ..., deauthorization_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ZoomRawEvent(_message.Message):
    __slots__ = ("context", "event", "raw_json", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    RAW_JSON_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: ZoomEventContext
    event: str
    raw_json: str
    reason: str
    def __init__(self, context: _Optional[_Union[ZoomEventContext, _Mapping]] = ..., event: _Optional[str] = ..., raw_json: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
