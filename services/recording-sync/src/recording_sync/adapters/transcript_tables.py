"""The tables of a recording's text (SQLAlchemy Core), on recording-sync's metadata.

``recording_processing`` is one row per recording: where processing its text stands (seed
003's ``processing_status``: pending, processing, completed, failed), its attempts, lease and
last error, and what it produced (``transcription_text``, ``summary``, ``action_items`` JSON).
``transcript_segments`` holds the segments (transcript or caption cues, chat messages, summary
parts) with their offsets and speakers. ``zoom_meeting_summaries`` keeps Zoom's own summary of
a meeting instance as the ``meeting.summary_completed`` webhook brought it, until (and after)
its recording is processed.

The full-text index is the database's own and not declarable here: on PostgreSQL the
generated ``tsvector`` column ``transcript_segments.search_vector`` with a GIN index, on SQLite
the FTS5 table ``transcript_search`` (``adapters.transcript_search`` reads and writes both).
Their names are in :data:`UNDECLARED`, for the migration drift check.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db.types import UTCDateTime
from recording_sync.adapters.tables import metadata


def _tenant() -> Column[str]:
    return Column("tenant_id", String(64), nullable=False, server_default=DEFAULT_TENANT)


recording_processing = Table(
    "recording_processing",
    metadata,
    Column("recording_id", String(64), primary_key=True),
    _tenant(),
    # pending | processing | completed | failed
    Column("state", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("max_attempts", Integer(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text(), nullable=False, server_default=""),
    # A worker holds a row while it processes it; a dead worker's row is due again after.
    Column("lease_owner", String(64), nullable=False, server_default=""),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("transcript_source", String(32), nullable=False, server_default=""),
    Column("summary_source", String(32), nullable=False, server_default=""),
    Column("transcription_text", Text(), nullable=False, server_default=""),
    Column("summary", Text(), nullable=False, server_default=""),
    Column("action_items", Text(), nullable=False, server_default="[]"),
    Column("segment_count", Integer(), nullable=False, server_default="0"),
    # The WebVTT made from speech-to-text, stored beside the recording ("" when Zoom made one).
    Column("captions_key", String(600), nullable=False, server_default=""),
    # The text files (ids) the last run read: a new one (a late transcript) runs it again.
    Column("files_key", Text(), nullable=False, server_default=""),
    Column("version", BigInteger(), nullable=False, server_default="0"),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)
Index(
    "ix_recording_processing_due",
    recording_processing.c.state,
    recording_processing.c.next_attempt_at,
)

transcript_segments = Table(
    "transcript_segments",
    metadata,
    Column("id", String(64), primary_key=True),
    _tenant(),
    Column("recording_id", String(64), nullable=False),
    # transcript | caption | chat | summary
    Column("kind", String(16), nullable=False),
    Column("seq", Integer(), nullable=False),
    Column("start_ms", BigInteger(), nullable=False, server_default="0"),
    Column("end_ms", BigInteger(), nullable=False, server_default="0"),
    Column("speaker", String(200), nullable=False, server_default=""),
    Column("text", Text(), nullable=False),
)
Index(
    "ix_transcript_segments_recording",
    transcript_segments.c.recording_id,
    transcript_segments.c.seq,
)

zoom_meeting_summaries = Table(
    "zoom_meeting_summaries",
    metadata,
    Column("meeting_uuid", String(128), primary_key=True),
    _tenant(),
    Column("meeting_id", BigInteger(), nullable=False, server_default="0"),
    # domain.text_files.ZoomSummary as JSON
    Column("body", Text(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)

# SQLite's FTS5 index, declared on a metadata of its own (never created from here: the
# migration makes it a virtual table) so statements on it go through the tenant scope.
search_metadata = MetaData()
transcript_search = Table(
    "transcript_search",
    search_metadata,
    Column("text", Text()),
    Column("segment_id", String(64)),
    Column("recording_id", String(64)),
    Column("kind", String(16)),
    Column("tenant_id", String(64)),
)

SEARCH_CONFIG = "english"  # PostgreSQL's text search configuration of search_vector
UNDECLARED = frozenset(
    {
        "transcript_search",
        *(f"transcript_search_{part}" for part in ("data", "idx", "content", "docsize", "config")),
        "search_vector",
        "ix_transcript_segments_search",
    }
)
"""Names of the full-text index's own tables, column and index (not in ``metadata``)."""

__all__ = [
    "SEARCH_CONFIG",
    "UNDECLARED",
    "recording_processing",
    "search_metadata",
    "transcript_search",
    "transcript_segments",
    "zoom_meeting_summaries",
]
