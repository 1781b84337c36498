"""webhook_events.tenant_id: the tenant owning the Zoom account of each stored webhook

Rows stored before tenancy belong to the default tenant (the server default fills them in).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(
            sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default")
        )
    op.create_index(
        "ix_webhook_events_tenant_received", "webhook_events", ["tenant_id", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_tenant_received", table_name="webhook_events")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("tenant_id")
