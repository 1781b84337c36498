"""Database access shared by every service: async engines, sessions and Alembic wiring."""

from classbridge_common.db.engine import (
    create_engine,
    database_url,
    is_postgres,
    is_sqlite,
    session_factory,
)
from classbridge_common.db.types import UTCDateTime

__all__ = [
    "UTCDateTime",
    "create_engine",
    "database_url",
    "is_postgres",
    "is_sqlite",
    "session_factory",
]
