"""The ``user_connections`` table: per-user OAuth connections, tokens encrypted at rest.

Besides storing and reading connections, this holds the statements of the refresh protocol
described in :mod:`zoom_gateway.adapters.user_tokens`: the write-ahead claim, storing the
successor tokens, giving the claim back, and marking a connection for reauthorization. Each is
one conditional ``UPDATE`` — on ``version`` and the claim's lease for the claim, on
``refresh_owner`` for the others — so that across replicas exactly one task spends a refresh
token and a refresher that lost its claim never overwrites the newer tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.crypto import SecretBox
from zoom_gateway.adapters.orm import user_connections
from zoom_gateway.adapters.repositories.sql import rowcount
from zoom_gateway.domain.scopes import parse_scopes

ACTIVE = "active"
REAUTH = "reauthorization_required"


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as callers may see it (no tokens)."""

    user_id: str
    tenant: str
    status: str
    zoom_user_id: str
    zoom_email: str
    zoom_account_id: str
    scopes: tuple[str, ...]
    access_expires_at: datetime
    created_at: datetime
    last_refresh_at: datetime | None


@dataclass(frozen=True, repr=False)
class StoredConnection:
    """A connection as the refresh protocol needs it: its claim, its version and its tokens.

    The tokens are opened only when asked for (:meth:`access_token`, :meth:`refresh_token`), so
    a caller that only needs to know whether the access token is fresh decrypts nothing.
    """

    user_id: str
    tenant: str
    status: str
    scopes: str
    access_expires_at: datetime
    version: int
    refresh_started_at: datetime | None
    refresh_owner: str | None
    _access_token_enc: str
    _refresh_token_enc: str
    _box: SecretBox

    def access_token(self) -> str:
        return self._box.decrypt_str(self._access_token_enc)

    def refresh_token(self) -> str:
        return self._box.decrypt_str(self._refresh_token_enc)

    def __repr__(self) -> str:
        return (
            f"StoredConnection(user_id={self.user_id!r}, version={self.version}, <tokens hidden>)"
        )


@dataclass(frozen=True, repr=False)
class RemovedConnection:
    """A deleted connection with its tokens, so they can be revoked at Zoom."""

    info: ConnectionInfo
    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return f"RemovedConnection(user_id={self.info.user_id!r}, <tokens hidden>)"


def _info(row: Any) -> ConnectionInfo:
    return ConnectionInfo(
        user_id=row.user_id,
        tenant=row.tenant,
        status=row.status,
        zoom_user_id=row.zoom_user_id,
        zoom_email=row.zoom_email,
        zoom_account_id=row.zoom_account_id,
        scopes=tuple(parse_scopes(row.scopes)),
        access_expires_at=row.access_expires_at,
        created_at=row.created_at,
        last_refresh_at=row.last_refresh_at,
    )


class UserConnectionRepository:
    """Reads and writes ``user_connections`` in the unit of work's transaction."""

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session = session
        self._box = box

    # ---- storing and reading -------------------------------------------------------------

    async def save(
        self,
        *,
        user_id: str,
        tenant: str,
        access_token: str,
        refresh_token: str,
        access_expires_at: datetime,
        scopes: Sequence[str],
        zoom_user_id: str,
        zoom_email: str,
        zoom_account_id: str,
        now: datetime,
    ) -> ConnectionInfo:
        """Store a fresh connection, replacing any earlier one of the user."""
        t = user_connections
        values: dict[str, Any] = {
            "user_id": user_id,
            "tenant": tenant,
            "zoom_user_id": zoom_user_id,
            "zoom_email": zoom_email,
            "zoom_account_id": zoom_account_id,
            "scopes": " ".join(scopes),
            "access_token_enc": self._box.encrypt(access_token),
            "access_expires_at": access_expires_at,
            "refresh_token_enc": self._box.encrypt(refresh_token),
            "previous_refresh_token_enc": None,
            "refresh_started_at": None,
            "refresh_owner": None,
            "status": ACTIVE,
            "version": 1,
            "last_refresh_at": None,
            "created_at": now,
            "updated_at": now,
        }
        await self._session.execute(delete(t).where(t.c.user_id == user_id))
        await self._session.execute(t.insert().values(**values))
        return _info(SimpleNamespace(**values))  # what was inserted: no round trip to read it

    async def _row(self, user_id: str) -> Any:
        t = user_connections
        return (await self._session.execute(select(t).where(t.c.user_id == user_id))).first()

    async def get(self, user_id: str) -> ConnectionInfo | None:
        row = await self._row(user_id)
        return None if row is None else _info(row)

    async def load(self, user_id: str) -> StoredConnection | None:
        """The connection with what a refresh needs (its claim, version and tokens)."""
        row = await self._row(user_id)
        if row is None:
            return None
        return StoredConnection(
            user_id=row.user_id,
            tenant=row.tenant,
            status=row.status,
            scopes=row.scopes,
            access_expires_at=row.access_expires_at,
            version=row.version,
            refresh_started_at=row.refresh_started_at,
            refresh_owner=row.refresh_owner,
            _access_token_enc=row.access_token_enc,
            _refresh_token_enc=row.refresh_token_enc,
            _box=self._box,
        )

    async def remove(self, user_id: str) -> RemovedConnection | None:
        """Delete the connection; returns it with its tokens for revocation."""
        row = await self._row(user_id)
        if row is None:
            return None
        t = user_connections
        await self._session.execute(delete(t).where(t.c.user_id == user_id))
        return RemovedConnection(
            info=_info(row),
            access_token=self._box.decrypt_str(row.access_token_enc),
            refresh_token=self._box.decrypt_str(row.refresh_token_enc),
        )

    async def expire_access(self, user_id: str, *, now: datetime) -> None:
        """Zoom refused the access token: make the next caller refresh."""
        t = user_connections
        await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id)
            .values(access_expires_at=now - timedelta(seconds=1))
        )

    # ---- the refresh protocol --------------------------------------------------------------

    async def claim_refresh(
        self, stored: StoredConnection, *, owner: str, now: datetime, lease: timedelta
    ) -> bool:
        """The write-ahead claim: record that ``owner`` is about to spend the refresh token.

        Only applies to the version ``stored`` was read at, and only when nobody holds a live
        claim (one whose lease has not run out): of any number of racing callers in any
        replica, exactly one gets True.
        """
        t = user_connections
        result = await self._session.execute(
            update(t)
            .where(
                t.c.user_id == stored.user_id,
                t.c.version == stored.version,
                or_(t.c.refresh_started_at.is_(None), t.c.refresh_started_at < now - lease),
            )
            .values(
                refresh_started_at=now,
                refresh_owner=owner,
                version=t.c.version + 1,
                updated_at=now,
            )
        )
        return rowcount(result) == 1

    async def store_refresh(
        self,
        user_id: str,
        *,
        owner: str,
        access_token: str,
        refresh_token: str,
        access_expires_at: datetime,
        scopes: str,
        now: datetime,
    ) -> bool:
        """Store Zoom's new tokens and end ``owner``'s claim; False when the claim was taken
        over meanwhile (the newer refresher's tokens stay on record).

        The token being replaced moves to ``previous_refresh_token_enc`` in the same statement
        (SQL reads the row's old value), so the row never holds less than one token that Zoom
        accepted at some point.
        """
        t = user_connections
        result = await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.refresh_owner == owner)
            .values(
                access_token_enc=self._box.encrypt(access_token),
                access_expires_at=access_expires_at,
                refresh_token_enc=self._box.encrypt(refresh_token),
                previous_refresh_token_enc=t.c.refresh_token_enc,
                scopes=scopes,
                refresh_started_at=None,
                refresh_owner=None,
                last_refresh_at=now,
                version=t.c.version + 1,
                updated_at=now,
            )
        )
        return rowcount(result) == 1

    async def mark_reauthorization(self, user_id: str, *, owner: str, now: datetime) -> None:
        """Zoom refused the refresh token: the user must connect again (claim ended)."""
        t = user_connections
        await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.refresh_owner == owner)
            .values(status=REAUTH, refresh_started_at=None, refresh_owner=None, updated_at=now)
        )

    async def release_refresh(self, user_id: str, *, owner: str) -> None:
        """Give ``owner``'s claim back unused, so the next caller refreshes at once."""
        t = user_connections
        await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.refresh_owner == owner)
            .values(refresh_started_at=None, refresh_owner=None)
        )
