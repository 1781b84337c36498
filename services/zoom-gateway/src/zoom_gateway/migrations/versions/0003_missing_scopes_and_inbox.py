"""zoom-gateway: the scopes Zoom said a connection lacks, and the bus consumer's inbox

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user_connections",
        sa.Column("missing_scopes", sa.Text(), nullable=False, server_default=""),
    )
    # The same columns as classbridge_common.outbox's inbox (the gateway has no outbox).
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "message_id", name="pk_inbox"),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    with op.batch_alter_table("user_connections") as batch:
        batch.drop_column("missing_scopes")
