"""Turning protobuf answers into the seeds' JSON: ``{"success": true, "data": ...}``.

``/api/v1`` resources are rendered field for field with ``MessageToDict`` (proto field names,
int64 as strings, RFC 3339 instants), so a new field in a proto appears at the edge without code.
Enums are shown by the same short lower-case labels requests use (``in_progress``, not
``SESSION_STATUS_IN_PROGRESS``), so a front end reads back what it sends. The seed-001
``/api/live-classes`` routes use the seed's own flatter shape.
Nothing here logs: answers can carry signed URLs and join passcodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor
from google.protobuf.message import Message
from starlette.responses import JSONResponse

from edge.fields import Fields

if TYPE_CHECKING:
    from google._upb import _message as upb

    # A message's descriptors are the pure-Python classes or the upb backend's, whichever
    # protobuf runs on; both have the attributes read here.
    AnyDescriptor = Descriptor | upb.Descriptor
    AnyEnumDescriptor = EnumDescriptor | upb.EnumDescriptor

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def to_dict(message: Message, *, defaults: bool = False) -> dict[str, Any]:
    """A message as JSON-ready data, with its proto field names and short enum labels.

    ``defaults``: also fields at their zero value (``false``, ``""``), for answers whose whole
    point is saying what is *not* set (a tenant's configuration).
    """
    data = json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=defaults,
    )
    _shorten_enums(message.DESCRIPTOR, data)
    return data


def enum_prefix(descriptor: AnyEnumDescriptor) -> str:
    """The prefix proto style puts on every value: ``SessionStatus`` -> ``SESSION_STATUS_``."""
    name = descriptor.name
    snake = "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name))
    return snake.upper() + "_"


def _shorten_enums(descriptor: AnyDescriptor, data: dict[str, Any]) -> None:
    for field in descriptor.fields:
        value = data.get(field.name)
        if value is None:
            continue
        values = value if field.is_repeated else [value]
        if field.enum_type is not None:
            short = [_short(field.enum_type, v) for v in values]
            data[field.name] = short if field.is_repeated else short[0]
        elif field.message_type is not None:
            if field.message_type.GetOptions().map_entry:
                values = list(value.values()) if isinstance(value, dict) else []
                field_type = field.message_type.fields_by_name["value"].message_type
            else:
                field_type = field.message_type
            for item in values:
                if field_type is not None and isinstance(item, dict):
                    _shorten_enums(field_type, item)


def _short(descriptor: AnyEnumDescriptor, name: Any) -> Any:
    """A rendered enum name as its label; numbers (unknown values) stay as they are."""
    if isinstance(name, str):
        return name.removeprefix(enum_prefix(descriptor)).lower()
    return name


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
