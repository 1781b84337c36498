"""bulk scheduling jobs

Revision ID: 0008
Revises: 0007
Create Date: 2027-02-01 10:00:00.000000

A bulk scheduling request (``BulkCreateSessions``) is a ``bulk_jobs`` row: its request id (unique
per tenant), a fingerprint of its body (the same key with another body is refused), who sent it
and the sessions it stored, in its order (a JSON list of ids). The sessions' meetings are made
by ``session_jobs`` of kind ``create_meeting``, which needs no change of that table (its kind is
a string). A new table only: no row needs rewriting.
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
        "bulk_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, server_default="default"),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("session_ids", sa.JSON(), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_bulk_jobs_request"),
    )


def downgrade() -> None:
    op.drop_table("bulk_jobs")
