"""initial: lessons, outbox and inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from classbridge_common.outbox import create_outbox_and_inbox_tables, drop_outbox_and_inbox_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
    )
    create_outbox_and_inbox_tables(op)


def downgrade() -> None:
    drop_outbox_and_inbox_tables(op)
    op.drop_table("lessons")
