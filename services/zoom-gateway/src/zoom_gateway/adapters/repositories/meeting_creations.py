"""The ``meeting_creations`` table: idempotency keys of CreateMeeting, shared by every replica.

A create is claimed *before* Zoom is called: a row (tenant, request id) in state ``in_progress``
with an owner and a lease. The outcomes of a claim:

* ``Claimed`` — ours; call Zoom, then :meth:`~MeetingCreationRepository.complete` (or
  :meth:`~MeetingCreationRepository.release` on a definite refusal so the caller may try again).
  ``takeover`` says an earlier owner's lease ran out (it crashed or never learned Zoom's answer):
  the meeting may exist already, so look it up first.
* ``Done`` — a meeting was created for this key before: return it, never create a second one.
* ``Busy`` — another task or replica is creating it right now: wait for its result.

A request id reused for a *different* meeting (another fingerprint) is refused (ALREADY_EXISTS).
The stored meeting holds the passcode and the host's start URL, so it is kept encrypted.
The flow around these statements (and why it is two units of work per create) is in
:mod:`zoom_gateway.service_layer.meetings`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.crypto import SecretBox
from classbridge_common.db import is_postgres
from classbridge_common.errors import AlreadyExists
from zoom_gateway.adapters.orm import meeting_creations
from zoom_gateway.adapters.repositories.sql import insert_ignore, rowcount

IN_PROGRESS = "in_progress"
DONE = "done"


@dataclass(frozen=True)
class Claimed:
    takeover: bool


@dataclass(frozen=True)
class Done:
    meeting: dict[str, Any]


@dataclass(frozen=True)
class Busy:
    lease_until: datetime


Claim = Claimed | Done | Busy


@dataclass(frozen=True)
class Completed:
    """The meeting on record for a key after :meth:`MeetingCreationRepository.complete`.

    ``meeting_id`` is the id on record (None only when the key vanished meanwhile).
    """

    meeting: dict[str, Any]
    meeting_id: int | None


def _reused(request_id: str) -> AlreadyExists:
    return AlreadyExists(
        f"request_id {request_id!r} was already used for a different meeting",
        resource_type="meeting_request",
        resource_id=request_id,
    )


class MeetingCreationRepository:
    """Claims, completes and releases CreateMeeting's idempotency keys."""

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session = session
        self._box = box

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
        now: datetime,
        lease: timedelta,
    ) -> Claim:
        """Claim the key for ``owner`` until ``now + lease``.

        A fresh key is inserted (``ON CONFLICT DO NOTHING``); an existing one is read ``FOR
        UPDATE`` on PostgreSQL, and taken over only with an ``UPDATE`` conditional on the owner
        whose lease ran out, so two replicas reviving the same key cannot both win. The caller
        adds to the same unit of work what must go with a fresh claim (the host's daily charge,
        the rate-limit token) before it commits.
        """
        t = meeting_creations
        key = (t.c.tenant == tenant, t.c.request_id == request_id)
        inserted = await self._session.execute(
            insert_ignore(
                self._session,
                t,
                {
                    "tenant": tenant,
                    "request_id": request_id,
                    "fingerprint": fingerprint,
                    "host": host,
                    "marker": marker,
                    "state": IN_PROGRESS,
                    "owner": owner,
                    "lease_until": now + lease,
                    "meeting_id": None,
                    "result_enc": None,
                    "created_at": now,
                    "updated_at": now,
                },
            ).returning(t.c.request_id)
        )
        if inserted.first() is not None:
            return Claimed(takeover=False)
        query = select(t).where(*key)
        if is_postgres(self._session):
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        if row is None:  # deleted between our insert and select: a retry will claim it
            return Busy(lease_until=now)
        if row.fingerprint != fingerprint:
            raise _reused(request_id)
        if row.state == DONE and row.result_enc:
            return Done(self._stored(row.result_enc))
        if row.lease_until > now:
            return Busy(lease_until=row.lease_until)
        taken = await self._session.execute(
            update(t)
            .where(*key, t.c.owner == row.owner, t.c.state == IN_PROGRESS)
            .values(owner=owner, lease_until=now + lease, updated_at=now)
        )
        if rowcount(taken) == 1:
            return Claimed(takeover=True)
        return Busy(lease_until=now)

    async def complete(
        self, *, tenant: str, request_id: str, meeting: Mapping[str, Any], now: datetime
    ) -> Completed:
        """Record the created meeting; answers the meeting on record (normally ``meeting``).

        If another owner completed the key in the meantime (a lease ran out while our call was
        still answered), its meeting wins and is answered: the caller deletes its duplicate.
        """
        t = meeting_creations
        key = (t.c.tenant == tenant, t.c.request_id == request_id)
        # sealed before the first statement, so before the transaction takes a connection
        sealed = self._box.encrypt(json.dumps(dict(meeting)))
        done = await self._session.execute(
            update(t)
            .where(*key, t.c.state == IN_PROGRESS)
            .values(state=DONE, meeting_id=int(meeting["id"]), result_enc=sealed, updated_at=now)
        )
        if rowcount(done) == 1:
            return Completed(meeting=dict(meeting), meeting_id=int(meeting["id"]))
        row = (
            await self._session.execute(select(t.c.result_enc, t.c.meeting_id).where(*key))
        ).first()
        if row is None:
            return Completed(meeting=dict(meeting), meeting_id=None)
        meeting_id = None if row.meeting_id is None else int(row.meeting_id)
        if not row.result_enc:
            return Completed(meeting=dict(meeting), meeting_id=meeting_id)
        return Completed(meeting=self._stored(row.result_enc), meeting_id=meeting_id)

    async def find_done(
        self, *, tenant: str, request_id: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """The meeting already created for this key, if any (read only: no claim).

        Lets a retry get its stored result while Zoom cannot be reached for anything else.
        """
        t = meeting_creations
        row = (
            await self._session.execute(
                select(t.c.fingerprint, t.c.state, t.c.result_enc).where(
                    t.c.tenant == tenant, t.c.request_id == request_id
                )
            )
        ).first()
        if row is None or row.state != DONE or not row.result_enc:
            return None
        if row.fingerprint != fingerprint:
            raise _reused(request_id)
        return self._stored(row.result_enc)

    async def release(self, *, tenant: str, request_id: str, owner: str) -> None:
        """Zoom refused the create: forget the key (if still ours) so the caller may retry."""
        t = meeting_creations
        await self._session.execute(
            delete(t).where(
                t.c.tenant == tenant,
                t.c.request_id == request_id,
                t.c.owner == owner,
                t.c.state == IN_PROGRESS,
            )
        )

    async def expire_lease(
        self, *, tenant: str, request_id: str, owner: str, now: datetime
    ) -> None:
        """We no longer know what Zoom did: let the next attempt reconcile at once."""
        t = meeting_creations
        await self._session.execute(
            update(t)
            .where(
                t.c.tenant == tenant,
                t.c.request_id == request_id,
                t.c.owner == owner,
                t.c.state == IN_PROGRESS,
            )
            .values(lease_until=now)
        )
