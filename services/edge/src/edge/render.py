"""Turning protobuf answers into the seeds' JSON: ``{"success": true, "data": ...}``.

``/api/v1`` resources are rendered field for field with ``MessageToDict`` (proto field names),
so a new field in a proto appears at the edge without code. Every field is in every answer, so a
front end never has to guess what a missing key means, and each kind of value has one format:

- numbers, strings and booleans as they are, zeros, ``""`` and ``false`` included (an absentee
  is ``present: false, minutes_attended: 0``); int64 as decimal strings, as proto3 JSON has it,
  so JavaScript does not round meeting numbers;
- instants (``Timestamp``) as RFC 3339 in UTC, ``2024-01-15T04:30:00Z``;
- lengths of time (``Duration``: ``retry_after``, a recording's ``duration``) as whole seconds,
  rounded up — the unit of the ``Retry-After`` header and of ``retry_after_seconds`` in errors;
- calendar dates (``google.type.Date``) as ``YYYY-MM-DD``, the form requests use;
- enums by the short lower-case labels requests use (``in_progress``, not
  ``SESSION_STATUS_IN_PROGRESS``), so a front end reads back what it sends; the unspecified value
  is ``null``, an unknown number stays a number;
- a value that is not set (an instant, a length of time or a date, an ``optional`` scalar, the
  other member of a ``oneof``) as ``null``; lists as ``[]`` and maps as ``{}``;
- a nested message that is not set (a session without ``zoom_meeting``) is left out rather than
  ``null``: front ends and the end-to-end suite read those with a default
  (``row.get("recording_sync", {})``), and an object of zeros would look like a real one.

The seed-001 ``/api/live-classes`` routes use the seed's own flatter shape.
Nothing here logs: answers can carry signed URLs and join passcodes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from starlette.responses import JSONResponse

from edge.fields import Fields

if TYPE_CHECKING:
    from google._upb import _message as upb

    # A message's descriptors are the pure-Python classes or the upb backend's, whichever
    # protobuf runs on; both have the attributes read here.
    AnyDescriptor = Descriptor | upb.Descriptor
    AnyEnumDescriptor = EnumDescriptor | upb.EnumDescriptor
    AnyFieldDescriptor = FieldDescriptor | upb.FieldDescriptor

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

_DURATION = "google.protobuf.Duration"
_DATE = "google.type.Date"
_WELL_KNOWN = "google.protobuf."
# Messages that stand for one value: unset, they are null like an unset optional scalar.
_VALUE_MESSAGES = frozenset({"google.protobuf.Timestamp", _DURATION, _DATE})


def to_dict(message: Message) -> dict[str, Any]:
    """A message as JSON-ready data: every field, in the formats of this module's docstring."""
    data = json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    return _complete(message, data)


def duration_seconds(seconds: int, nanos: int = 0) -> int:
    """A protobuf duration as the edge shows it: whole seconds, rounded up."""
    return math.ceil(seconds + nanos / 1e9)


def _complete(message: Message, shown: dict[str, Any]) -> dict[str, Any]:
    """``shown`` (``MessageToDict`` of ``message``) in the edge's formats, fields in proto order."""
    data: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        name = field.name
        value = getattr(message, name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            shown_map = shown.get(name, {})
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                shown_key = str(key).lower() if isinstance(key, bool) else str(key)
                shown_map[shown_key] = _value(value_field, item, shown_map.get(shown_key))
            data[name] = shown_map
        elif field.is_repeated:
            items = zip(value, shown.get(name, []), strict=True)
            data[name] = [_value(field, v, s) for v, s in items]
        elif not field.has_presence or message.HasField(name):
            data[name] = _value(field, value, shown.get(name))
        elif field.message_type is None or field.message_type.full_name in _VALUE_MESSAGES:
            data[name] = None
    return data


def _value(field: AnyFieldDescriptor, value: Any, shown: Any) -> Any:
    """One value of ``field``: ``value`` as protobuf holds it, ``shown`` as MessageToDict did."""
    if field.enum_type is not None:
        known = field.enum_type.values_by_number.get(value)
        if known is None:
            return value
        if known.name.endswith("_UNSPECIFIED"):
            return None
        return known.name.removeprefix(enum_prefix(field.enum_type)).lower()
    message_type = field.message_type
    if message_type is None:
        return shown
    if message_type.full_name == _DURATION:
        return duration_seconds(value.seconds, value.nanos)
    if message_type.full_name == _DATE:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if message_type.full_name.startswith(_WELL_KNOWN) or not isinstance(shown, dict):
        return shown  # Timestamp, FieldMask, Struct...: their JSON mapping already
    return _complete(value, shown)


def enum_prefix(descriptor: AnyEnumDescriptor) -> str:
    """The prefix proto style puts on every value: ``SessionStatus`` -> ``SESSION_STATUS_``."""
    name = descriptor.name
    snake = "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name))
    return snake.upper() + "_"


def ok(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The success envelope; ``extra`` adds top-level keys (``message``, ``count``...)."""
    return JSONResponse(
        {"success": True, **extra, "data": data}, status_code=status, headers=headers
    )


def no_store() -> dict[str, str]:
    """Headers for answers carrying short-lived credentials (signed URLs, start URLs)."""
    return {"Cache-Control": "no-store", "Pragma": "no-cache"}


def enum_label(descriptor: EnumDescriptor, number: int, prefix: str) -> str | None:
    """``SESSION_STATUS_IN_PROGRESS`` -> ``in_progress``; ``None`` for UNSPECIFIED/unknown."""
    value = descriptor.values_by_number.get(number)
    if value is None or value.name.endswith("_UNSPECIFIED"):
        return None
    return value.name.removeprefix(prefix).lower()


def enum_choices(descriptor: EnumDescriptor, prefix: str) -> dict[str, int]:
    """Lower-case short names accepted in requests -> enum numbers (UNSPECIFIED excluded)."""
    return {
        value.name.removeprefix(prefix).lower(): value.number
        for value in descriptor.values
        if not value.name.endswith("_UNSPECIFIED")
    }


def page_args(query: Fields) -> tuple[int, str]:
    """``page_size`` (1..100, default 50) and ``page_token`` from a query string."""
    size = query.integer("page_size", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    token = query.string("page_token", max_length=2048)
    return size, token


def page(items: list[dict[str, Any]], response: Message) -> JSONResponse:
    """A list answer with its paging fields next to ``data``."""
    extra: dict[str, Any] = {"next_page_token": getattr(response, "next_page_token", "")}
    if hasattr(response, "total_size"):
        extra["total_size"] = response.total_size
    return ok(items, **extra)
