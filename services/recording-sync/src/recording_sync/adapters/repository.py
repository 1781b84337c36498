"""The one door every request's reads and writes go through: statements narrowed to a tenant.

:class:`~classbridge_common.tenancy.Scoped` wraps the unit of work's session with the request's
tenant scope: each ``SELECT``, ``UPDATE`` and ``DELETE`` on a table with a ``tenant_id`` column
gets ``tenant_id = :tenant``, each ``INSERT`` gets its ``tenant_id`` set. Handlers never execute a
statement on the bare session, so a user of one school can neither see nor touch another school's
rows however the statement is written: an id of another tenant simply matches nothing
(NOT_FOUND, lists without it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result

from classbridge_common.tenancy import Scoped

__all__ = ["Scoped", "rowcount"]


def rowcount(result: Result[Any]) -> int:
    """How many rows the ``UPDATE`` or ``DELETE`` that answered ``result`` matched.

    ``Scoped.execute`` answers a :class:`~sqlalchemy.engine.Result` whatever the statement; the
    one of a DML statement is a :class:`~sqlalchemy.engine.CursorResult`, which counts them.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount
