"""Turning protobuf answers into the seeds' JSON, ``{"success": true, "data": ...}``, and saying
in JSON Schema what that JSON is: one set of rules for both, so the document cannot drift from
the answers.

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
  other member of a ``oneof``, a nested message such as a session without ``zoom_meeting``) as
  ``null`` — present, never left out, and not an object of zeros, which would look like a real
  one (read it as ``row["recording_sync"] or {}``); lists as ``[]`` and maps as ``{}``.

Each rule is written once, as a pair: how a value is shown (:func:`to_dict`) and the JSON Schema
of what is shown (:func:`message_schema`); ``tests/unit/edge/test_openapi_schemas.py`` renders
messages with every field set, and none, and validates them against the schemas.

The seed-001 ``/api/live-classes`` routes use the seed's own flatter shape (pydantic views).
Nothing here logs: answers can carry signed URLs and join passcodes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from starlette.responses import JSONResponse

if TYPE_CHECKING:
    from google._upb import _message as upb

    # A message's descriptors are the pure-Python classes or the upb backend's, whichever
    # protobuf runs on; both have the attributes read here.
    AnyDescriptor = Descriptor | upb.Descriptor
    AnyEnumDescriptor = EnumDescriptor | upb.EnumDescriptor
    AnyFieldDescriptor = FieldDescriptor | upb.FieldDescriptor

Schema = dict[str, Any]

SCHEMA_REF = "#/components/schemas/"
"""Where a message's schema is referenced from (the OpenAPI document's components)."""

_INT64 = {"type": "string", "pattern": "^-?[0-9]+$", "format": "int64"}
_UINT64 = {"type": "string", "pattern": "^[0-9]+$", "format": "int64"}
_NUMBER = {"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]}
# Scalars as MessageToDict shows them (the edge keeps its JSON): the schema of each proto type.
_SCALARS: dict[int, Schema] = {
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: _UINT64,
    FieldDescriptor.TYPE_FIXED64: _UINT64,
    FieldDescriptor.TYPE_DOUBLE: _NUMBER,
    FieldDescriptor.TYPE_FLOAT: _NUMBER,
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}


def duration_seconds(seconds: int, nanos: int = 0) -> int:
    """A protobuf duration as the edge shows it: whole seconds, rounded up."""
    return math.ceil(seconds + nanos / 1e9)


def _date(value: Any) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


# Messages that stand for one value: (how one is shown, its schema). Unset, they are null like
# an unset optional scalar.
_VALUE_MESSAGES: dict[str, tuple[Callable[[Any, Any], Any], Schema]] = {
    "google.protobuf.Timestamp": (
        lambda value, shown: shown,
        {"type": "string", "format": "date-time"},
    ),
    "google.protobuf.Duration": (
        lambda value, shown: duration_seconds(value.seconds, value.nanos),
        {"type": "integer", "description": "whole seconds, rounded up"},
    ),
    "google.type.Date": (lambda value, shown: _date(value), {"type": "string", "format": "date"}),
}
# Other well-known messages keep their proto3 JSON mapping: its schema.
_WELL_KNOWN: dict[str, Schema] = {
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Any": {"type": "object", "required": ["@type"]},
    "google.type.TimeOfDay": {"type": "object"},
}


def to_dict(message: Message) -> dict[str, Any]:
    """A message as JSON-ready data: every field, in the formats of this module's docstring."""
    data = json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    return _complete(message, data)


def _is_map(field: AnyFieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _map_value(field: AnyFieldDescriptor) -> AnyFieldDescriptor:
    """The ``value`` field of a map field's entry message."""
    assert field.message_type is not None
    return field.message_type.fields_by_name["value"]


def _complete(message: Message, shown: dict[str, Any]) -> dict[str, Any]:
    """``shown`` (``MessageToDict`` of ``message``) in the edge's formats, fields in proto order."""
    data: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        name = field.name
        value = getattr(message, name)
        if _is_map(field):
            shown_map = shown.get(name, {})
            value_field = _map_value(field)
            for key, item in value.items():
                shown_key = str(key).lower() if isinstance(key, bool) else str(key)
                shown_map[shown_key] = _value(value_field, item, shown_map.get(shown_key))
            data[name] = shown_map
        elif field.is_repeated:
            items = zip(value, shown.get(name, []), strict=True)
            data[name] = [_value(field, v, s) for v, s in items]
        elif not field.has_presence or message.HasField(name):
            data[name] = _value(field, value, shown.get(name))
        else:
            data[name] = None  # not set: an optional scalar, a oneof's other member, a message
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
    rule = _VALUE_MESSAGES.get(message_type.full_name)
    if rule is not None:
        return rule[0](value, shown)
    if message_type.full_name.startswith("google.") or not isinstance(shown, dict):
        return shown  # FieldMask, Struct...: their JSON mapping already
    return _complete(value, shown)


# --- the same rules, as JSON Schema -----------------------------------------------------------


def message_ref(descriptor: AnyDescriptor) -> Schema:
    """A reference to the schema of a rendered message (``message_schema`` builds it)."""
    return {"$ref": SCHEMA_REF + descriptor.full_name}


def message_schema(
    descriptor: AnyDescriptor,
    *,
    extra: dict[str, Schema] | None = None,
    optional_extra: frozenset[str] = frozenset(),
) -> Schema:
    """The JSON Schema of ``to_dict`` of such a message; nested messages by :func:`message_ref`.

    ``extra`` adds keys a route puts beside the message's own (a row's ``sync_job``), all of
    them present except those named in ``optional_extra``.
    """
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for field in descriptor.fields:
        properties[field.name] = _field_schema(field)
        required.append(field.name)
    for name, schema in (extra or {}).items():
        properties[name] = schema
        if name not in optional_extra:
            required.append(name)
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def referenced_messages(descriptor: AnyDescriptor) -> list[AnyDescriptor]:
    """The messages ``message_schema(descriptor)`` refers to (each once, for the components)."""
    found: list[AnyDescriptor] = []
    for field in descriptor.fields:
        message_type = field.message_type
        if message_type is None:
            continue
        if _is_map(field):
            message_type = message_type.fields_by_name["value"].message_type
            if message_type is None:
                continue
        if not message_type.full_name.startswith("google.") and message_type not in found:
            found.append(message_type)
    return found


def _field_schema(field: AnyFieldDescriptor) -> Schema:
    if _is_map(field):
        return {"type": "object", "additionalProperties": _value_schema(_map_value(field))}
    if field.is_repeated:
        return {"type": "array", "items": _value_schema(field)}
    schema = _value_schema(field)
    if field.has_presence:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _value_schema(field: AnyFieldDescriptor) -> Schema:
    """The schema of one value of ``field`` as :func:`_value` shows it."""
    if field.enum_type is not None:
        return enum_schema(field.enum_type)
    message_type = field.message_type
    if message_type is None:
        return dict(_SCALARS[field.type])
    rule = _VALUE_MESSAGES.get(message_type.full_name)
    if rule is not None:
        return dict(rule[1])
    if message_type.full_name.startswith("google."):
        return dict(_WELL_KNOWN.get(message_type.full_name, {}))
    return message_ref(message_type)


def enum_schema(descriptor: AnyEnumDescriptor) -> Schema:
    """An enum as shown: its labels, ``null`` for the unspecified value, or an unknown number."""
    labels = list(enum_choices(descriptor))
    has_unspecified = any(v.name.endswith("_UNSPECIFIED") for v in descriptor.values)
    options: list[Schema] = [{"type": "string", "enum": labels}]
    if has_unspecified:
        options.append({"type": "null"})
    options.append({"type": "integer", "description": "a value this edge does not know yet"})
    return {"anyOf": options}


# --- enums ------------------------------------------------------------------------------------


def enum_prefix(descriptor: AnyEnumDescriptor) -> str:
    """The prefix proto style puts on every value: ``SessionStatus`` -> ``SESSION_STATUS_``."""
    name = descriptor.name
    snake = "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name))
    return snake.upper() + "_"


def enum_label(descriptor: AnyEnumDescriptor, number: int, prefix: str | None = None) -> str | None:
    """``SESSION_STATUS_IN_PROGRESS`` -> ``in_progress``; ``None`` for UNSPECIFIED/unknown."""
    value = descriptor.values_by_number.get(number)
    if value is None or value.name.endswith("_UNSPECIFIED"):
        return None
    return value.name.removeprefix(prefix or enum_prefix(descriptor)).lower()


def enum_choices(descriptor: AnyEnumDescriptor, prefix: str | None = None) -> dict[str, int]:
    """Lower-case short names accepted in requests -> enum numbers (UNSPECIFIED excluded)."""
    cut = prefix or enum_prefix(descriptor)
    return {
        value.name.removeprefix(cut).lower(): value.number
        for value in descriptor.values
        if not value.name.endswith("_UNSPECIFIED")
    }


# --- the envelope -----------------------------------------------------------------------------


def ok(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The success envelope; ``extra`` adds top-level keys (``message``, ``count``...)."""
    return JSONResponse(
        {"success": True, **extra, "data": data}, status_code=status, headers=headers
    )


def ok_schema(data: Schema, extra: dict[str, Schema] | None = None) -> Schema:
    """The JSON Schema of ``ok(data, **extra)``."""
    properties: dict[str, Schema] = {"success": {"const": True}, **(extra or {}), "data": data}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def no_store() -> dict[str, str]:
    """Headers for answers carrying short-lived credentials (signed URLs, start URLs)."""
    return {"Cache-Control": "no-store", "Pragma": "no-cache"}


def page(items: list[dict[str, Any]], response: Message) -> JSONResponse:
    """A list answer with its paging fields next to ``data``."""
    extra: dict[str, Any] = {"next_page_token": getattr(response, "next_page_token", "")}
    if hasattr(response, "total_size"):
        extra["total_size"] = response.total_size
    return ok(items, **extra)


def page_extra(response: AnyDescriptor) -> dict[str, Schema]:
    """The schemas of the keys :func:`page` puts beside ``data`` for a ``response`` message."""
    extra: dict[str, Schema] = {"next_page_token": {"type": "string"}}
    if "total_size" in response.fields_by_name:
        extra["total_size"] = {"type": "integer", "format": "int32"}
    return extra
