"""session meeting generation and the meeting Zoom deleted

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00.000000

A session whose meeting was deleted in Zoom keeps it as history (``previous_meeting``) and
counts its meetings (``meeting_generation``) so the next one gets a fresh idempotency key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meeting_generation", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("previous_meeting", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("previous_meeting")
        batch_op.drop_column("meeting_generation")
