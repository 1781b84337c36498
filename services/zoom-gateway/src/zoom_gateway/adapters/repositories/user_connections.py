"""The ``user_connections`` table: per-user OAuth connections, tokens encrypted at rest.

Besides storing and reading connections, this holds the statements of the refresh protocol
described in :mod:`zoom_gateway.adapters.user_tokens`: the write-ahead claim, storing the
successor tokens, giving the claim back, and marking a connection for reauthorization. Each is
one conditional ``UPDATE`` — on ``version`` and the claim's lease for the claim, on
``refresh_owner`` for the others — so that across replicas exactly one task spends a refresh
token and a refresher that lost its claim never overwrites the newer tokens.

Reauthorization has two shapes, both ``reauthorization_required`` (the user must connect
again): with ``missing_scopes`` empty the tokens are dead (Zoom refused the refresh token) and
nothing can be done with them; with ``missing_scopes`` set, Zoom refused a call because the
grant lacks those scopes (4711) — the tokens still work for everything else, and only what
those scopes would allow is refused until the user authorizes again.

A user who removes the app at Zoom (``app_deauthorized``) is forgotten: :meth:`remove_zoom_user`
deletes the row, tokens and all, as Zoom requires.
"""

from __future__ import annotations

import hmac
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
    # what Zoom said the grant lacks (4711); empty with status REAUTH: the tokens are dead
    missing_scopes: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Whether calls may still be made with it (active, or only lacking some scopes)."""
        return self.status == ACTIVE or bool(self.missing_scopes)


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
    missing_scopes: tuple[str, ...]
    _access_token_enc: str
    _refresh_token_enc: str
    _box: SecretBox

    @property
    def usable(self) -> bool:
        """Whether its tokens may still be used and refreshed (see :class:`ConnectionInfo`)."""
        return self.status == ACTIVE or bool(self.missing_scopes)

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


def _missing(row: Any) -> tuple[str, ...]:
    return tuple((row.missing_scopes or "").split())


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
        missing_scopes=_missing(row),
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
            "missing_scopes": "",
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
            missing_scopes=_missing(row),
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

    async def remove_zoom_user(
        self,
        *,
        tenant: str,
        zoom_user_id: str,
        zoom_account_id: str = "",
        connected_before: datetime | None = None,
    ) -> list[str]:
        """Delete every connection of ``tenant`` to Zoom user ``zoom_user_id`` (tokens and all):
        the Classbridge user ids whose connection went.

        ``zoom_account_id``, when given, must be the connection's (a connection that never
        learnt its account matches too). ``connected_before`` spares connections made after
        that instant: a user who removed the app and then connected again keeps the new
        connection, however late the removal's event arrives.
        """
        if not zoom_user_id:
            return []
        t = user_connections
        conditions = [t.c.tenant == tenant, t.c.zoom_user_id == zoom_user_id]
        if zoom_account_id:
            conditions.append(
                or_(t.c.zoom_account_id == zoom_account_id, t.c.zoom_account_id == "")
            )
        if connected_before is not None:
            conditions.append(t.c.created_at <= connected_before)
        found = await self._session.execute(select(t.c.user_id).where(*conditions))
        user_ids = sorted(str(r.user_id) for r in found)
        if user_ids:
            await self._session.execute(delete(t).where(t.c.user_id.in_(user_ids), *conditions))
        return user_ids

    async def mark_lacking_scopes(
        self, user_id: str, *, token: str, missing_scopes: Sequence[str], now: datetime
    ) -> bool:
        """Zoom refused ``token`` for lack of authorization (47xx): the user must connect again.

        ``missing_scopes`` are what Zoom's answer named (empty: it named none, and the tokens
        are then treated as dead). Applies only while ``token`` is still the connection's
        access token — a user who connected again meanwhile is not flagged for the old grant
        (a refreshed token keeps the grant, so the next refusal marks it). False when nothing
        was marked. Scopes named earlier are kept: each refusal may name other ones.
        """
        row = await self._row(user_id)
        if row is None or not hmac.compare_digest(
            self._box.decrypt_str(row.access_token_enc).encode(), token.encode()
        ):
            return False
        t = user_connections
        if missing_scopes and (row.status == ACTIVE or _missing(row)):
            lacking = " ".join(dict.fromkeys([*_missing(row), *missing_scopes]))
        else:
            lacking = ""  # nothing named, or the tokens were already dead: stay dead
        result = await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.version == row.version)
            .values(status=REAUTH, missing_scopes=lacking, updated_at=now)
        )
        return rowcount(result) == 1

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

    async def mark_reauthorization(self, user_id: str, *, owner: str, now: datetime) -> bool:
        """Zoom refused the refresh token: the user must connect again (claim ended). False
        when ``owner`` no longer held the claim (nothing was marked)."""
        t = user_connections
        result = await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.refresh_owner == owner)
            .values(
                status=REAUTH,
                missing_scopes="",  # the tokens are dead, whatever they lacked before
                refresh_started_at=None,
                refresh_owner=None,
                updated_at=now,
            )
        )
        return rowcount(result) == 1

    async def release_refresh(self, user_id: str, *, owner: str) -> None:
        """Give ``owner``'s claim back unused, so the next caller refreshes at once."""
        t = user_connections
        await self._session.execute(
            update(t)
            .where(t.c.user_id == user_id, t.c.refresh_owner == owner)
            .values(refresh_started_at=None, refresh_owner=None)
        )
