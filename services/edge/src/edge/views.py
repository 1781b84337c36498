"""Answers in a shape of their own (the seed's flat live class, a batch's sync page...): pydantic
models that both build the JSON and say its schema.

A view's field that holds a rendered protobuf message is typed
``Annotated[dict[str, Any], Rendered(Message)]``: the value is ``render.to_dict``'s, and its
schema is the message's (``render.message_schema``), so a view cannot describe a message
differently from how the edge renders it. Every view is listed in the OpenAPI document's
components under its class name (which must be unique).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from google.protobuf.message import Message
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, core_schema

from edge.render import SCHEMA_REF, Schema, enum_choices, message_schema

MESSAGE_MARK = "x-classbridge-message"
"""Stands for ``render.message_ref`` in a view's pydantic schema until the document is built."""


@dataclass(frozen=True, eq=False)
class Rendered:
    """A view field holding ``to_dict`` of ``message`` (plus ``extra`` keys a route adds)."""

    message: type[Message]
    extra: Mapping[str, Schema] = field(default_factory=dict)
    optional_extra: frozenset[str] = frozenset()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.dict_schema()  # rendered already: nothing to convert

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> Schema:
        descriptor = self.message.DESCRIPTOR
        if not self.extra:
            # Not a "$ref" yet: pydantic would look it up among its own models.
            return {MESSAGE_MARK: descriptor.full_name}
        return message_schema(
            descriptor, extra=dict(self.extra), optional_extra=self.optional_extra
        )


class View(BaseModel):
    """An answer's shape; ``show()`` is its JSON. Keys left unset are left out (``extra="forbid"``
    makes the schema say no other key appears)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    registry: ClassVar[dict[str, type[View]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        seen = View.registry.get(cls.__name__)
        if seen is not None and seen is not cls:
            raise TypeError(f"two views are named {cls.__name__}")
        View.registry[cls.__name__] = cls

    def show(self) -> dict[str, Any]:
        """The JSON-ready data (wire names; optional keys only when set)."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


def view_ref(view: type[View]) -> Schema:
    """A reference to a view's schema, for a ``Rendered`` field's ``extra``."""
    return {"$ref": SCHEMA_REF + view.__name__}


def label(descriptor: Any) -> WithJsonSchema:
    """The schema of an enum shown by ``render.enum_label``: a label, or ``null``."""
    labels = list(enum_choices(descriptor))
    return WithJsonSchema({"anyOf": [{"type": "string", "enum": labels}, {"type": "null"}]})


Stamp = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]
"""A view field holding an RFC 3339 instant, or ``null``."""


__all__ = ["MESSAGE_MARK", "Rendered", "Stamp", "View", "label", "view_ref"]
