"""meeting projection per session: one row per (meeting, session), so each occurrence of a
recurring meeting (one Zoom meeting id, a scheduler session per occurrence) keeps its own link

Until now the primary key was the meeting id alone, so a second occurrence's link overwrote the
first and every recording of a series landed on the last-linked session. Existing rows keep
their values: each already names its one session, which becomes part of the key.

Going down keeps, per meeting, the row of the newest event (what the one-row projection would
have held), since the old key cannot hold more.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import exc

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "meeting_projections"
# PostgreSQL's name for the key ``create_table`` made in 0001 (SQLite's is unnamed).
PKEY = "meeting_projections_pkey"


def _set_key(*, with_session: bool) -> None:
    """The primary key: (meeting_id, session_id), or meeting_id alone. SQLite cannot alter a
    key: batch mode rebuilds the table (rows copied) with the key wanted."""
    columns = ["meeting_id", "session_id"] if with_session else ["meeting_id"]
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(PKEY, TABLE, type_="primary")
        op.create_primary_key(PKEY, TABLE, columns)
        return
    if with_session:  # declare session_id a key column in the copy
        declared = [
            sa.Column("meeting_id", sa.BigInteger(), primary_key=True, autoincrement=False),
            sa.Column("session_id", sa.String(64), primary_key=True),
        ]
        with op.batch_alter_table(TABLE, recreate="always", reflect_args=declared):
            pass
        return
    # A key column cannot be declared a plain one in the copy: replace the key instead, which
    # SQLAlchemy notes with a warning about exactly that (the copy's key is the one given).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Table '_alembic_tmp_", exc.SAWarning)
        with op.batch_alter_table(TABLE, recreate="always") as batch:
            batch.create_primary_key(PKEY, columns)


def upgrade() -> None:
    _set_key(with_session=True)


def downgrade() -> None:
    # One row per meeting: the one whose newest event is latest (ties: the last session id).
    op.execute(
        "DELETE FROM meeting_projections WHERE EXISTS (SELECT 1 FROM meeting_projections n"
        " WHERE n.meeting_id = meeting_projections.meeting_id"
        " AND (n.last_event_at > meeting_projections.last_event_at"
        " OR (n.last_event_at = meeting_projections.last_event_at"
        " AND n.session_id > meeting_projections.session_id)))"
    )
    _set_key(with_session=False)
