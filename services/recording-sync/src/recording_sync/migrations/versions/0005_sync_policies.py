"""sync policies: per tenant and per course, copy or not, delete at Zoom after N days, and when
students' access to a course's recordings ends

One row per tenant default (``course_id`` "") and per course with values of its own; NULL
values are inherited (course → tenant default → built-in).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_policies",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("course_id", sa.String(64), nullable=False),
        sa.Column("copy_recordings", sa.Boolean(), nullable=True),
        sa.Column("delete_from_zoom_after_days", sa.Integer(), nullable=True),
        sa.Column("student_access_end_time", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("tenant_id", "course_id"),
    )


def downgrade() -> None:
    op.drop_table("sync_policies")
