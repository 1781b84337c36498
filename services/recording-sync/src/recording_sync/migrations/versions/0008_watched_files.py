"""the local-folder watcher: its ledger of the files it found and sent (watched_files) and its
state (watcher_state: which folder, running or not), so a restart neither sends a file twice
nor forgets what operators set

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watched_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("topic", sa.String(500), nullable=False, server_default=""),
        sa.Column("recording_start", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("session_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("recording_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_watched_files_path", "watched_files", ["path"], unique=True)
    op.create_table(
        "watcher_state",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("path", sa.String(1000), nullable=False, server_default=""),
        sa.Column("running", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("host_tenant_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("host_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watcher_state")
    op.drop_index("ix_watched_files_path", table_name="watched_files")
    op.drop_table("watched_files")
