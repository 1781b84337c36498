"""meeting hosts of queued meetings

Revision ID: 0011
Revises: 0010
Create Date: 2027-02-20 10:00:00.000000

A queued ``CREATE_MEETING`` job names the course instructor whose Zoom user is to host the
meeting (``session_jobs.host_user_id``), so that a term's meetings spread over several hosts'
daily Zoom budgets. Jobs queued before keep the tenant's host (empty).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_jobs") as batch:
        batch.add_column(
            sa.Column("host_user_id", sa.String(128), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("session_jobs") as batch:
        batch.drop_column("host_user_id")
