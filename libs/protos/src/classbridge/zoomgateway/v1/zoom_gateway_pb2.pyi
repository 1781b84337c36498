import datetime

from classbridge.common.v1 import common_pb2 as _common_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_MODE_UNSPECIFIED: _ClassVar[AuthMode]
    AUTH_MODE_SERVER_TO_SERVER: _ClassVar[AuthMode]
    AUTH_MODE_USER_OAUTH: _ClassVar[AuthMode]

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATE_UNSPECIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_CONNECTED: _ClassVar[ConnectionState]
    CONNECTION_STATE_NEEDS_REAUTHORIZATION: _ClassVar[ConnectionState]

class MeetingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_STATUS_UNSPECIFIED: _ClassVar[MeetingStatus]
    MEETING_STATUS_WAITING: _ClassVar[MeetingStatus]
    MEETING_STATUS_STARTED: _ClassVar[MeetingStatus]

class AlternativeHostSkip(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALTERNATIVE_HOST_SKIP_UNSPECIFIED: _ClassVar[AlternativeHostSkip]
    ALTERNATIVE_HOST_SKIP_NOT_CONNECTED: _ClassVar[AlternativeHostSkip]
    ALTERNATIVE_HOST_SKIP_OTHER_ACCOUNT: _ClassVar[AlternativeHostSkip]
    ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM: _ClassVar[AlternativeHostSkip]

class ListMeetingsType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_MEETINGS_TYPE_UNSPECIFIED: _ClassVar[ListMeetingsType]
    LIST_MEETINGS_TYPE_SCHEDULED: _ClassVar[ListMeetingsType]
    LIST_MEETINGS_TYPE_LIVE: _ClassVar[ListMeetingsType]
    LIST_MEETINGS_TYPE_UPCOMING: _ClassVar[ListMeetingsType]
    LIST_MEETINGS_TYPE_PREVIOUS: _ClassVar[ListMeetingsType]

class RecordingFileStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORDING_FILE_STATUS_UNSPECIFIED: _ClassVar[RecordingFileStatus]
    RECORDING_FILE_STATUS_COMPLETED: _ClassVar[RecordingFileStatus]
    RECORDING_FILE_STATUS_PROCESSING: _ClassVar[RecordingFileStatus]

class TrashType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRASH_TYPE_UNSPECIFIED: _ClassVar[TrashType]
    TRASH_TYPE_MEETING_RECORDINGS: _ClassVar[TrashType]
    TRASH_TYPE_RECORDING_FILE: _ClassVar[TrashType]

class DeleteAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELETE_ACTION_UNSPECIFIED: _ClassVar[DeleteAction]
    DELETE_ACTION_TRASH: _ClassVar[DeleteAction]
    DELETE_ACTION_DELETE: _ClassVar[DeleteAction]
AUTH_MODE_UNSPECIFIED: AuthMode
AUTH_MODE_SERVER_TO_SERVER: AuthMode
AUTH_MODE_USER_OAUTH: AuthMode
CONNECTION_STATE_UNSPECIFIED: ConnectionState
CONNECTION_STATE_CONNECTED: ConnectionState
CONNECTION_STATE_NEEDS_REAUTHORIZATION: ConnectionState
MEETING_STATUS_UNSPECIFIED: MeetingStatus
MEETING_STATUS_WAITING: MeetingStatus
MEETING_STATUS_STARTED: MeetingStatus
ALTERNATIVE_HOST_SKIP_UNSPECIFIED: AlternativeHostSkip
ALTERNATIVE_HOST_SKIP_NOT_CONNECTED: AlternativeHostSkip
ALTERNATIVE_HOST_SKIP_OTHER_ACCOUNT: AlternativeHostSkip
ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM: AlternativeHostSkip
LIST_MEETINGS_TYPE_UNSPECIFIED: ListMeetingsType
LIST_MEETINGS_TYPE_SCHEDULED: ListMeetingsType
LIST_MEETINGS_TYPE_LIVE: ListMeetingsType
LIST_MEETINGS_TYPE_UPCOMING: ListMeetingsType
LIST_MEETINGS_TYPE_PREVIOUS: ListMeetingsType
RECORDING_FILE_STATUS_UNSPECIFIED: RecordingFileStatus
RECORDING_FILE_STATUS_COMPLETED: RecordingFileStatus
RECORDING_FILE_STATUS_PROCESSING: RecordingFileStatus
TRASH_TYPE_UNSPECIFIED: TrashType
TRASH_TYPE_MEETING_RECORDINGS: TrashType
TRASH_TYPE_RECORDING_FILE: TrashType
DELETE_ACTION_UNSPECIFIED: DeleteAction
DELETE_ACTION_TRASH: DeleteAction
DELETE_ACTION_DELETE: DeleteAction

class Tenant(_message.Message):
    __slots__ = ("id", "name", "account_id", "client_id", "s2s_configured", "webhook_secret_configured", "oauth_client_id", "oauth_redirect_uri", "user_oauth_configured", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    S2S_CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    OAUTH_CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    OAUTH_REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    USER_OAUTH_CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    account_id: str
    client_id: str
    s2s_configured: bool
    webhook_secret_configured: bool
    oauth_client_id: str
    oauth_redirect_uri: str
    user_oauth_configured: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., account_id: _Optional[str] = ..., client_id: _Optional[str] = ..., s2s_configured: _Optional[bool] = ..., webhook_secret_configured: _Optional[bool] = ..., oauth_client_id: _Optional[str] = ..., oauth_redirect_uri: _Optional[str] = ..., user_oauth_configured: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTenantRequest(_message.Message):
    __slots__ = ("tenant_id", "name", "request_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    name: str
    request_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetTenantRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ("tenants", "next_page_token")
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    next_page_token: str
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateTenantZoomAppsRequest(_message.Message):
    __slots__ = ("tenant_id", "account_id", "client_id", "client_secret", "webhook_secret_token", "oauth_client_id", "oauth_client_secret", "oauth_redirect_uri", "validate_only")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_SECRET_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OAUTH_CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    OAUTH_CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    OAUTH_REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    account_id: str
    client_id: str
    client_secret: str
    webhook_secret_token: str
    oauth_client_id: str
    oauth_client_secret: str
    oauth_redirect_uri: str
    validate_only: bool
    def __init__(self, tenant_id: _Optional[str] = ..., account_id: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., webhook_secret_token: _Optional[str] = ..., oauth_client_id: _Optional[str] = ..., oauth_client_secret: _Optional[str] = ..., oauth_redirect_uri: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class ListWebhookKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WebhookKey(_message.Message):
    __slots__ = ("tenant_id", "account_id", "secret_tokens")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_TOKENS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    account_id: str
    secret_tokens: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant_id: _Optional[str] = ..., account_id: _Optional[str] = ..., secret_tokens: _Optional[_Iterable[str]] = ...) -> None: ...

class ListWebhookKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[WebhookKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[WebhookKey, _Mapping]]] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("tenant_id", "oauth_user_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    OAUTH_USER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    oauth_user_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., oauth_user_id: _Optional[str] = ...) -> None: ...

class ZoomUser(_message.Message):
    __slots__ = ("id", "email", "first_name", "last_name", "display_name", "type", "role_name", "pmi", "timezone", "account_id", "account_number", "status", "language", "create_time", "last_login_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ROLE_NAME_FIELD_NUMBER: _ClassVar[int]
    PMI_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_LOGIN_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    type: int
    role_name: str
    pmi: int
    timezone: str
    account_id: str
    account_number: int
    status: str
    language: str
    create_time: _timestamp_pb2.Timestamp
    last_login_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., display_name: _Optional[str] = ..., type: _Optional[int] = ..., role_name: _Optional[str] = ..., pmi: _Optional[int] = ..., timezone: _Optional[str] = ..., account_id: _Optional[str] = ..., account_number: _Optional[int] = ..., status: _Optional[str] = ..., language: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_login_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = ("account", "validate")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_FIELD_NUMBER: _ClassVar[int]
    account: Account
    validate: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., validate: _Optional[bool] = ...) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("configured", "credentials_valid", "auth_mode", "tenant_id", "user", "message", "check_time", "cloud_recording_available", "capabilities")
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_VALID_FIELD_NUMBER: _ClassVar[int]
    AUTH_MODE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOUD_RECORDING_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    configured: bool
    credentials_valid: bool
    auth_mode: AuthMode
    tenant_id: str
    user: ZoomUser
    message: str
    check_time: _timestamp_pb2.Timestamp
    cloud_recording_available: bool
    capabilities: Capabilities
    def __init__(self, configured: _Optional[bool] = ..., credentials_valid: _Optional[bool] = ..., auth_mode: _Optional[_Union[AuthMode, str]] = ..., tenant_id: _Optional[str] = ..., user: _Optional[_Union[ZoomUser, _Mapping]] = ..., message: _Optional[str] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cloud_recording_available: _Optional[bool] = ..., capabilities: _Optional[_Union[Capabilities, _Mapping]] = ...) -> None: ...

class Capabilities(_message.Message):
    __slots__ = ("scopes_known", "can_create_meetings", "can_read_meetings", "can_update_meetings", "can_delete_meetings", "can_list_meetings", "can_read_recordings", "can_list_recordings", "can_delete_recordings", "can_read_participants", "can_read_users")
    SCOPES_KNOWN_FIELD_NUMBER: _ClassVar[int]
    CAN_CREATE_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_READ_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_UPDATE_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_DELETE_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_LIST_MEETINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_READ_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_LIST_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_DELETE_RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    CAN_READ_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CAN_READ_USERS_FIELD_NUMBER: _ClassVar[int]
    scopes_known: bool
    can_create_meetings: bool
    can_read_meetings: bool
    can_update_meetings: bool
    can_delete_meetings: bool
    can_list_meetings: bool
    can_read_recordings: bool
    can_list_recordings: bool
    can_delete_recordings: bool
    can_read_participants: bool
    can_read_users: bool
    def __init__(self, scopes_known: _Optional[bool] = ..., can_create_meetings: _Optional[bool] = ..., can_read_meetings: _Optional[bool] = ..., can_update_meetings: _Optional[bool] = ..., can_delete_meetings: _Optional[bool] = ..., can_list_meetings: _Optional[bool] = ..., can_read_recordings: _Optional[bool] = ..., can_list_recordings: _Optional[bool] = ..., can_delete_recordings: _Optional[bool] = ..., can_read_participants: _Optional[bool] = ..., can_read_users: _Optional[bool] = ...) -> None: ...

class UserRef(_message.Message):
    __slots__ = ("user_id", "email")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("account", "user")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    account: Account
    user: UserRef
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., user: _Optional[_Union[UserRef, _Mapping]] = ...) -> None: ...

class Connection(_message.Message):
    __slots__ = ("user_id", "tenant_id", "state", "zoom_user_id", "zoom_email", "zoom_account_id", "scopes", "connect_time", "access_token_expire_time", "last_refresh_time", "capabilities")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ZOOM_EMAIL_FIELD_NUMBER: _ClassVar[int]
    ZOOM_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    CONNECT_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_REFRESH_TIME_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    state: ConnectionState
    zoom_user_id: str
    zoom_email: str
    zoom_account_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    connect_time: _timestamp_pb2.Timestamp
    access_token_expire_time: _timestamp_pb2.Timestamp
    last_refresh_time: _timestamp_pb2.Timestamp
    capabilities: Capabilities
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., state: _Optional[_Union[ConnectionState, str]] = ..., zoom_user_id: _Optional[str] = ..., zoom_email: _Optional[str] = ..., zoom_account_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., connect_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., access_token_expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_refresh_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capabilities: _Optional[_Union[Capabilities, _Mapping]] = ...) -> None: ...

class GetAuthorizationUrlRequest(_message.Message):
    __slots__ = ("user_id", "tenant_id", "redirect_uri")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    tenant_id: str
    redirect_uri: str
    def __init__(self, user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., redirect_uri: _Optional[str] = ...) -> None: ...

class GetAuthorizationUrlResponse(_message.Message):
    __slots__ = ("authorization_url", "state", "expire_time")
    AUTHORIZATION_URL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    authorization_url: str
    state: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, authorization_url: _Optional[str] = ..., state: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompleteAuthorizationRequest(_message.Message):
    __slots__ = ("code", "state", "user_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    code: str
    state: str
    user_id: str
    def __init__(self, code: _Optional[str] = ..., state: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class GetConnectionRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class DisconnectRequest(_message.Message):
    __slots__ = ("user_id", "revoke")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    revoke: bool
    def __init__(self, user_id: _Optional[str] = ..., revoke: _Optional[bool] = ...) -> None: ...

class DisconnectResponse(_message.Message):
    __slots__ = ("disconnected", "revoked")
    DISCONNECTED_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    disconnected: bool
    revoked: bool
    def __init__(self, disconnected: _Optional[bool] = ..., revoked: _Optional[bool] = ...) -> None: ...

class Recurrence(_message.Message):
    __slots__ = ("type", "repeat_interval", "weekly_days", "monthly_day", "monthly_week", "monthly_week_day", "end_times", "end_date_time")
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TYPE_UNSPECIFIED: _ClassVar[Recurrence.Type]
        TYPE_DAILY: _ClassVar[Recurrence.Type]
        TYPE_WEEKLY: _ClassVar[Recurrence.Type]
        TYPE_MONTHLY: _ClassVar[Recurrence.Type]
    TYPE_UNSPECIFIED: Recurrence.Type
    TYPE_DAILY: Recurrence.Type
    TYPE_WEEKLY: Recurrence.Type
    TYPE_MONTHLY: Recurrence.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REPEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_DAYS_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_DAY_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_WEEK_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_WEEK_DAY_FIELD_NUMBER: _ClassVar[int]
    END_TIMES_FIELD_NUMBER: _ClassVar[int]
    END_DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    type: Recurrence.Type
    repeat_interval: int
    weekly_days: _containers.RepeatedScalarFieldContainer[int]
    monthly_day: int
    monthly_week: int
    monthly_week_day: int
    end_times: int
    end_date_time: _timestamp_pb2.Timestamp
    def __init__(self, type: _Optional[_Union[Recurrence.Type, str]] = ..., repeat_interval: _Optional[int] = ..., weekly_days: _Optional[_Iterable[int]] = ..., monthly_day: _Optional[int] = ..., monthly_week: _Optional[int] = ..., monthly_week_day: _Optional[int] = ..., end_times: _Optional[int] = ..., end_date_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Occurrence(_message.Message):
    __slots__ = ("occurrence_id", "start_time", "duration_minutes", "status")
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    occurrence_id: str
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    status: str
    def __init__(self, occurrence_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class MeetingSpec(_message.Message):
    __slots__ = ("topic", "type", "start_time", "duration_minutes", "timezone", "agenda", "password", "recurrence", "settings", "schedule_for", "course_title", "session_title")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    AGENDA_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FOR_FIELD_NUMBER: _ClassVar[int]
    COURSE_TITLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_TITLE_FIELD_NUMBER: _ClassVar[int]
    topic: str
    type: _common_pb2.ZoomMeetingType
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    timezone: str
    agenda: str
    password: str
    recurrence: Recurrence
    settings: _common_pb2.MeetingSettings
    schedule_for: str
    course_title: str
    session_title: str
    def __init__(self, topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., timezone: _Optional[str] = ..., agenda: _Optional[str] = ..., password: _Optional[str] = ..., recurrence: _Optional[_Union[Recurrence, _Mapping]] = ..., settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., schedule_for: _Optional[str] = ..., course_title: _Optional[str] = ..., session_title: _Optional[str] = ...) -> None: ...

class Meeting(_message.Message):
    __slots__ = ("id", "uuid", "host_id", "host_email", "topic", "type", "status", "start_time", "duration_minutes", "timezone", "agenda", "create_time", "join_url", "start_url", "password", "h323_password", "pstn_password", "encrypted_password", "settings", "recurrence", "occurrences", "registration_url", "creation_source", "tenant_id", "breakout_rooms_dropped", "skipped_alternative_hosts")
    ID_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_EMAIL_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    AGENDA_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    JOIN_URL_FIELD_NUMBER: _ClassVar[int]
    START_URL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    H323_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PSTN_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTED_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_URL_FIELD_NUMBER: _ClassVar[int]
    CREATION_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    BREAKOUT_ROOMS_DROPPED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_ALTERNATIVE_HOSTS_FIELD_NUMBER: _ClassVar[int]
    id: int
    uuid: str
    host_id: str
    host_email: str
    topic: str
    type: _common_pb2.ZoomMeetingType
    status: MeetingStatus
    start_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    timezone: str
    agenda: str
    create_time: _timestamp_pb2.Timestamp
    join_url: str
    start_url: str
    password: str
    h323_password: str
    pstn_password: str
    encrypted_password: str
    settings: _common_pb2.MeetingSettings
    recurrence: Recurrence
    occurrences: _containers.RepeatedCompositeFieldContainer[Occurrence]
    registration_url: str
    creation_source: str
    tenant_id: str
    breakout_rooms_dropped: bool
    skipped_alternative_hosts: _containers.RepeatedCompositeFieldContainer[SkippedAlternativeHost]
    def __init__(self, id: _Optional[int] = ..., uuid: _Optional[str] = ..., host_id: _Optional[str] = ..., host_email: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., status: _Optional[_Union[MeetingStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., timezone: _Optional[str] = ..., agenda: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., join_url: _Optional[str] = ..., start_url: _Optional[str] = ..., password: _Optional[str] = ..., h323_password: _Optional[str] = ..., pstn_password: _Optional[str] = ..., encrypted_password: _Optional[str] = ..., settings: _Optional[_Union[_common_pb2.MeetingSettings, _Mapping]] = ..., recurrence: _Optional[_Union[Recurrence, _Mapping]] = ..., occurrences: _Optional[_Iterable[_Union[Occurrence, _Mapping]]] = ..., registration_url: _Optional[str] = ..., creation_source: _Optional[str] = ..., tenant_id: _Optional[str] = ..., breakout_rooms_dropped: _Optional[bool] = ..., skipped_alternative_hosts: _Optional[_Iterable[_Union[SkippedAlternativeHost, _Mapping]]] = ...) -> None: ...

class SkippedAlternativeHost(_message.Message):
    __slots__ = ("user_id", "email", "reason", "detail")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    reason: AlternativeHostSkip
    detail: str
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., reason: _Optional[_Union[AlternativeHostSkip, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class CreateMeetingRequest(_message.Message):
    __slots__ = ("request_id", "account", "host", "meeting", "host_user_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    HOST_USER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account: Account
    host: UserRef
    meeting: MeetingSpec
    host_user_id: str
    def __init__(self, request_id: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., host: _Optional[_Union[UserRef, _Mapping]] = ..., meeting: _Optional[_Union[MeetingSpec, _Mapping]] = ..., host_user_id: _Optional[str] = ...) -> None: ...

class GetMeetingRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "occurrence_id", "include_start_url", "show_previous_occurrences")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_START_URL_FIELD_NUMBER: _ClassVar[int]
    SHOW_PREVIOUS_OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    occurrence_id: str
    include_start_url: bool
    show_previous_occurrences: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., occurrence_id: _Optional[str] = ..., include_start_url: _Optional[bool] = ..., show_previous_occurrences: _Optional[bool] = ...) -> None: ...

class UpdateMeetingRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "occurrence_id", "meeting", "update_mask")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    occurrence_id: str
    meeting: MeetingSpec
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., occurrence_id: _Optional[str] = ..., meeting: _Optional[_Union[MeetingSpec, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteMeetingRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "occurrence_id", "notify_hosts", "notify_scheduler")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_HOSTS_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_SCHEDULER_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    occurrence_id: str
    notify_hosts: bool
    notify_scheduler: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., occurrence_id: _Optional[str] = ..., notify_hosts: _Optional[bool] = ..., notify_scheduler: _Optional[bool] = ...) -> None: ...

class DeleteMeetingResponse(_message.Message):
    __slots__ = ("already_deleted",)
    ALREADY_DELETED_FIELD_NUMBER: _ClassVar[int]
    already_deleted: bool
    def __init__(self, already_deleted: _Optional[bool] = ...) -> None: ...

class ListMeetingsRequest(_message.Message):
    __slots__ = ("account", "host", "type", "page_size", "page_token", "to", "all_pages")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    ALL_PAGES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    host: UserRef
    type: ListMeetingsType
    page_size: int
    page_token: str
    to: _date_pb2.Date
    all_pages: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., host: _Optional[_Union[UserRef, _Mapping]] = ..., type: _Optional[_Union[ListMeetingsType, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., all_pages: _Optional[bool] = ..., **kwargs) -> None: ...

class ListMeetingsResponse(_message.Message):
    __slots__ = ("meetings", "next_page_token", "total_size")
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    meetings: _containers.RepeatedCompositeFieldContainer[Meeting]
    next_page_token: str
    total_size: int
    def __init__(self, meetings: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetPastMeetingRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "meeting_id")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    meeting_id: int
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., meeting_id: _Optional[int] = ...) -> None: ...

class PastMeeting(_message.Message):
    __slots__ = ("id", "uuid", "host_id", "topic", "type", "start_time", "end_time", "duration_minutes", "total_minutes", "participants_count")
    ID_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    HOST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_COUNT_FIELD_NUMBER: _ClassVar[int]
    id: int
    uuid: str
    host_id: str
    topic: str
    type: _common_pb2.ZoomMeetingType
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    duration_minutes: int
    total_minutes: int
    participants_count: int
    def __init__(self, id: _Optional[int] = ..., uuid: _Optional[str] = ..., host_id: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., total_minutes: _Optional[int] = ..., participants_count: _Optional[int] = ...) -> None: ...

class RecordingFile(_message.Message):
    __slots__ = ("id", "meeting_uuid", "recording_start", "recording_end", "file_type", "zoom_file_type", "file_extension", "file_size_bytes", "file_name", "play_url", "download_url", "status", "recording_type", "delete_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_START_FIELD_NUMBER: _ClassVar[int]
    RECORDING_END_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_EXTENSION_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    PLAY_URL_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECORDING_TYPE_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    meeting_uuid: str
    recording_start: _timestamp_pb2.Timestamp
    recording_end: _timestamp_pb2.Timestamp
    file_type: _common_pb2.RecordingFileType
    zoom_file_type: str
    file_extension: str
    file_size_bytes: int
    file_name: str
    play_url: str
    download_url: str
    status: RecordingFileStatus
    recording_type: str
    delete_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., meeting_uuid: _Optional[str] = ..., recording_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recording_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., file_type: _Optional[_Union[_common_pb2.RecordingFileType, str]] = ..., zoom_file_type: _Optional[str] = ..., file_extension: _Optional[str] = ..., file_size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ..., play_url: _Optional[str] = ..., download_url: _Optional[str] = ..., status: _Optional[_Union[RecordingFileStatus, str]] = ..., recording_type: _Optional[str] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MeetingRecording(_message.Message):
    __slots__ = ("meeting_id", "meeting_uuid", "account_id", "host_id", "host_email", "topic", "type", "start_time", "timezone", "duration_minutes", "total_size_bytes", "recording_count", "share_url", "recording_files", "participant_audio_files")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
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
    account_id: str
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
    recording_files: _containers.RepeatedCompositeFieldContainer[RecordingFile]
    participant_audio_files: _containers.RepeatedCompositeFieldContainer[RecordingFile]
    def __init__(self, meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., account_id: _Optional[str] = ..., host_id: _Optional[str] = ..., host_email: _Optional[str] = ..., topic: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ZoomMeetingType, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., timezone: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., total_size_bytes: _Optional[int] = ..., recording_count: _Optional[int] = ..., share_url: _Optional[str] = ..., recording_files: _Optional[_Iterable[_Union[RecordingFile, _Mapping]]] = ..., participant_audio_files: _Optional[_Iterable[_Union[RecordingFile, _Mapping]]] = ...) -> None: ...

class ListMeetingRecordingsRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "meeting_id")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    meeting_id: int
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., meeting_id: _Optional[int] = ...) -> None: ...

class ListMeetingRecordingsResponse(_message.Message):
    __slots__ = ("has_recording", "recording", "processing")
    HAS_RECORDING_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_FIELD_NUMBER: _ClassVar[int]
    has_recording: bool
    recording: MeetingRecording
    processing: bool
    def __init__(self, has_recording: _Optional[bool] = ..., recording: _Optional[_Union[MeetingRecording, _Mapping]] = ..., processing: _Optional[bool] = ...) -> None: ...

class ListUserRecordingsRequest(_message.Message):
    __slots__ = ("account", "host", "to", "page_size", "page_token", "trash", "trash_type", "meeting_id", "all_pages")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TRASH_FIELD_NUMBER: _ClassVar[int]
    TRASH_TYPE_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_PAGES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    host: UserRef
    to: _date_pb2.Date
    page_size: int
    page_token: str
    trash: bool
    trash_type: TrashType
    meeting_id: int
    all_pages: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., host: _Optional[_Union[UserRef, _Mapping]] = ..., to: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., trash: _Optional[bool] = ..., trash_type: _Optional[_Union[TrashType, str]] = ..., meeting_id: _Optional[int] = ..., all_pages: _Optional[bool] = ..., **kwargs) -> None: ...

class ListUserRecordingsResponse(_message.Message):
    __slots__ = ("recordings", "next_page_token")
    RECORDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    recordings: _containers.RepeatedCompositeFieldContainer[MeetingRecording]
    next_page_token: str
    def __init__(self, recordings: _Optional[_Iterable[_Union[MeetingRecording, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteMeetingRecordingsRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "meeting_id", "action")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    meeting_id: int
    action: DeleteAction
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., meeting_id: _Optional[int] = ..., action: _Optional[_Union[DeleteAction, str]] = ...) -> None: ...

class DeleteRecordingFileRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "recording_file_id", "action")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    recording_file_id: str
    action: DeleteAction
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., recording_file_id: _Optional[str] = ..., action: _Optional[_Union[DeleteAction, str]] = ...) -> None: ...

class GetDownloadAccessRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "recording_file_id", "download_url", "download_token")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FILE_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    recording_file_id: str
    download_url: str
    download_token: str
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., recording_file_id: _Optional[str] = ..., download_url: _Optional[str] = ..., download_token: _Optional[str] = ...) -> None: ...

class DownloadAccess(_message.Message):
    __slots__ = ("download_url", "access_token", "expire_time", "credential_hosts", "redirect_hosts", "file_size_bytes", "file_name")
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_HOSTS_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_HOSTS_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    download_url: str
    access_token: str
    expire_time: _timestamp_pb2.Timestamp
    credential_hosts: _containers.RepeatedScalarFieldContainer[str]
    redirect_hosts: _containers.RepeatedScalarFieldContainer[str]
    file_size_bytes: int
    file_name: str
    def __init__(self, download_url: _Optional[str] = ..., access_token: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., credential_hosts: _Optional[_Iterable[str]] = ..., redirect_hosts: _Optional[_Iterable[str]] = ..., file_size_bytes: _Optional[int] = ..., file_name: _Optional[str] = ...) -> None: ...

class ListPastMeetingParticipantsRequest(_message.Message):
    __slots__ = ("account", "meeting_uuid", "page_size", "page_token", "use_report", "all_pages")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    USE_REPORT_FIELD_NUMBER: _ClassVar[int]
    ALL_PAGES_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_uuid: str
    page_size: int
    page_token: str
    use_report: bool
    all_pages: bool
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_uuid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., use_report: _Optional[bool] = ..., all_pages: _Optional[bool] = ...) -> None: ...

class PastParticipant(_message.Message):
    __slots__ = ("id", "user_id", "name", "user_email", "join_time", "leave_time", "duration_seconds", "failover", "status", "registrant_id", "participant_user_id", "customer_key", "internal_user")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    LEAVE_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FAILOVER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGISTRANT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_KEY_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_USER_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    name: str
    user_email: str
    join_time: _timestamp_pb2.Timestamp
    leave_time: _timestamp_pb2.Timestamp
    duration_seconds: int
    failover: bool
    status: str
    registrant_id: str
    participant_user_id: str
    customer_key: str
    internal_user: bool
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., name: _Optional[str] = ..., user_email: _Optional[str] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., leave_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[int] = ..., failover: _Optional[bool] = ..., status: _Optional[str] = ..., registrant_id: _Optional[str] = ..., participant_user_id: _Optional[str] = ..., customer_key: _Optional[str] = ..., internal_user: _Optional[bool] = ...) -> None: ...

class ListPastMeetingParticipantsResponse(_message.Message):
    __slots__ = ("participants", "next_page_token", "total_size")
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[PastParticipant]
    next_page_token: str
    total_size: int
    def __init__(self, participants: _Optional[_Iterable[_Union[PastParticipant, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class RegistrantSpec(_message.Message):
    __slots__ = ("email", "first_name", "last_name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    first_name: str
    last_name: str
    def __init__(self, email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ...) -> None: ...

class Registrant(_message.Message):
    __slots__ = ("registrant_id", "email", "first_name", "last_name", "join_url", "status")
    REGISTRANT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    JOIN_URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    registrant_id: str
    email: str
    first_name: str
    last_name: str
    join_url: str
    status: str
    def __init__(self, registrant_id: _Optional[str] = ..., email: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., join_url: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class AddMeetingRegistrantsRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "registrants", "occurrence_ids")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRANTS_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    registrants: _containers.RepeatedCompositeFieldContainer[RegistrantSpec]
    occurrence_ids: str
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., registrants: _Optional[_Iterable[_Union[RegistrantSpec, _Mapping]]] = ..., occurrence_ids: _Optional[str] = ...) -> None: ...

class AddMeetingRegistrantsResponse(_message.Message):
    __slots__ = ("registrants",)
    REGISTRANTS_FIELD_NUMBER: _ClassVar[int]
    registrants: _containers.RepeatedCompositeFieldContainer[Registrant]
    def __init__(self, registrants: _Optional[_Iterable[_Union[Registrant, _Mapping]]] = ...) -> None: ...

class RemoveMeetingRegistrantsRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "registrant_ids")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRANT_IDS_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    registrant_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., registrant_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveMeetingRegistrantsResponse(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class ListMeetingRegistrantsRequest(_message.Message):
    __slots__ = ("account", "meeting_id", "status")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    account: Account
    meeting_id: int
    status: str
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., meeting_id: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class ListMeetingRegistrantsResponse(_message.Message):
    __slots__ = ("registrants",)
    REGISTRANTS_FIELD_NUMBER: _ClassVar[int]
    registrants: _containers.RepeatedCompositeFieldContainer[Registrant]
    def __init__(self, registrants: _Optional[_Iterable[_Union[Registrant, _Mapping]]] = ...) -> None: ...
