"""Typed request inputs: pydantic models whose fields carry the edge's rules.

A route declares its query string and its JSON body as :class:`Input` models
(``edge.routing.route(..., query=ListBatches, body=CreateBatch)``); the route reads and checks
them before its handler runs, and the OpenAPI document is generated from the same models, so
what is documented is what is enforced.

Each field's type is ``Annotated[<python type>, <rule>]`` with a rule of this module (:class:`Text`,
:class:`Integer`, :class:`Choice`...). A rule both checks a value as sent and says its JSON
Schema, from the same parameters. The edge validates what it can see without asking anyone —
types, formats, ranges — and leaves business rules to the services.

One 400 names every bad field at once (``InvalidArgument`` with a field violation each, the
shape a service's INVALID_ARGUMENT takes), with the messages clients already read: ``is
required``, ``must be a string``, ``must be at most 300 characters``... ``null`` counts as
absent, and so does ``""`` in a query string. Checks that need several fields
(:meth:`Input.problems`: a class ends after it starts) run once every field is valid.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.message import Message

# googleapis-common-protos ships .pyi stubs for google.type but no py.typed marker, so mypy
# will not read them (the google.type values below are Any to it).
from google.type import date_pb2, timeofday_pb2  # type: ignore[import-untyped]
from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidationError,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema
from starlette.datastructures import QueryParams
from starlette.requests import Request

from classbridge_common.errors import FieldViolation, InvalidArgument
from edge.render import Schema, enum_choices, enum_prefix

InputT = TypeVar("InputT", bound="Input")

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME_PATTERN = r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$"
_TIME = re.compile(_TIME_PATTERN)
_QUERY_INTEGER = re.compile(r"-?\d{1,18}")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_ERROR = "edge_field"
INSTANT_EXAMPLE = "2024-11-10T10:00:00Z"


def fail(description: str) -> NoReturn:
    """Refuse the value being checked, with ``description`` as the field's violation."""
    raise PydanticCustomError(_ERROR, "{description}", {"description": description})


def _text(value: str) -> str:
    """Text a protobuf string can carry (a JSON body may hold lone surrogates: never UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail("must be valid Unicode text")
    return value


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class Rule:
    """How one field is checked and documented. ``required``: ``null`` (and ``""`` in a query)
    is refused with "is required" rather than taken as absent; ``nullable``: ``null`` is a value
    of its own (a recording policy's "inherit again")."""

    required: bool = False
    nullable: bool = False
    description: str = ""
    repeated: ClassVar[bool] = False

    def check(self, value: Any, *, query: bool) -> Any:
        """The value as the handler gets it, or :func:`fail`."""
        raise NotImplementedError

    def schema(self) -> Schema:
        """The JSON Schema of the values :meth:`check` accepts."""
        raise NotImplementedError

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        def validate(value: Any, info: core_schema.ValidationInfo) -> Any:
            if value is None and self.nullable:
                return None
            query = bool(info.context and info.context.get("query"))
            return self.check(value, query=query)

        return core_schema.with_info_plain_validator_function(validate)

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> Schema:
        schema = self.schema()
        if self.description:
            schema["description"] = self.description
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema


@dataclass(frozen=True, kw_only=True, eq=False)
class Text(Rule):
    """A string of at most ``max_length`` characters; ``required`` ones not blank either."""

    max_length: int = 10_000

    def check(self, value: Any, *, query: bool) -> str:
        if not isinstance(value, str):
            fail("must be a string")
        if self.required and not value.strip():
            fail("must not be empty")
        if len(value) > self.max_length:
            fail(f"must be at most {self.max_length} characters")
        return _text(value)

    def schema(self) -> Schema:
        schema: Schema = {"type": "string", "maxLength": self.max_length}
        if self.required:
            schema |= {"minLength": 1, "pattern": r"\S"}
        return schema


@dataclass(frozen=True, kw_only=True, eq=False)
class Flag(Rule):
    """``true`` or ``false`` (in a query also ``1``/``0`` and ``yes``/``no``)."""

    def check(self, value: Any, *, query: bool) -> bool:
        if isinstance(value, bool):
            return value
        if query and isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        fail("must be true or false")

    def schema(self) -> Schema:
        return {"type": "boolean"}


@dataclass(frozen=True, kw_only=True, eq=False)
class Integer(Rule):
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: Any, *, query: bool) -> int:
        if query and isinstance(value, str) and _QUERY_INTEGER.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            fail("must be an integer")
        if self.minimum is not None and value < self.minimum:
            fail(f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            fail(f"must be at most {self.maximum}")
        return value

    def schema(self) -> Schema:
        schema: Schema = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True, kw_only=True, eq=False)
class Number(Rule):
    minimum: float = 0.0
    maximum: float = 100.0

    def check(self, value: Any, *, query: bool) -> float:
        if query and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail("must be a number")
        if not self.minimum <= value <= self.maximum:
            fail(f"must be between {self.minimum:g} and {self.maximum:g}")
        return float(value)

    def schema(self) -> Schema:
        return {"type": "number", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True, kw_only=True, eq=False)
class StringList(Rule):
    """A JSON array of strings, or (query) repeated and/or comma-separated values."""

    repeated: ClassVar[bool] = True

    def check(self, value: Any, *, query: bool) -> list[str]:
        if query and isinstance(value, list):
            return [part.strip() for raw in value for part in str(raw).split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail("must be a list of strings")
        return [_text(v) for v in value]

    def schema(self) -> Schema:
        return {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True, kw_only=True, eq=False)
class Choice(Rule):
    """One of ``choices`` (case-insensitive), as the protobuf enum number."""

    choices: Mapping[str, int] = field(default_factory=dict)

    def check(self, value: Any, *, query: bool) -> int:
        if isinstance(value, str) and value.lower() in self.choices:
            return self.choices[value.lower()]
        fail(f"must be one of: {', '.join(self.choices)}")

    def schema(self) -> Schema:
        return {"type": "string", "enum": list(self.choices)}


@dataclass(frozen=True, kw_only=True, eq=False)
class Choices(Rule):
    """Several of ``choices`` (see :class:`StringList`), as enum numbers."""

    repeated: ClassVar[bool] = True
    choices: Mapping[str, int] = field(default_factory=dict)

    def check(self, value: Any, *, query: bool) -> list[int]:
        picked: list[int] = []
        for item in StringList().check(value, query=query):
            if item.lower() not in self.choices:
                fail(f"{item!r} is not one of: {', '.join(self.choices)}")
            picked.append(self.choices[item.lower()])
        return picked

    def schema(self) -> Schema:
        return {"type": "array", "items": {"type": "string", "enum": list(self.choices)}}


@dataclass(frozen=True, kw_only=True, eq=False)
class CalendarDate(Rule):
    """A calendar date ``YYYY-MM-DD`` (``google.type.Date``)."""

    def check(self, value: Any, *, query: bool) -> Any:
        match = _DATE.match(value) if isinstance(value, str) else None
        if match is None:
            fail("must be a date as YYYY-MM-DD")
        year, month, day = (int(g) for g in match.groups())
        try:
            datetime(year, month, day)
        except ValueError:
            fail("is not a real calendar date")
        return date_pb2.Date(year=year, month=month, day=day)

    def schema(self) -> Schema:
        return {"type": "string", "format": "date"}


@dataclass(frozen=True, kw_only=True, eq=False)
class WallTime(Rule):
    """A wall-clock time ``HH:MM`` (or ``HH:MM:SS``), 24-hour (``google.type.TimeOfDay``)."""

    def check(self, value: Any, *, query: bool) -> Any:
        match = _TIME.match(value) if isinstance(value, str) else None
        if match is None:
            fail("must be a time as HH:MM (24-hour)")
        hours, minutes, seconds = match.groups()
        return timeofday_pb2.TimeOfDay(
            hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0)
        )

    def schema(self) -> Schema:
        return {"type": "string", "pattern": _TIME_PATTERN, "examples": ["10:30"]}


@dataclass(frozen=True, kw_only=True, eq=False)
class Instant(Rule):
    """An instant in RFC 3339 with an offset, e.g. ``2024-11-10T10:00:00Z``."""

    def check(self, value: Any, *, query: bool) -> timestamp_pb2.Timestamp:
        stamp = timestamp_pb2.Timestamp()
        try:
            # RFC 3339 allows a lower-case T and Z; fromisoformat wants them upper-case.
            parsed = datetime.fromisoformat(value.upper()) if isinstance(value, str) else None
            if parsed is None or parsed.tzinfo is None:
                raise ValueError(value)
            stamp.FromDatetime(parsed)  # years 1 to 9999 in UTC, not just in its own offset
        except (ValueError, OverflowError):
            fail(f"must be an RFC 3339 instant with an offset, e.g. {INSTANT_EXAMPLE}")
        return stamp

    def schema(self) -> Schema:
        return {"type": "string", "format": "date-time", "examples": [INSTANT_EXAMPLE]}


@dataclass(frozen=True, kw_only=True, eq=False)
class Timezone(Rule):
    """An IANA timezone name (``Asia/Kolkata``); empty when absent."""

    def check(self, value: Any, *, query: bool) -> str:
        text = Text(max_length=64).check(value, query=query)
        if text:
            try:
                ZoneInfo(text)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                fail("is not a known IANA timezone")
        return text

    def schema(self) -> Schema:
        return {"type": "string", "maxLength": 64, "examples": ["Asia/Kolkata"]}


@dataclass(frozen=True, kw_only=True, eq=False)
class ProtoMessage(Rule):
    """A nested object read as protobuf ``message`` (its field names; enums by the labels
    answers show, or by their full proto names)."""

    message: type[Message] = Message

    def check(self, value: Any, *, query: bool) -> Message:
        if not isinstance(value, dict):
            fail("must be an object")
        descriptor = self.message.DESCRIPTOR
        try:
            return json_format.ParseDict(_full_enum_names(descriptor, value), self.message())
        except (json_format.ParseError, TypeError, ValueError) as exc:
            fail(str(exc)[:300])

    def schema(self) -> Schema:
        return proto_input_schema(self.message.DESCRIPTOR)


def _full_enum_names(descriptor: Any, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with each enum given by its short label (``cloud``) spelled in full
    (``AUTO_RECORDING_CLOUD``), as ``ParseDict`` reads them, nested messages included."""
    out = dict(value)
    for name, item in value.items():
        found = descriptor.fields_by_name.get(name) or descriptor.fields_by_camelcase_name.get(name)
        if found is None:
            continue
        if found.enum_type is not None:
            if found.is_repeated and isinstance(item, list):
                out[name] = [_enum_name(found.enum_type, i) for i in item]
            else:
                out[name] = _enum_name(found.enum_type, item)
        elif (
            found.message_type is not None
            and not found.message_type.GetOptions().map_entry
            and not found.message_type.full_name.startswith("google.")
        ):
            if found.is_repeated and isinstance(item, list):
                out[name] = [
                    _full_enum_names(found.message_type, i) if isinstance(i, dict) else i
                    for i in item
                ]
            elif isinstance(item, dict):
                out[name] = _full_enum_names(found.message_type, item)
    return out


def _enum_name(descriptor: Any, item: Any) -> Any:
    if isinstance(item, str) and item.lower() in enum_choices(descriptor):
        return enum_prefix(descriptor) + item.upper()
    return item


_INPUT_SCALARS: dict[int, Schema] = {
    1: {"type": "number"},  # double
    2: {"type": "number"},  # float
    3: {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+$"}]},  # int64
    4: {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]},
    5: {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},  # int32
    8: {"type": "boolean"},
    9: {"type": "string"},
    12: {"type": "string", "contentEncoding": "base64"},
    13: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},  # uint32
}


def proto_input_schema(descriptor: Any) -> Schema:
    """The JSON Schema of an object :class:`ProtoMessage` accepts, inline (the request side of
    proto3 JSON: field names, enums by label)."""
    properties: Schema = {}
    for item in descriptor.fields:
        if item.enum_type is not None:
            value: Schema = {"type": "string", "enum": list(enum_choices(item.enum_type))}
        elif item.message_type is not None:
            if item.message_type.full_name == "google.protobuf.Timestamp":
                value = {"type": "string", "format": "date-time"}
            else:
                value = proto_input_schema(item.message_type)
        else:
            value = dict(_INPUT_SCALARS.get(item.type, {}))
        properties[item.name] = {"type": "array", "items": value} if item.is_repeated else value
    return {"type": "object", "properties": properties, "additionalProperties": False}


# --- models -----------------------------------------------------------------------------------


class Input(BaseModel):
    """A query string or a JSON body, as a route declares it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    invalid_message: ClassVar[str] = "the request has invalid fields"
    """The 400's message before the field names."""

    _present: tuple[str, ...] = PrivateAttr(default=())

    def present(self, *names: str) -> list[str]:
        """Which of ``names`` the request carried, ``null`` included (for update masks)."""
        return [n for n in names if n in self._present]

    def copy_onto(
        self, message: Message, names: Iterable[str], *, to: Mapping[str, str] | None = None
    ) -> None:
        """Set the named fields on ``message`` (``to`` maps a body name to the message's field,
        else they are the same): a message-typed field is copied, ``null`` leaving it unset; a
        repeated field is replaced; anything else is assigned."""
        fields = message.DESCRIPTOR.fields_by_name
        for name in names:
            target = to[name] if to is not None else name
            value = getattr(self, name)
            field = fields[target]
            if field.is_repeated:
                getattr(message, target)[:] = value
            elif field.message_type is not None:
                if value is not None:
                    getattr(message, target).CopyFrom(value)
            else:
                setattr(message, target, value)

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        """Violations found across fields, once each field is valid (none by default)."""
        return ()

    @classmethod
    def raw_problems(cls, raw: Mapping[str, Any]) -> Iterable[FieldViolation]:
        """Violations found in the request as sent, whatever its fields (none by default)."""
        return ()

    @classmethod
    def rules(cls) -> dict[str, Rule]:
        """Each field's wire name and rule."""
        found: dict[str, Rule] = {}
        for name, info in cls.model_fields.items():
            rule = next((m for m in info.metadata if isinstance(m, Rule)), None)
            if rule is None:
                raise TypeError(f"{cls.__name__}.{name} has no rule")
            found[info.alias or name] = rule
        return found


def read(
    model: type[InputT], raw: Mapping[str, Any], request: Request, *, query: bool = False
) -> InputT:
    """``raw`` checked as ``model``; ``InvalidArgument`` naming every bad field otherwise."""
    rules = model.rules()
    violations = list(model.raw_problems(raw))
    reported: set[str] = set()
    data: dict[str, Any] = {}
    for key, value in raw.items():
        rule = rules.get(key)
        if rule is None:
            continue  # not a field of this request: ignored
        if (value is None and not rule.nullable) or (query and value == ""):
            if rule.required:
                violations.append(FieldViolation(field=key, description="is required"))
                reported.add(key)
            continue
        data[key] = value
    found: InputT | None = None
    try:
        found = model.model_validate(data, context={"query": query})
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "body"
            if error["type"] == "missing":
                if name not in reported:
                    violations.append(FieldViolation(field=name, description="is required"))
            elif error["type"] == _ERROR:
                description = str((error.get("ctx") or {}).get("description", error["msg"]))
                violations.append(FieldViolation(field=name, description=description))
            else:
                violations.append(FieldViolation(field=name, description=error["msg"]))
    if found is not None:
        found._present = tuple(k for k in raw if k in rules)
        violations.extend(found.problems(request))
    if violations:
        names = ", ".join(dict.fromkeys(v.field for v in violations))
        raise InvalidArgument(f"{model.invalid_message}: {names}", violations=violations)
    assert found is not None
    return found


def query_values(model: type[Input], params: QueryParams) -> dict[str, Any]:
    """The query string's values of ``model``'s fields: lists for repeated ones, else the last."""
    return {
        name: params.getlist(name) if rule.repeated else params[name]
        for name, rule in model.rules().items()
        if name in params
    }


class NoQuery(Input):
    """A route that reads nothing from its query string."""


DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


class Paging(Input):
    """``page_size`` (1..100, default 50) and ``page_token`` (the previous answer's
    ``next_page_token``) of a list."""

    page_size: Annotated[int, Integer(minimum=1, maximum=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE
    page_token: Annotated[str, Text(max_length=2048)] = ""


__all__ = [
    "CalendarDate",
    "Choice",
    "Choices",
    "Flag",
    "Input",
    "Instant",
    "Integer",
    "NoQuery",
    "Number",
    "Paging",
    "ProtoMessage",
    "Rule",
    "StringList",
    "Text",
    "Timezone",
    "WallTime",
    "fail",
    "query_values",
    "read",
]
