"""The recording policies' table: what a school wants done with its Zoom recordings.

``sync_policies`` holds one row per tenant for its default (``course_id`` ``""``) and one per
course that sets anything of its own. A NULL value means "not set here": a course inherits the
tenant default's value, the tenant default the built-in one (``service_layer.retention``
resolves them). The table hangs off the same ``metadata`` as ``adapters.tables``, so
``metadata.create_all`` and Alembic's autogenerate know it once this module is imported, and it
has a ``tenant_id`` like every owned table, so ``Scoped`` narrows every statement on it.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table

from classbridge_common.db.types import UTCDateTime
from recording_sync.adapters.tables import metadata

sync_policies = Table(
    "sync_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    # "" = the tenant's default for every course without a value of its own.
    Column("course_id", String(64), primary_key=True),
    # Copy the course's Zoom recordings at all (NULL = inherit; built-in: true).
    Column("copy_recordings", Boolean(), nullable=True),
    # Delete verified files at Zoom this many days after the copy (0 = never; NULL = inherit).
    Column("delete_from_zoom_after_days", Integer(), nullable=True),
    # From then on students no longer open the course's recordings (NULL = inherit / no end).
    Column("student_access_end_time", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(64), nullable=False, server_default=""),
)

__all__ = ["sync_policies"]
