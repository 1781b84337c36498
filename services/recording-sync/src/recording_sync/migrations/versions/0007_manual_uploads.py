"""manual uploads: resumable uploads of recording files through the edge (tus), with the
storage checkpoint of their stored parts and the bytes received after the last whole part

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manual_uploads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default"),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("session_title", sa.String(500), nullable=False, server_default=""),
        sa.Column("session_start", UTCDateTime(), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("batch_type", sa.String(16), nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("course_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("folder", sa.String(300), nullable=False),
        sa.Column("uploader_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("lesson_title", sa.String(300), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("expected_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("content_type", sa.String(100), nullable=False, server_default=""),
        sa.Column("file_extension", sa.String(16), nullable=False, server_default=""),
        sa.Column("file_type", sa.String(32), nullable=False, server_default=""),
        sa.Column("storage_key", sa.String(600), nullable=False, server_default=""),
        sa.Column("checkpoint", sa.Text(), nullable=False, server_default=""),
        sa.Column("tail", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("error_reason", sa.String(32), nullable=False, server_default=""),
        sa.Column("recording_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("file_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("lock_token", sa.String(64), nullable=False, server_default=""),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_manual_uploads_request_id",
        "manual_uploads",
        ["tenant_id", "request_id"],
        unique=True,
    )
    op.create_index("ix_manual_uploads_state_updated", "manual_uploads", ["state", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_manual_uploads_state_updated", table_name="manual_uploads")
    op.drop_index("ix_manual_uploads_request_id", table_name="manual_uploads")
    op.drop_table("manual_uploads")
