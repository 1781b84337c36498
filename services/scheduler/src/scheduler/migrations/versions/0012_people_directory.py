"""people directory; notices to anyone

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-22 10:00:00.000000

``people`` is the tenant's directory of the teachers and admins notices are sent to (name,
email, role), upserted by the course platform. Notices now go to teachers (a recording is
ready) and admins (a sync failed for good, a Zoom connection to authorize again) as well as
students, so ``notices.student_id`` becomes ``recipient_id``, and ``notices.about`` names what a
notice is about beyond a session (the user whose Zoom connection it is; empty otherwise).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("tenant_id", sa.String(64), primary_key=True, server_default="default"),
        sa.Column("user_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("create_time", UTCDateTime(), nullable=False),
        sa.Column("update_time", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_people_role", "people", ["tenant_id", "role"])
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("student_id", new_column_name="recipient_id")
        batch.add_column(sa.Column("about", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("about")
        batch.alter_column("recipient_id", new_column_name="student_id")
    op.drop_index("ix_people_role", table_name="people")
    op.drop_table("people")
