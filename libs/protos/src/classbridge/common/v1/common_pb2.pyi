from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_TYPE_UNSPECIFIED: _ClassVar[BatchType]
    BATCH_TYPE_GROUP: _ClassVar[BatchType]
    BATCH_TYPE_INDIVIDUAL: _ClassVar[BatchType]

class RecordingFileType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORDING_FILE_TYPE_UNSPECIFIED: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_MP4: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_M4A: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_CHAT: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_TRANSCRIPT: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_CC: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_CSV: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_TIMELINE: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_SUMMARY: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_CHAT_MESSAGE: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_TB: _ClassVar[RecordingFileType]
    RECORDING_FILE_TYPE_OTHER: _ClassVar[RecordingFileType]

class RecordingSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORDING_SOURCE_UNSPECIFIED: _ClassVar[RecordingSource]
    RECORDING_SOURCE_ZOOM_AUTO_SYNC: _ClassVar[RecordingSource]
    RECORDING_SOURCE_MANUAL_UPLOAD: _ClassVar[RecordingSource]
    RECORDING_SOURCE_EXTERNAL_LINK: _ClassVar[RecordingSource]
    RECORDING_SOURCE_LOCAL_FOLDER: _ClassVar[RecordingSource]

class AutoRecording(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTO_RECORDING_UNSPECIFIED: _ClassVar[AutoRecording]
    AUTO_RECORDING_NONE: _ClassVar[AutoRecording]
    AUTO_RECORDING_LOCAL: _ClassVar[AutoRecording]
    AUTO_RECORDING_CLOUD: _ClassVar[AutoRecording]

class ZoomMeetingType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZOOM_MEETING_TYPE_UNSPECIFIED: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_INSTANT: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_SCHEDULED: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_RECURRING_NO_FIXED_TIME: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_PERSONAL_ROOM: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME: _ClassVar[ZoomMeetingType]
    ZOOM_MEETING_TYPE_SCREEN_SHARE_ONLY: _ClassVar[ZoomMeetingType]

class MeetingAudio(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_AUDIO_UNSPECIFIED: _ClassVar[MeetingAudio]
    MEETING_AUDIO_BOTH: _ClassVar[MeetingAudio]
    MEETING_AUDIO_TELEPHONY: _ClassVar[MeetingAudio]
    MEETING_AUDIO_VOIP: _ClassVar[MeetingAudio]
    MEETING_AUDIO_THIRD_PARTY: _ClassVar[MeetingAudio]

class MeetingEncryption(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_ENCRYPTION_UNSPECIFIED: _ClassVar[MeetingEncryption]
    MEETING_ENCRYPTION_ENHANCED: _ClassVar[MeetingEncryption]
    MEETING_ENCRYPTION_E2EE: _ClassVar[MeetingEncryption]

class SyncErrorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_ERROR_TYPE_UNSPECIFIED: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_NO_RECORDING: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_ZOOM_UNAVAILABLE: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_ZOOM_RATE_LIMITED: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_ZOOM_AUTH: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_DOWNLOAD: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_INTEGRITY: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_STORAGE: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_DISALLOWED_HOST: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_UNLINKED_MEETING: _ClassVar[SyncErrorType]
    SYNC_ERROR_TYPE_INTERNAL: _ClassVar[SyncErrorType]
BATCH_TYPE_UNSPECIFIED: BatchType
BATCH_TYPE_GROUP: BatchType
BATCH_TYPE_INDIVIDUAL: BatchType
RECORDING_FILE_TYPE_UNSPECIFIED: RecordingFileType
RECORDING_FILE_TYPE_MP4: RecordingFileType
RECORDING_FILE_TYPE_M4A: RecordingFileType
RECORDING_FILE_TYPE_CHAT: RecordingFileType
RECORDING_FILE_TYPE_TRANSCRIPT: RecordingFileType
RECORDING_FILE_TYPE_CC: RecordingFileType
RECORDING_FILE_TYPE_CSV: RecordingFileType
RECORDING_FILE_TYPE_TIMELINE: RecordingFileType
RECORDING_FILE_TYPE_SUMMARY: RecordingFileType
RECORDING_FILE_TYPE_CHAT_MESSAGE: RecordingFileType
RECORDING_FILE_TYPE_TB: RecordingFileType
RECORDING_FILE_TYPE_OTHER: RecordingFileType
RECORDING_SOURCE_UNSPECIFIED: RecordingSource
RECORDING_SOURCE_ZOOM_AUTO_SYNC: RecordingSource
RECORDING_SOURCE_MANUAL_UPLOAD: RecordingSource
RECORDING_SOURCE_EXTERNAL_LINK: RecordingSource
RECORDING_SOURCE_LOCAL_FOLDER: RecordingSource
AUTO_RECORDING_UNSPECIFIED: AutoRecording
AUTO_RECORDING_NONE: AutoRecording
AUTO_RECORDING_LOCAL: AutoRecording
AUTO_RECORDING_CLOUD: AutoRecording
ZOOM_MEETING_TYPE_UNSPECIFIED: ZoomMeetingType
ZOOM_MEETING_TYPE_INSTANT: ZoomMeetingType
ZOOM_MEETING_TYPE_SCHEDULED: ZoomMeetingType
ZOOM_MEETING_TYPE_RECURRING_NO_FIXED_TIME: ZoomMeetingType
ZOOM_MEETING_TYPE_PERSONAL_ROOM: ZoomMeetingType
ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME: ZoomMeetingType
ZOOM_MEETING_TYPE_SCREEN_SHARE_ONLY: ZoomMeetingType
MEETING_AUDIO_UNSPECIFIED: MeetingAudio
MEETING_AUDIO_BOTH: MeetingAudio
MEETING_AUDIO_TELEPHONY: MeetingAudio
MEETING_AUDIO_VOIP: MeetingAudio
MEETING_AUDIO_THIRD_PARTY: MeetingAudio
MEETING_ENCRYPTION_UNSPECIFIED: MeetingEncryption
MEETING_ENCRYPTION_ENHANCED: MeetingEncryption
MEETING_ENCRYPTION_E2EE: MeetingEncryption
SYNC_ERROR_TYPE_UNSPECIFIED: SyncErrorType
SYNC_ERROR_TYPE_NO_RECORDING: SyncErrorType
SYNC_ERROR_TYPE_ZOOM_UNAVAILABLE: SyncErrorType
SYNC_ERROR_TYPE_ZOOM_RATE_LIMITED: SyncErrorType
SYNC_ERROR_TYPE_ZOOM_AUTH: SyncErrorType
SYNC_ERROR_TYPE_DOWNLOAD: SyncErrorType
SYNC_ERROR_TYPE_INTEGRITY: SyncErrorType
SYNC_ERROR_TYPE_STORAGE: SyncErrorType
SYNC_ERROR_TYPE_DISALLOWED_HOST: SyncErrorType
SYNC_ERROR_TYPE_UNLINKED_MEETING: SyncErrorType
SYNC_ERROR_TYPE_INTERNAL: SyncErrorType

class MeetingSettings(_message.Message):
    __slots__ = ("host_video", "participant_video", "join_before_host", "join_before_host_minutes", "mute_upon_entry", "waiting_room", "meeting_authentication", "auto_recording", "alternative_hosts", "alternative_hosts_set", "alternative_hosts_email_notification", "watermark", "focus_mode", "private_meeting", "audio", "encryption", "email_notification", "approval_type", "registration_type", "breakout_rooms", "alternative_host_user_ids")
    class BreakoutRooms(_message.Message):
        __slots__ = ("enable", "rooms")
        ENABLE_FIELD_NUMBER: _ClassVar[int]
        ROOMS_FIELD_NUMBER: _ClassVar[int]
        enable: bool
        rooms: _containers.RepeatedCompositeFieldContainer[MeetingSettings.BreakoutRoom]
        def __init__(self, enable: _Optional[bool] = ..., rooms: _Optional[_Iterable[_Union[MeetingSettings.BreakoutRoom, _Mapping]]] = ...) -> None: ...
    class BreakoutRoom(_message.Message):
        __slots__ = ("name", "participants")
        NAME_FIELD_NUMBER: _ClassVar[int]
        PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
        name: str
        participants: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, name: _Optional[str] = ..., participants: _Optional[_Iterable[str]] = ...) -> None: ...
    HOST_VIDEO_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_VIDEO_FIELD_NUMBER: _ClassVar[int]
    JOIN_BEFORE_HOST_FIELD_NUMBER: _ClassVar[int]
    JOIN_BEFORE_HOST_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MUTE_UPON_ENTRY_FIELD_NUMBER: _ClassVar[int]
    WAITING_ROOM_FIELD_NUMBER: _ClassVar[int]
    MEETING_AUTHENTICATION_FIELD_NUMBER: _ClassVar[int]
    AUTO_RECORDING_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_HOSTS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_HOSTS_SET_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_HOSTS_EMAIL_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_FIELD_NUMBER: _ClassVar[int]
    FOCUS_MODE_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_MEETING_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTION_FIELD_NUMBER: _ClassVar[int]
    EMAIL_NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_ROOMS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATIVE_HOST_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    host_video: bool
    participant_video: bool
    join_before_host: bool
    join_before_host_minutes: int
    mute_upon_entry: bool
    waiting_room: bool
    meeting_authentication: bool
    auto_recording: AutoRecording
    alternative_hosts: _containers.RepeatedScalarFieldContainer[str]
    alternative_hosts_set: bool
    alternative_hosts_email_notification: bool
    watermark: bool
    focus_mode: bool
    private_meeting: bool
    audio: MeetingAudio
    encryption: MeetingEncryption
    email_notification: bool
    approval_type: int
    registration_type: int
    breakout_rooms: MeetingSettings.BreakoutRooms
    alternative_host_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, host_video: _Optional[bool] = ..., participant_video: _Optional[bool] = ..., join_before_host: _Optional[bool] = ..., join_before_host_minutes: _Optional[int] = ..., mute_upon_entry: _Optional[bool] = ..., waiting_room: _Optional[bool] = ..., meeting_authentication: _Optional[bool] = ..., auto_recording: _Optional[_Union[AutoRecording, str]] = ..., alternative_hosts: _Optional[_Iterable[str]] = ..., alternative_hosts_set: _Optional[bool] = ..., alternative_hosts_email_notification: _Optional[bool] = ..., watermark: _Optional[bool] = ..., focus_mode: _Optional[bool] = ..., private_meeting: _Optional[bool] = ..., audio: _Optional[_Union[MeetingAudio, str]] = ..., encryption: _Optional[_Union[MeetingEncryption, str]] = ..., email_notification: _Optional[bool] = ..., approval_type: _Optional[int] = ..., registration_type: _Optional[int] = ..., breakout_rooms: _Optional[_Union[MeetingSettings.BreakoutRooms, _Mapping]] = ..., alternative_host_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...
