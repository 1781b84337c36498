"""Column types that store the domain's enums and value objects in the format rows already have.

The scheduler's rows predate the ORM mapping: enums are stored as their string values and value
objects (a session's Zoom meeting, a participant's stays, a lesson's parts) as JSON objects whose
datetimes are ISO 8601 strings in UTC. These types keep exactly that format, so rows written
before the mapping read back unchanged and the migrations need no change: each one only
decorates the column type the migrations created (``String``, ``JSON``), which is all Alembic
compares.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=enum.StrEnum)
T = TypeVar("T")

__all__ = ["EnumString", "JsonColumn", "JsonData", "JsonList", "JsonObject"]


class EnumString(TypeDecorator[E]):
    """A ``StrEnum`` stored as its value; statements may compare it with plain strings too."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


class JsonColumn(TypeDecorator[T]):
    """A JSON column read into a Python value and written back from its :meth:`to_json` form."""

    impl = JSON
    cache_ok = True

    def to_json(self, value: T) -> Any:
        """The value as stored: plain JSON data."""
        raise NotImplementedError

    def from_json(self, data: Any) -> T | None:
        raise NotImplementedError

    def process_bind_param(self, value: T | None, dialect: Dialect) -> Any:
        return None if value is None else self.to_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> T | None:
        return self.from_json(value)


class JsonData(JsonColumn[Any]):
    """Plain JSON data (settings, ids, Zoom's recording details); NULL reads as ``empty()``."""

    cache_ok = True

    def __init__(self, empty: type[dict[str, Any]] | type[list[Any]]) -> None:
        super().__init__()
        self.empty = empty

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, data: Any) -> Any:
        return self.empty(data or ())


class JsonObject(JsonColumn[T]):
    """One value object (a dataclass), or NULL for none."""

    cache_ok = True

    def __init__(self, value_class: type[T]) -> None:
        super().__init__()
        self.value_class = value_class

    def to_json(self, value: T) -> Any:
        return _dump(value)

    def from_json(self, data: Any) -> T | None:
        return _load(self.value_class, data) if data else None


class JsonList(JsonColumn[list[T]]):
    """A list of value objects (dataclasses); NULL reads as an empty list."""

    cache_ok = True

    def __init__(self, value_class: type[T]) -> None:
        super().__init__()
        self.value_class = value_class

    def to_json(self, value: list[T]) -> Any:
        return [_dump(item) for item in value]

    def from_json(self, data: Any) -> list[T]:
        return [_load(self.value_class, item) for item in data or ()]


def _dump(value: Any) -> dict[str, Any]:
    """A dataclass as a JSON object; its datetimes as ISO strings in UTC."""
    return {
        key: item.astimezone(UTC).isoformat() if isinstance(item, datetime) else item
        for key, item in dataclasses.asdict(value).items()
    }


def _load(value_class: type[T], data: dict[str, Any]) -> T:
    """The dataclass from its JSON object: keys it does not know are skipped (written by a newer
    version), missing ones take their defaults (written before the field existed)."""
    fields = {f.name: f for f in dataclasses.fields(value_class)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, item in data.items():
        if key not in fields:
            continue
        if isinstance(item, str) and "datetime" in str(fields[key].type):
            item = datetime.fromisoformat(item) if item else None
        values[key] = item
    return value_class(**values)
