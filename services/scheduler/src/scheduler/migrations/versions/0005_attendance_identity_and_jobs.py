"""attendance by identity: registrants, session jobs, a present threshold per batch

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15 10:00:00.000000

``session_registrants`` ties a Zoom registrant (and its personal join link) to a student, so a
join counts for that student; ``session_jobs`` holds the background work that calls Zoom after
the fact (reading the participants report of an ended meeting, keeping registrants in step),
so it survives restarts. A batch may set its own present threshold (0 = the default), and an
enrolment may carry the student's email and name (what they are registered with). Every row has
its tenant, as everywhere (0003).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT = "default"


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(64), nullable=False, server_default=DEFAULT)


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column(
                "present_threshold_percentage", sa.Float(), nullable=False, server_default="0"
            )
        )
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=False, server_default=""))
        batch.add_column(sa.Column("first_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_name", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "session_registrants",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("student_id", sa.String(128), nullable=False),
        sa.Column("registrant_id", sa.String(128), nullable=False),
        sa.Column("email", sa.String(320), nullable=False, server_default=""),
        sa.Column("join_url", sa.Text(), nullable=False, server_default=""),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "student_id", name="uq_session_registrants_student"),
    )
    op.create_index(
        "ix_session_registrants_registrant",
        "session_registrants",
        ["session_id", "registrant_id"],
    )
    op.create_table(
        "session_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        _tenant(),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("meeting_uuid", sa.String(128), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_time", UTCDateTime(), nullable=True),
        sa.Column("give_up_time", UTCDateTime(), nullable=True),
        sa.Column("lease_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("result_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("finish_time", UTCDateTime(), nullable=True),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "kind", name="uq_session_jobs_session_kind"),
    )
    op.create_index("ix_session_jobs_due", "session_jobs", ["kind", "state", "next_attempt_time"])


def downgrade() -> None:
    op.drop_index("ix_session_jobs_due", "session_jobs")
    op.drop_table("session_jobs")
    op.drop_index("ix_session_registrants_registrant", "session_registrants")
    op.drop_table("session_registrants")
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("last_name")
        batch.drop_column("first_name")
        batch.drop_column("email")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("present_threshold_percentage")
