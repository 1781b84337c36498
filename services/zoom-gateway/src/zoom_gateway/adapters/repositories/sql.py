"""SQL the repositories share: statements both PostgreSQL and SQLite must run, DML row counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.db import is_postgres


def dialect_insert(session: AsyncSession, table: Table) -> Any:
    """``INSERT`` in the session's dialect, which knows ``ON CONFLICT`` (both dialects do)."""
    return (postgresql if is_postgres(session) else sqlite).insert(table)


def insert_ignore(session: AsyncSession, table: Table, values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING``: a row another replica may be inserting too.

    Unlike catching ``IntegrityError``, a conflict leaves the transaction usable on PostgreSQL,
    so the caller can go on reading the row that won within the same unit of work.
    """
    return dialect_insert(session, table).values(**values).on_conflict_do_nothing()


def rowcount(result: Result[Any]) -> int:
    """How many rows the ``UPDATE`` or ``DELETE`` that answered ``result`` matched.

    ``AsyncSession.execute`` is typed to answer a :class:`~sqlalchemy.engine.Result`; the one of
    a DML statement is a :class:`~sqlalchemy.engine.CursorResult`, which counts them.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount
