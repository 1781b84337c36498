"""recorded lessons made of parts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 10:00:00.000000

When the host stops and restarts the recording, Zoom keeps one file per segment; files of one
kind in a session (``lesson_kind``) are the parts of one lesson (``parts``, read and written
whole). Lessons from before keep ``parts`` NULL and read as one part: their own file.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recorded_lessons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lesson_kind", sa.String(128), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recorded_lessons", schema=None) as batch_op:
        batch_op.drop_column("parts")
        batch_op.drop_column("lesson_kind")
