"""a tenant on every owned row, and idempotency keys unique per tenant

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:00:00.000000

Rows written before tenancy belong to the default tenant; children take their parent's tenant
(batches their course's, sessions and enrolments their batch's, the rest their session's).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT = "default"
CHILDREN = ["batches", "enrollments", "sessions", "participants", "interactions",
            "shared_resources", "recorded_lessons"]  # fmt: skip
WITH_REQUEST_ID = ["courses", "batches", "enrollments", "sessions", "interactions",
                   "shared_resources", "recorded_lessons"]  # fmt: skip
PARENT = {
    "batches": ("courses", "course_id"),
    "enrollments": ("batches", "batch_id"),
    "sessions": ("batches", "batch_id"),
    "participants": ("sessions", "session_id"),
    "interactions": ("sessions", "session_id"),
    "shared_resources": ("sessions", "session_id"),
    "recorded_lessons": ("sessions", "session_id"),
}
# Column-level UNIQUE constraints had no name: PostgreSQL calls them <table>_request_id_key;
# on SQLite the batch copy names them through this convention so they can be dropped.
CONVENTION = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade() -> None:
    op.execute(
        sa.text("UPDATE courses SET tenant_id = :t WHERE tenant_id = ''").bindparams(t=DEFAULT)
    )
    with op.batch_alter_table("courses") as batch:
        batch.alter_column(
            "tenant_id", type_=sa.String(64), server_default=DEFAULT, existing_nullable=False
        )
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("tenant_id", sa.String(64), nullable=False, server_default=DEFAULT)
            )
    for table in CHILDREN:  # parents first: the list is in that order
        parent, key = PARENT[table]
        op.execute(
            sa.text(
                f"UPDATE {table} SET tenant_id = (SELECT p.tenant_id FROM {parent} p "  # noqa: S608
                f"WHERE p.id = {table}.{key}) WHERE EXISTS "
                f"(SELECT 1 FROM {parent} p WHERE p.id = {table}.{key})"
            )
        )
    for table in WITH_REQUEST_ID:
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            batch.drop_constraint(f"{table}_request_id_key", type_="unique")
            batch.create_unique_constraint(
                f"uq_{table}_tenant_request", ["tenant_id", "request_id"]
            )
    op.create_index("ix_sessions_tenant_start", "sessions", ["tenant_id", "scheduled_start"])
    op.create_index("ix_courses_tenant_create_time", "courses", ["tenant_id", "create_time"])


def downgrade() -> None:
    op.drop_index("ix_courses_tenant_create_time", "courses")
    op.drop_index("ix_sessions_tenant_start", "sessions")
    for table in WITH_REQUEST_ID:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_tenant_request", type_="unique")
            batch.create_unique_constraint(f"{table}_request_id_key", ["request_id"])
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tenant_id")
