"""tenant on every row: recordings, files and grants get tenant_id; "" becomes "default"

Jobs and the meeting projection already had a ``tenant_id`` (empty unless the scheduler's link
named one). Empty ones become ``"default"`` (the tenant of tokens without a tenant claim); files,
recordings and grants take their job's (or recording's) tenant, so a school's existing lessons
stay its own. Grant idempotency keys become unique per tenant.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT = "default"


def upgrade() -> None:
    for table in ("sync_jobs", "meeting_projections"):
        op.execute(
            sa.table(table, sa.column("tenant_id"))
            .update()
            .where(sa.column("tenant_id") == "")
            .values(tenant_id=DEFAULT)
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "tenant_id",
                existing_type=sa.String(64),
                existing_nullable=False,
                server_default=DEFAULT,
            )
    for table in ("recording_files", "recordings", "access_grants"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("tenant_id", sa.String(64), nullable=False, server_default=DEFAULT)
            )
    op.execute(
        "UPDATE recordings SET tenant_id = (SELECT j.tenant_id FROM sync_jobs j "
        "WHERE j.id = recordings.job_id) "
        "WHERE EXISTS (SELECT 1 FROM sync_jobs j WHERE j.id = recordings.job_id)"
    )
    op.execute(
        "UPDATE recording_files SET tenant_id = (SELECT j.tenant_id FROM sync_jobs j "
        "WHERE j.id = recording_files.job_id) "
        "WHERE EXISTS (SELECT 1 FROM sync_jobs j WHERE j.id = recording_files.job_id)"
    )
    op.execute(
        "UPDATE access_grants SET tenant_id = (SELECT r.tenant_id FROM recordings r "
        "WHERE r.id = access_grants.recording_id) "
        "WHERE EXISTS (SELECT 1 FROM recordings r WHERE r.id = access_grants.recording_id)"
    )
    op.drop_index("ix_access_grants_request_id", table_name="access_grants")
    op.create_index(
        "ix_access_grants_request_id", "access_grants", ["tenant_id", "request_id"], unique=True
    )
    op.create_index("ix_sync_jobs_tenant_batch", "sync_jobs", ["tenant_id", "batch_id"])
    op.create_index("ix_recordings_tenant_batch", "recordings", ["tenant_id", "batch_id"])


def downgrade() -> None:
    op.drop_index("ix_recordings_tenant_batch", table_name="recordings")
    op.drop_index("ix_sync_jobs_tenant_batch", table_name="sync_jobs")
    op.drop_index("ix_access_grants_request_id", table_name="access_grants")
    op.create_index("ix_access_grants_request_id", "access_grants", ["request_id"], unique=True)
    for table in ("access_grants", "recordings", "recording_files"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant_id")
    for table in ("meeting_projections", "sync_jobs"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "tenant_id",
                existing_type=sa.String(64),
                existing_nullable=False,
                server_default="",
            )
