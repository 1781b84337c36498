"""The schema the document gives each protobuf message is what ``render.to_dict`` makes of it:
every message the document names is rendered empty, with every field set (each enum's labels,
its unspecified value and an unknown number, each member of each oneof, optional scalars set and
not), and the JSON is validated against its schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from jsonschema import Draft202012Validator

from classbridge_common.testing import make_settings
from edge import openapi
from edge.app import create_app
from edge.clients import Clients
from edge.render import to_dict
from edge.settings import Settings

_SCALARS: dict[int, list[Any]] = {
    FieldDescriptor.TYPE_DOUBLE: [91.7, float("nan"), float("inf")],
    FieldDescriptor.TYPE_FLOAT: [1.5],
    FieldDescriptor.TYPE_INT64: [9_007_199_254_740_993, -5],
    FieldDescriptor.TYPE_UINT64: [2**63],
    FieldDescriptor.TYPE_INT32: [-7, 2**31 - 1],
    FieldDescriptor.TYPE_UINT32: [2**32 - 1],
    FieldDescriptor.TYPE_SINT32: [-1],
    FieldDescriptor.TYPE_SINT64: [-1],
    FieldDescriptor.TYPE_FIXED32: [1],
    FieldDescriptor.TYPE_FIXED64: [1],
    FieldDescriptor.TYPE_SFIXED32: [-1],
    FieldDescriptor.TYPE_SFIXED64: [-1],
    FieldDescriptor.TYPE_BOOL: [True, False],
    FieldDescriptor.TYPE_STRING: ["text", ""],
    FieldDescriptor.TYPE_BYTES: [b"\x00\xff"],
}


def _document() -> dict[str, Any]:
    settings = make_settings(Settings, service_name="edge", data_dir=Path("var"))
    return openapi.build(create_app(settings=settings, clients=Clients.__new__(Clients)).routes)


DOCUMENT = _document()
MESSAGES = sorted(n for n in DOCUMENT["components"]["schemas"] if n.startswith("classbridge."))


def _fill(message: Message, variant: int, depth: int = 0) -> None:
    """Set every field of ``message``; ``variant`` picks values, enum numbers, oneof members."""
    chosen_oneofs = {
        oneof.name: oneof.fields[variant % len(oneof.fields)].name
        for oneof in message.DESCRIPTOR.oneofs
        if not oneof.name.startswith("_")  # proto3 optional: a synthetic oneof of one field
    }
    for field in message.DESCRIPTOR.fields:
        oneof = field.containing_oneof
        if oneof is not None and chosen_oneofs.get(oneof.name, field.name) != field.name:
            continue
        if field.has_presence and field.message_type is None and variant % 2:
            continue  # an optional scalar left unset: null
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entry = getattr(message, field.name)
            key_field = field.message_type.fields_by_name["key"]
            value_field = field.message_type.fields_by_name["value"]
            key = _one(key_field, variant)
            if value_field.message_type is not None:
                if depth < 3:
                    _fill(entry[key], variant, depth + 1)
            else:
                entry[key] = _one(value_field, variant)
        elif field.is_repeated:
            target = getattr(message, field.name)
            if field.message_type is not None:
                if depth < 3:
                    for i in range(2):
                        _fill(target.add(), variant + i, depth + 1)
            else:
                target.extend(_one(field, variant + i) for i in range(2))
        elif field.message_type is not None:
            if depth < 3:
                _fill(getattr(message, field.name), variant, depth + 1)
                getattr(message, field.name).SetInParent()
        else:
            setattr(message, field.name, _one(field, variant))


def _one(field: Any, variant: int) -> Any:
    if field.enum_type is not None:
        numbers = [v.number for v in field.enum_type.values] + [999]  # 999: unknown here
        return numbers[variant % len(numbers)]
    choices = _SCALARS[field.type]
    return choices[variant % len(choices)]


def _well_known(message: Message, variant: int) -> None:
    """Values a Timestamp, Duration or Date can really hold (the filler's would be absurd)."""
    for field in message.DESCRIPTOR.fields:
        if field.message_type is None or field.message_type.GetOptions().map_entry:
            continue
        name = field.message_type.full_name
        values = list(getattr(message, field.name)) if field.is_repeated else None
        if values is None:
            if not message.HasField(field.name):
                continue
            values = [getattr(message, field.name)]
        for value in values:
            if name == "google.protobuf.Timestamp":
                value.seconds, value.nanos = 1_705_300_200 + variant, 250_000_000
            elif name == "google.protobuf.Duration":
                value.seconds, value.nanos = 89, 500_000_000
            elif name == "google.type.Date":
                value.year, value.month, value.day = 2024, 1, 15
            elif not name.startswith("google."):
                _well_known(value, variant)


@pytest.mark.parametrize("name", MESSAGES)
def test_rendered_messages_match_their_schema(name: str) -> None:
    descriptor = descriptor_pool.Default().FindMessageTypeByName(name)
    cls = message_factory.GetMessageClass(descriptor)
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    )
    for variant in range(4):
        message = cls()
        if variant:
            _fill(message, variant)
            _well_known(message, variant)
        shown = to_dict(message)
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(shown)
        ]
        assert not errors, f"{name} (variant {variant}): " + "; ".join(errors[:5])


def test_the_document_names_the_messages_the_edge_renders() -> None:
    assert "classbridge.scheduler.v1.Session" in MESSAGES
    assert "classbridge.scheduler.v1.ZoomMeetingInfo" in MESSAGES  # nested, reached by walking
    assert len(MESSAGES) > 30
