"""Idempotency keys of CreateMeeting, shared by every replica through the gateway's database.

A create is claimed *before* Zoom is called: a row (tenant, request id) in state ``in_progress``
with an owner and a lease. The outcomes of a claim:

* ``Claimed`` — ours; call Zoom, then :meth:`complete` (or :meth:`release` on a definite refusal
  so the caller may try again). ``takeover`` says an earlier owner's lease ran out (it crashed or
  never learned Zoom's answer): the meeting may exist already, so look it up first.
* ``Done`` — a meeting was created for this key before: return it, never create a second one.
* ``Busy`` — another task or replica is creating it right now: wait for its result.

A request id reused for a *different* meeting (another fingerprint) is refused (ALREADY_EXISTS).
The stored meeting holds the passcode and the host's start URL, so it is kept encrypted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from classbridge_common.crypto import SecretBox
from classbridge_common.errors import AlreadyExists
from zoom_gateway.adapters.db_util import insert_ignore
from zoom_gateway.adapters.orm import meeting_creations

IN_PROGRESS = "in_progress"
DONE = "done"


@dataclass(frozen=True)
class Claimed:
    takeover: bool
    # what the ``on_claim`` hook returned (run in the claim's transaction on a fresh claim)
    hooked: Any = None


@dataclass(frozen=True)
class Done:
    meeting: dict[str, Any]


@dataclass(frozen=True)
class Busy:
    lease_until: datetime


Claim = Claimed | Done | Busy
OnClaim = Callable[[AsyncConnection], Awaitable[Any]]
OnComplete = Callable[[AsyncConnection, int], Awaitable[None]]


class IdempotencyStore:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        box: SecretBox,
        lease: timedelta,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._box = box
        self.lease = lease
        self._now = now

    def _stored(self, sealed: str | bytes) -> dict[str, Any]:
        """The meeting kept in ``result_enc``: the JSON object :meth:`complete` sealed."""
        meeting: dict[str, Any] = json.loads(self._box.decrypt_str(sealed))
        return meeting

    async def claim(
        self,
        *,
        tenant: str,
        request_id: str,
        fingerprint: str,
        host: str,
        marker: str,
        owner: str,
        on_claim: OnClaim | None = None,
    ) -> Claim:
        """Claim the key. ``on_claim`` runs in the same transaction when the claim is fresh, so
        bookkeeping that must go with it (the host's daily ledger, the rate-limit token) costs
        no transaction of its own on PostgreSQL; if it raises, the claim is rolled back too."""
        t = meeting_creations
        now = self._now()
        key = (t.c.tenant == tenant, t.c.request_id == request_id)
        async with self._engine.begin() as conn:
            inserted = await conn.execute(
                insert_ignore(
                    conn,
                    t,
                    {
                        "tenant": tenant,
                        "request_id": request_id,
                        "fingerprint": fingerprint,
                        "host": host,
                        "marker": marker,
                        "state": IN_PROGRESS,
                        "owner": owner,
                        "lease_until": now + self.lease,
                        "meeting_id": None,
                        "result_enc": None,
                        "created_at": now,
                        "updated_at": now,
                    },
                ).returning(t.c.request_id)
            )
            if inserted.first() is not None:
                hooked = await on_claim(conn) if on_claim is not None else None
                return Claimed(takeover=False, hooked=hooked)
            query = select(t).where(*key)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            row = (await conn.execute(query)).first()
            if row is None:  # deleted between our insert and select: a retry will claim it
                return Busy(lease_until=now)
            if row.fingerprint != fingerprint:
                raise AlreadyExists(
                    f"request_id {request_id!r} was already used for a different meeting",
                    resource_type="meeting_request",
                    resource_id=request_id,
                )
            if row.state == DONE and row.result_enc:
                return Done(self._stored(row.result_enc))
            if row.lease_until > now:
                return Busy(lease_until=row.lease_until)
            taken = await conn.execute(
                update(t)
                .where(*key, t.c.owner == row.owner, t.c.state == IN_PROGRESS)
                .values(owner=owner, lease_until=now + self.lease, updated_at=now)
            )
            if taken.rowcount == 1:
                return Claimed(takeover=True)
            return Busy(lease_until=now)

    async def complete(
        self,
        *,
        tenant: str,
        request_id: str,
        meeting: Mapping[str, Any],
        on_complete: OnComplete | None = None,
    ) -> dict[str, Any]:
        """Record the created meeting; returns the meeting on record (normally ``meeting``).

        If another owner completed the key in the meantime (a lease ran out while our call was
        still answered), its meeting wins and is returned: the caller deletes its duplicate.
        ``on_complete(conn, meeting_id)`` runs in the same transaction with the id on record
        (the meeting's host is stored with it: one commit instead of two).
        """
        t = meeting_creations
        now = self._now()
        key = (t.c.tenant == tenant, t.c.request_id == request_id)
        sealed = self._box.encrypt(json.dumps(dict(meeting)))  # outside the transaction
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t)
                .where(*key, t.c.state == IN_PROGRESS)
                .values(
                    state=DONE,
                    meeting_id=int(meeting["id"]),
                    result_enc=sealed,
                    updated_at=now,
                )
            )
            if done.rowcount == 1:
                if on_complete is not None:
                    await on_complete(conn, int(meeting["id"]))
                return dict(meeting)
            row = (await conn.execute(select(t.c.result_enc, t.c.meeting_id).where(*key))).first()
            if on_complete is not None and row is not None and row.meeting_id is not None:
                await on_complete(conn, int(row.meeting_id))
        if row is None or not row.result_enc:
            return dict(meeting)
        return self._stored(row.result_enc)

    async def find_done(
        self, *, tenant: str, request_id: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """The meeting already created for this key, if any (read only: no claim).

        Lets a retry get its stored result while Zoom cannot be reached for anything else.
        """
        t = meeting_creations
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.c.fingerprint, t.c.state, t.c.result_enc).where(
                        t.c.tenant == tenant, t.c.request_id == request_id
                    )
                )
            ).first()
        if row is None or row.state != DONE or not row.result_enc:
            return None
        if row.fingerprint != fingerprint:
            raise AlreadyExists(
                f"request_id {request_id!r} was already used for a different meeting",
                resource_type="meeting_request",
                resource_id=request_id,
            )
        return self._stored(row.result_enc)

    async def release(self, *, tenant: str, request_id: str, owner: str) -> None:
        """Zoom refused the create: forget the key so the caller may try again."""
        t = meeting_creations
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(t).where(
                    t.c.tenant == tenant,
                    t.c.request_id == request_id,
                    t.c.owner == owner,
                    t.c.state == IN_PROGRESS,
                )
            )

    async def expire_lease(self, *, tenant: str, request_id: str, owner: str) -> None:
        """We no longer know what Zoom did: let the next attempt reconcile at once."""
        t = meeting_creations
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(
                    t.c.tenant == tenant,
                    t.c.request_id == request_id,
                    t.c.owner == owner,
                    t.c.state == IN_PROGRESS,
                )
                .values(lease_until=self._now())
            )

    async def state(self, *, tenant: str, request_id: str) -> str | None:
        t = meeting_creations
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    select(t.c.state).where(t.c.tenant == tenant, t.c.request_id == request_id)
                )
            ).scalar()
