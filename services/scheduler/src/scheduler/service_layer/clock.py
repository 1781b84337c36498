"""The current time, injectable so tests can pin it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh opaque identifier."""
    return str(uuid.uuid4())
