"""Where a meeting's recordings are stored (seed 000: "smart folder organisation").

Individual batches keep each student's lessons together, whatever batch they came from
(``videos/student/{student_id}``); group batches keep a batch's lessons together
(``videos/{batch_id}``). The rule lives here, not in the scheduler's event hint, because this
service owns the storage layout.
"""

from __future__ import annotations

from classbridge.common.v1 import common_pb2


class FolderError(ValueError):
    """The event does not say enough to place the recordings (a malformed event)."""


def _segment(value: str, what: str) -> str:
    if not value or "/" in value or value in (".", ".."):
        raise FolderError(f"{what} {value!r} cannot be part of a storage key")
    return value


def storage_folder(*, batch_type: int, batch_id: str, student_id: str) -> str:
    """The storage prefix of a batch's recordings (no trailing slash)."""
    if batch_type == common_pb2.BATCH_TYPE_INDIVIDUAL:
        return f"videos/student/{_segment(student_id, 'student id')}"
    if batch_type == common_pb2.BATCH_TYPE_GROUP:
        return f"videos/{_segment(batch_id, 'batch id')}"
    raise FolderError("the batch type is not set, so the folder cannot be chosen")
