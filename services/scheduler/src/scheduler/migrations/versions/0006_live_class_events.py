"""live-class events: role changes, screen sharing, breakout rooms

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-10 10:00:00.000000

A participant remembers the Zoom time of the last role change applied to it
(``role_change_time``, so an older change arriving later is ignored) and when and what it first
shared (``first_share_time``, ``first_share_content``; ``shared_screen`` already existed). A stay
in a breakout room is a stay like any other, marked with its room: the stays live in the
participant's ``intervals`` JSON, whose objects gain the key ``breakout_room_uuid`` (and
``meeting_user_id``, Zoom's per-meeting id of the person during that stay); stays written before
read without them as stays in the main meeting, so no row needs rewriting.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from classbridge_common.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("role_change_time", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("first_share_time", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("first_share_content", sa.String(64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("first_share_content")
        batch.drop_column("first_share_time")
        batch.drop_column("role_change_time")
