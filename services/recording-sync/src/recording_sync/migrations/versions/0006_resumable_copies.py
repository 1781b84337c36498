"""resumable copies: each file's checkpoint (how to continue an interrupted copy) and the
store's fingerprint of what was stored (an S3 ETag, checked with the sha256)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recording_files") as batch:
        batch.add_column(sa.Column("checkpoint", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("etag", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("recording_files") as batch:
        batch.drop_column("etag")
        batch.drop_column("checkpoint")
