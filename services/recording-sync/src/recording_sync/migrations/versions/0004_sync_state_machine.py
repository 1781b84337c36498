"""sync state machine: fenced, renewed leases; per-file attempts, errors, progress and lessons

Jobs get a lease generation (bumped on every claim, checked on every write), a heartbeat time
and a row version for optimistic concurrency. Files get their own attempts, last error and its
type, next retry, bytes copied so far, the lesson they are a part of, when they were announced
in ``recording.synced``, and when they were verified and deleted at Zoom. Files stored before
this revision count as announced (their lessons exist).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        batch.add_column(
            sa.Column("lease_generation", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("recording_files") as batch:
        batch.add_column(
            sa.Column("lesson_kind", sa.String(120), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("part", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("last_error_type", sa.String(32), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("bytes_done", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("announced_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("verified_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("zoom_deleted_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE recording_files SET announced_at = stored_at, bytes_done = size_bytes "
        "WHERE state = 'stored'"
    )


def downgrade() -> None:
    with op.batch_alter_table("recording_files") as batch:
        for name in (
            "zoom_deleted_at",
            "verified_at",
            "announced_at",
            "bytes_done",
            "next_attempt_at",
            "last_error_type",
            "attempts",
            "part",
            "lesson_kind",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("sync_jobs") as batch:
        for name in ("version", "heartbeat_at", "lease_generation"):
            batch.drop_column(name)
