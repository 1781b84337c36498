"""webhook_events: rows stored before translation (kind "pending") and their trace context

The endpoint now only appends the raw event (dedup key, body, tenant) before answering Zoom; the
processor translates pending rows into typed events afterwards (in id order) and writes their
outbox rows. `trace_context` keeps the request's W3C headers so the published event continues
its trace; the partial index finds the pending rows.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("trace_context", sa.JSON(), nullable=True))
    op.create_index(
        "ix_webhook_events_pending",
        "webhook_events",
        ["id"],
        postgresql_where=sa.text("kind = 'pending'"),
        sqlite_where=sa.text("kind = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_pending", table_name="webhook_events")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("trace_context")
