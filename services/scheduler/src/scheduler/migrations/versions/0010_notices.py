"""email notices

Revision ID: 0010
Revises: 0009
Create Date: 2027-02-15 10:00:00.000000

A notice (``notices``) is one email to one student about one event: unique per event and
address, so an event delivered twice is noticed once; sent by the job worker until sent (or
given up). ``notice_preferences`` keeps who asked for no email notices. New tables only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default"),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_time", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("sent_time", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("event_id", "email", name="uq_notices_event_email"),
    )
    op.create_index("ix_notices_due", "notices", ["state", "next_attempt_time"])
    op.create_table(
        "notice_preferences",
        sa.Column("tenant_id", sa.String(64), primary_key=True, server_default="default"),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("email_notices", sa.Boolean(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_preferences")
    op.drop_index("ix_notices_due", table_name="notices")
    op.drop_table("notices")
