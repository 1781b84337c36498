import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProcessingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROCESSING_STATE_UNSPECIFIED: _ClassVar[ProcessingState]
    PROCESSING_STATE_RECEIVED: _ClassVar[ProcessingState]
    PROCESSING_STATE_PUBLISHED: _ClassVar[ProcessingState]
    PROCESSING_STATE_DUPLICATE: _ClassVar[ProcessingState]
    PROCESSING_STATE_IGNORED: _ClassVar[ProcessingState]
    PROCESSING_STATE_TRANSLATION_FAILED: _ClassVar[ProcessingState]

class EventView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_VIEW_UNSPECIFIED: _ClassVar[EventView]
    EVENT_VIEW_BASIC: _ClassVar[EventView]
    EVENT_VIEW_FULL: _ClassVar[EventView]
PROCESSING_STATE_UNSPECIFIED: ProcessingState
PROCESSING_STATE_RECEIVED: ProcessingState
PROCESSING_STATE_PUBLISHED: ProcessingState
PROCESSING_STATE_DUPLICATE: ProcessingState
PROCESSING_STATE_IGNORED: ProcessingState
PROCESSING_STATE_TRANSLATION_FAILED: ProcessingState
EVENT_VIEW_UNSPECIFIED: EventView
EVENT_VIEW_BASIC: EventView
EVENT_VIEW_FULL: EventView

class WebhookEvent(_message.Message):
    __slots__ = ("id", "event_type", "event_time", "receive_time", "account_id", "meeting_id", "meeting_uuid", "dedup_key", "state", "routing_key", "message_id", "publish_time", "duplicate_count", "replay_count", "last_replay_time", "error", "raw_body", "headers", "zoom_tracking_id")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    DEDUP_KEY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROUTING_KEY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPLAY_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_REPLAY_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RAW_BODY_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    ZOOM_TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    event_type: str
    event_time: _timestamp_pb2.Timestamp
    receive_time: _timestamp_pb2.Timestamp
    account_id: str
    meeting_id: int
    meeting_uuid: str
    dedup_key: str
    state: ProcessingState
    routing_key: str
    message_id: str
    publish_time: _timestamp_pb2.Timestamp
    duplicate_count: int
    replay_count: int
    last_replay_time: _timestamp_pb2.Timestamp
    error: str
    raw_body: bytes
    headers: _containers.ScalarMap[str, str]
    zoom_tracking_id: str
    def __init__(self, id: _Optional[str] = ..., event_type: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_id: _Optional[str] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., dedup_key: _Optional[str] = ..., state: _Optional[_Union[ProcessingState, str]] = ..., routing_key: _Optional[str] = ..., message_id: _Optional[str] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duplicate_count: _Optional[int] = ..., replay_count: _Optional[int] = ..., last_replay_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., raw_body: _Optional[bytes] = ..., headers: _Optional[_Mapping[str, str]] = ..., zoom_tracking_id: _Optional[str] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "event_types", "meeting_id", "meeting_uuid", "states", "received_after", "received_before", "view")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AFTER_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    meeting_id: int
    meeting_uuid: str
    states: _containers.RepeatedScalarFieldContainer[ProcessingState]
    received_after: _timestamp_pb2.Timestamp
    received_before: _timestamp_pb2.Timestamp
    view: EventView
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., states: _Optional[_Iterable[_Union[ProcessingState, str]]] = ..., received_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., view: _Optional[_Union[EventView, str]] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token", "total_size")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[WebhookEvent]
    next_page_token: str
    total_size: int
    def __init__(self, events: _Optional[_Iterable[_Union[WebhookEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("event_id", "view")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    view: EventView
    def __init__(self, event_id: _Optional[str] = ..., view: _Optional[_Union[EventView, str]] = ...) -> None: ...

class ReplayEventRequest(_message.Message):
    __slots__ = ("event_id", "reason")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    reason: str
    def __init__(self, event_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReplayEventResponse(_message.Message):
    __slots__ = ("event", "message_id")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    event: WebhookEvent
    message_id: str
    def __init__(self, event: _Optional[_Union[WebhookEvent, _Mapping]] = ..., message_id: _Optional[str] = ...) -> None: ...

class ReplayEventsRequest(_message.Message):
    __slots__ = ("received_after", "received_before", "event_types", "meeting_id", "meeting_uuid", "states", "dry_run", "limit", "reason")
    RECEIVED_AFTER_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_UUID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    received_after: _timestamp_pb2.Timestamp
    received_before: _timestamp_pb2.Timestamp
    event_types: _containers.RepeatedScalarFieldContainer[str]
    meeting_id: int
    meeting_uuid: str
    states: _containers.RepeatedScalarFieldContainer[ProcessingState]
    dry_run: bool
    limit: int
    reason: str
    def __init__(self, received_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_types: _Optional[_Iterable[str]] = ..., meeting_id: _Optional[int] = ..., meeting_uuid: _Optional[str] = ..., states: _Optional[_Iterable[_Union[ProcessingState, str]]] = ..., dry_run: _Optional[bool] = ..., limit: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ReplayEventsResponse(_message.Message):
    __slots__ = ("matched_count", "replayed_count")
    MATCHED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_COUNT_FIELD_NUMBER: _ClassVar[int]
    matched_count: int
    replayed_count: int
    def __init__(self, matched_count: _Optional[int] = ..., replayed_count: _Optional[int] = ...) -> None: ...

class PruneEventsRequest(_message.Message):
    __slots__ = ("received_before", "dry_run")
    RECEIVED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    received_before: _timestamp_pb2.Timestamp
    dry_run: bool
    def __init__(self, received_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class PruneEventsResponse(_message.Message):
    __slots__ = ("deleted_count",)
    DELETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    deleted_count: int
    def __init__(self, deleted_count: _Optional[int] = ...) -> None: ...
