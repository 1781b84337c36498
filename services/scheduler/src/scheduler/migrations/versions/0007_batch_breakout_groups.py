"""breakout groups on a batch

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20 10:00:00.000000

A group batch may name breakout rooms and the students pre-assigned to each
(``batches.breakout_groups``, a JSON list of ``{name, student_ids}``), carried into its
sessions' meetings. Rows from before have none: the column is NULL, read as no groups, so no
row needs rewriting.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("breakout_groups", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("breakout_groups")
