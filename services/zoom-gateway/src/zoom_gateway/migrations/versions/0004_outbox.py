"""zoom-gateway: an outbox, for the events it now announces

Revision ID: 0004
Revises: 0003
Create Date: 2027-02-22

The gateway announces when a Zoom connection needs to be authorized again
(``zoom.connection.needs_reauthorization``), written with the change that found it.
"""

from collections.abc import Sequence

from alembic import op

from classbridge_common.outbox import create_outbox_table, drop_outbox_table

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table(op)


def downgrade() -> None:
    drop_outbox_table(op)
