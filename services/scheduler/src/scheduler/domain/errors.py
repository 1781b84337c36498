"""Domain rule violations in the shared exception tree, so each boundary maps them once."""

from __future__ import annotations

from classbridge_common.errors import FailedPrecondition, FieldViolation, InvalidArgument
from classbridge_common.errors import invalid_field as invalid

__all__ = ["FailedPrecondition", "FieldViolation", "InvalidArgument", "invalid"]
