"""Explicit, typed reading of request fields (JSON bodies and query strings).

Each reader records a violation instead of raising, so one 400 answer names every bad field at
once; :meth:`Fields.check` raises ``InvalidArgument`` with all of them (the same shape a
service's INVALID_ARGUMENT with field violations takes). The edge validates what it can see
without asking anyone — types, formats, ranges — and leaves business rules to the services.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.message import Message

# googleapis-common-protos ships .pyi stubs for google.type but no py.typed marker, so mypy
# will not read them (the google.type values below are Any to it).
from google.type import date_pb2, timeofday_pb2  # type: ignore[import-untyped]
from starlette.datastructures import QueryParams

from classbridge_common.errors import FieldViolation, InvalidArgument

M = TypeVar("M", bound=Message)

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_MISSING = object()


class Fields:
    """Reads fields from one source; ``query=True`` when values arrive as strings."""

    def __init__(self, source: Mapping[str, Any] | QueryParams, *, query: bool = False) -> None:
        self._source = source
        self._query = query
        self.violations: list[FieldViolation] = []

    # --- bookkeeping ---------------------------------------------------------------------

    def fail(self, name: str, description: str) -> None:
        self.violations.append(FieldViolation(field=name, description=description))

    def has(self, name: str) -> bool:
        return name in self._source and self._source[name] is not None

    def raw(self, name: str) -> Any:
        """The value as sent (``None`` when absent), for fields with more than one form."""
        return self._source.get(name)

    def present(self, *names: str) -> list[str]:
        """Which of ``names`` the request carries (for update masks)."""
        return [n for n in names if n in self._source]

    def check(self, message: str = "the request has invalid fields") -> None:
        """Raise ``InvalidArgument`` naming every violation recorded so far (the fields in the
        message too, for clients that show only the message)."""
        if self.violations:
            names = ", ".join(dict.fromkeys(v.field for v in self.violations))
            raise InvalidArgument(f"{message}: {names}", violations=self.violations)

    def _get(self, name: str, required: bool) -> Any:
        value = self._source.get(name, _MISSING)
        if value is _MISSING or value is None or (self._query and value == ""):
            if required:
                self.fail(name, "is required")
            return _MISSING
        return value

    # --- scalars ---------------------------------------------------------------------------

    def string(self, name: str, *, required: bool = False, max_length: int = 10_000) -> str:
        value = self._get(name, required)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return ""
        if required and not value.strip():
            self.fail(name, "must not be empty")
        if len(value) > max_length:
            self.fail(name, f"must be at most {max_length} characters")
        return value

    def boolean(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self._get(name, False)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            return value
        if self._query and isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        self.fail(name, "must be true or false")
        return default

    def integer(
        self,
        name: str,
        *,
        default: int = 0,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int:
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if self._query and isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "must be an integer")
            return default
        if minimum is not None and value < minimum:
            self.fail(name, f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            self.fail(name, f"must be at most {maximum}")
        return value

    def number(
        self, name: str, *, default: float = 0.0, minimum: float = 0.0, maximum: float = 100.0
    ) -> float:
        value = self._get(name, False)
        if value is _MISSING:
            return default
        if self._query and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, "must be a number")
            return default
        if not minimum <= value <= maximum:
            self.fail(name, f"must be between {minimum:g} and {maximum:g}")
        return float(value)

    def string_list(self, name: str) -> list[str]:
        """A JSON array of strings, or (query) repeated and/or comma-separated values."""
        if self._query and isinstance(self._source, QueryParams):
            items: list[str] = []
            for raw in self._source.getlist(name):
                items.extend(part.strip() for part in raw.split(",") if part.strip())
            return items
        value = self._get(name, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, "must be a list of strings")
            return []
        return list(value)

    def choice(
        self, name: str, choices: Mapping[str, int], *, default: int = 0, required: bool = False
    ) -> int:
        """A value from ``choices`` (case-insensitive), as the protobuf enum number."""
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, str) and value.lower() in choices:
            return choices[value.lower()]
        self.fail(name, f"must be one of: {', '.join(choices)}")
        return default

    def choices(self, name: str, choices: Mapping[str, int]) -> list[int]:
        """Several values from ``choices`` (see :meth:`string_list`)."""
        picked: list[int] = []
        for item in self.string_list(name):
            if item.lower() in choices:
                picked.append(choices[item.lower()])
            else:
                self.fail(name, f"{item!r} is not one of: {', '.join(choices)}")
        return picked

    # --- dates, times, zones ---------------------------------------------------------------

    def date(self, name: str, *, required: bool = False) -> date_pb2.Date | None:
        """A calendar date ``YYYY-MM-DD``."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        match = _DATE.match(value) if isinstance(value, str) else None
        if match is None:
            self.fail(name, "must be a date as YYYY-MM-DD")
            return None
        year, month, day = (int(g) for g in match.groups())
        try:
            datetime(year, month, day)
        except ValueError:
            self.fail(name, "is not a real calendar date")
            return None
        return date_pb2.Date(year=year, month=month, day=day)

    def time_of_day(self, name: str, *, required: bool = False) -> timeofday_pb2.TimeOfDay | None:
        """A wall-clock time ``HH:MM`` (or ``HH:MM:SS``), 24-hour."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        match = _TIME.match(value) if isinstance(value, str) else None
        if match is None:
            self.fail(name, "must be a time as HH:MM (24-hour)")
            return None
        hours, minutes, seconds = match.groups()
        return timeofday_pb2.TimeOfDay(
            hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0)
        )

    def timestamp(self, name: str, *, required: bool = False) -> timestamp_pb2.Timestamp | None:
        """An instant in RFC 3339 with an offset, e.g. ``2024-11-10T10:00:00Z``."""
        value = self._get(name, required)
        if value is _MISSING:
            return None
        parsed: datetime | None = None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(name, "must be an RFC 3339 instant with an offset, e.g. 2024-11-10T10:00:00Z")
            return None
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(parsed)
        return stamp

    def timezone(self, name: str) -> str:
        """An IANA timezone name (``Asia/Kolkata``); empty when absent."""
        value = self.string(name, max_length=64)
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                self.fail(name, "is not a known IANA timezone")
        return value

    def message(self, name: str, cls: type[M]) -> M | None:
        """A nested object parsed as protobuf ``cls`` (its JSON field names)."""
        value = self._get(name, False)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.fail(name, "must be an object")
            return None
        try:
            return json_format.ParseDict(value, cls())
        except json_format.ParseError as exc:
            self.fail(name, str(exc)[:300])
            return None
