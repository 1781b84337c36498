"""SQLAlchemy's aiosqlite driver with one trip to the connection's thread per statement.

aiosqlite runs every call on its connection's own thread, and SQLAlchemy's adapter makes four
calls for one statement (open a cursor, execute, fetch the rows, close the cursor): four
hand-overs between the event loop and that thread, each a queue put, a thread wake-up and a
loop wake-up, on every statement of the embedded default. Here the cursor's ``execute`` and
``executemany`` run those four steps as one function on the connection's thread, so a statement
costs one hand-over. What the cursor reports afterwards (``description``, the rows, ``rowcount``,
``lastrowid``) and the errors it raises are those of SQLAlchemy's own adapter; server-side
cursors, transactions and everything else are SQLAlchemy's unchanged.

Pass :func:`dbapi` as ``module=`` when creating an ``sqlite+aiosqlite`` engine.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)

__all__ = ["dbapi"]

# (description, rows or None, lastrowid, rowcount), as SQLAlchemy's adapter sets them.
_Outcome = tuple[Any, list[Any] | None, int | None, int]


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """One statement on the connection's thread: execute, fetch, close."""
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        if description:
            return description, cursor.fetchall(), -1, -1
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _executemany(conn: sqlite3.Connection, operation: str, parameters: Sequence[Any]) -> _Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, parameters)
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _run(self, fn: Any, operation: str, parameters: Any) -> None:
        # aiosqlite's queue to its thread (``_execute``; SQLAlchemy's adapter uses its ``_tx``
        # likewise), untyped there.
        connection: Any = self._connection
        try:
            # ``_conn`` raises "no active connection" (a disconnect) once the connection closed.
            outcome: _Outcome = self.await_(
                connection._execute(fn, connection._conn, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        description, rows, lastrowid, rowcount = outcome
        self.description = description
        self.lastrowid = lastrowid  # type: ignore[assignment]
        self.rowcount = rowcount
        if rows is not None:
            self._rows = deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._run(_execute, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._run(_executemany, operation, seq_of_parameters)


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return AsyncAdapt_aiosqlite_ss_cursor(self)
        return _OneTripCursor(self)


class _OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = super().connect(*arg, **kw)
        if type(connection) is AsyncAdapt_aiosqlite_connection:
            # The same object (the same slots), with the cursor above.
            connection.__class__ = _OneTripConnection
        return connection


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for ``create_async_engine(..., module=dbapi())``."""
    return _OneTripDbapi(aiosqlite, sqlite3)
