"""a recording's text: processing status per recording (recording_processing), its segments
(transcript_segments) with a full-text index (PostgreSQL: a generated tsvector column and a
GIN index; SQLite: an FTS5 table), and Zoom's own meeting summaries (zoom_meeting_summaries)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default")


def upgrade() -> None:
    op.create_table(
        "recording_processing",
        sa.Column("recording_id", sa.String(64), primary_key=True),
        _tenant(),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("lease_owner", sa.String(64), nullable=False, server_default=""),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("transcript_source", sa.String(32), nullable=False, server_default=""),
        sa.Column("summary_source", sa.String(32), nullable=False, server_default=""),
        sa.Column("transcription_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("action_items", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("segment_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("captions_key", sa.String(600), nullable=False, server_default=""),
        sa.Column("files_key", sa.Text(), nullable=False, server_default=""),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_recording_processing_due", "recording_processing", ["state", "next_attempt_at"]
    )
    op.create_table(
        "transcript_segments",
        sa.Column("id", sa.String(64), primary_key=True),
        _tenant(),
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("end_ms", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("speaker", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_transcript_segments_recording", "transcript_segments", ["recording_id", "seq"]
    )
    op.create_table(
        "zoom_meeting_summaries",
        sa.Column("meeting_uuid", sa.String(128), primary_key=True),
        _tenant(),
        sa.Column("meeting_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE transcript_segments ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED"
        )
        op.execute(
            "CREATE INDEX ix_transcript_segments_search ON transcript_segments "
            "USING gin (search_vector)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE transcript_search USING fts5(text, segment_id UNINDEXED, "
            "recording_id UNINDEXED, kind UNINDEXED, tenant_id UNINDEXED, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS transcript_search")
    op.drop_table("zoom_meeting_summaries")
    op.drop_index("ix_transcript_segments_recording", table_name="transcript_segments")
    op.drop_table("transcript_segments")
    op.drop_index("ix_recording_processing_due", table_name="recording_processing")
    op.drop_table("recording_processing")
