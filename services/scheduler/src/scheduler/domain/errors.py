"""Domain rule violations in the shared exception tree, so each boundary maps them once."""

from __future__ import annotations

from classbridge_common.errors import FailedPrecondition, FieldViolation, InvalidArgument

__all__ = ["FailedPrecondition", "FieldViolation", "InvalidArgument", "invalid"]


def invalid(field: str, description: str) -> InvalidArgument:
    """An INVALID_ARGUMENT naming one bad field (with a ``BadRequest`` field violation)."""
    return InvalidArgument(
        f"{field}: {description}", violations=[FieldViolation(field=field, description=description)]
    )
