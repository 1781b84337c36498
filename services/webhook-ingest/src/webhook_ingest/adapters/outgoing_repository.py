"""SQL of outgoing webhooks: endpoints, deliveries and attempts, inside one unit of work.

Every statement goes through `classbridge_common.tenancy.Scoped`, so an admin's unit of work
reads and writes only their tenant's rows (another tenant's endpoint or delivery is simply not
found), and the delivery worker's tenant-spanning one writes each change into the row's own
tenant. Secrets are sealed with the unit of work's `SecretBox` on the way in and opened only to
sign (`signing_secrets`); nothing here logs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.crypto import SecretBox
from classbridge_common.tenancy import Scoped, TenantScope
from webhook_ingest.adapters.tables import (
    webhook_deliveries,
    webhook_delivery_attempts,
    webhook_endpoints,
)

ENABLED = "enabled"
DISABLED_BY_USER = "disabled_by_user"
DISABLED_FAILING = "disabled_failing"

PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"

E = webhook_endpoints.c
D = webhook_deliveries.c
A = webhook_delivery_attempts.c


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds the lease of, with what it needs to send it."""

    seq: int
    id: str
    tenant_id: str
    endpoint_id: str
    event_type: str
    payload: str
    attempts: int
    url: str
    leased_until: datetime
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt got: an answer (status code, capped body) or an error."""

    attempted_at: datetime
    status_code: int
    duration_ms: int
    response_snippet: str
    error: str
    success: bool


class OutgoingWebhookRepository:
    """The outgoing-webhook tables over one session, narrowed to one tenant scope."""

    def __init__(self, session: AsyncSession, scope: TenantScope, box: SecretBox) -> None:
        self._db = Scoped(session, scope)
        self._box = box

    @property
    def scope(self) -> TenantScope:
        return self._db.scope

    # --- endpoints ---------------------------------------------------------------------------

    async def add_endpoint(
        self,
        *,
        endpoint_id: str,
        url: str,
        description: str,
        event_types: Sequence[str],
        secret: str,
        now: datetime,
    ) -> Row[Any]:
        await self._db.execute(
            webhook_endpoints.insert().values(
                id=endpoint_id,
                url=url,
                description=description,
                event_types=list(event_types),
                state=ENABLED,
                disabled_reason="",
                secret_enc=self._box.encrypt(secret),
                created_at=now,
                updated_at=now,
            )
        )
        row = await self.endpoint(endpoint_id)
        assert row is not None
        return row

    async def endpoint(self, endpoint_id: str, *, for_update: bool = False) -> Row[Any] | None:
        query = select(webhook_endpoints).where(E.id == endpoint_id)
        if for_update:
            query = query.with_for_update()
        return await self._db.load(query)  # type: ignore[no-any-return]

    async def url_taken(self, url: str, *, other_than: str = "") -> bool:
        query = select(E.id).where(E.url == url, E.id != other_than)
        return await self._db.first(query) is not None

    async def count_endpoints(self) -> int:
        return int(await self._db.scalar(select(func.count()).select_from(webhook_endpoints)))

    async def endpoints(self, *, after: tuple[datetime, str] | None, limit: int) -> list[Row[Any]]:
        """Oldest first (created, id), `limit` rows after `after` (keyset pagination)."""
        query = select(webhook_endpoints)
        if after is not None:
            created, last_id = after
            query = query.where(
                or_(E.created_at > created, and_(E.created_at == created, E.id > last_id))
            )
        return await self._db.all(query.order_by(E.created_at, E.id).limit(limit))

    async def subscribed(self, event_type: str) -> list[Row[Any]]:
        """The scope's enabled endpoints that asked for `event_type`, oldest first."""
        query = select(webhook_endpoints).where(E.state == ENABLED).order_by(E.created_at, E.id)
        return [row for row in await self._db.all(query) if event_type in (row.event_types or [])]

    async def update_endpoint(self, endpoint_id: str, values: dict[str, Any]) -> None:
        await self._db.execute(update(webhook_endpoints).where(E.id == endpoint_id).values(values))

    async def rotate_secret(
        self, endpoint: Row[Any], *, secret: str, grace_until: datetime, now: datetime
    ) -> None:
        """The new secret signs from now on; the current one alongside it until `grace_until`."""
        await self.update_endpoint(
            endpoint.id,
            {
                "secret_enc": self._box.encrypt(secret),
                "previous_secret_enc": endpoint.secret_enc,
                "previous_secret_expires_at": grace_until,
                "updated_at": now,
            },
        )

    def signing_secrets(self, endpoint: Any, now: datetime) -> tuple[str, ...]:
        """The secrets that sign a delivery now: the current one, then the rotated-out one
        while its grace period lasts."""
        found = [self._box.decrypt_str(endpoint.secret_enc)]
        expires = endpoint.previous_secret_expires_at
        if endpoint.previous_secret_enc and expires is not None and expires > now:
            found.append(self._box.decrypt_str(endpoint.previous_secret_enc))
        return tuple(found)

    async def delete_endpoint(self, endpoint_id: str) -> None:
        """The endpoint, its deliveries and their attempts."""
        seqs = select(D.seq).where(D.endpoint_id == endpoint_id).scalar_subquery()
        await self._db.execute(delete(webhook_delivery_attempts).where(A.delivery_seq.in_(seqs)))
        await self._db.execute(delete(webhook_deliveries).where(D.endpoint_id == endpoint_id))
        await self._db.execute(delete(webhook_endpoints).where(E.id == endpoint_id))

    # --- deliveries --------------------------------------------------------------------------

    async def add_delivery(
        self,
        *,
        delivery_id: str,
        endpoint_id: str,
        event_type: str,
        source_message_id: str,
        payload: str,
        now: datetime,
    ) -> None:
        await self._db.execute(
            webhook_deliveries.insert().values(
                id=delivery_id,
                endpoint_id=endpoint_id,
                event_type=event_type,
                source_message_id=source_message_id,
                payload=payload,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )

    async def delivery(self, delivery_id: str, *, for_update: bool = False) -> Row[Any] | None:
        query = select(webhook_deliveries).where(D.id == delivery_id)
        if for_update:
            query = query.with_for_update()
        return await self._db.load(query)  # type: ignore[no-any-return]

    async def deliveries(
        self,
        *,
        endpoint_id: str,
        statuses: Sequence[str],
        before_seq: int | None,
        limit: int,
    ) -> list[Row[Any]]:
        """Newest first; without the payload (lists stay small)."""
        query = select(*[c for c in webhook_deliveries.c if c.name != "payload"])
        if endpoint_id:
            query = query.where(D.endpoint_id == endpoint_id)
        if statuses:
            query = query.where(D.status.in_(list(statuses)))
        if before_seq is not None:
            query = query.where(D.seq < before_seq)
        return await self._db.all(query.order_by(D.seq.desc()).limit(limit))

    async def attempts(self, delivery_seq: int) -> list[Row[Any]]:
        query = select(webhook_delivery_attempts).where(A.delivery_seq == delivery_seq)
        return await self._db.all(query.order_by(A.id))

    async def requeue(self, seqs: Sequence[int], now: datetime) -> None:
        """Send these deliveries again now, as a fresh round of attempts."""
        if not seqs:
            return
        await self._db.execute(
            update(webhook_deliveries)
            .where(D.seq.in_(list(seqs)))
            .values(
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                leased_until=None,
                replay_count=D.replay_count + 1,
            )
        )

    async def failed_since(self, endpoint_id: str, since: datetime, limit: int) -> list[int]:
        query = (
            select(D.seq)
            .where(D.endpoint_id == endpoint_id, D.status == FAILED, D.created_at >= since)
            .order_by(D.seq)
            .limit(limit)
        )
        return [row.seq for row in await self._db.all(query)]

    async def fail_pending(self, endpoint_id: str, reason: str) -> int:
        """Give up the endpoint's pending deliveries (it was disabled); replayable later."""
        result = await self._db.execute(
            update(webhook_deliveries)
            .where(D.endpoint_id == endpoint_id, D.status == PENDING)
            .values(status=FAILED, next_attempt_at=None, leased_until=None, last_error=reason)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- the worker --------------------------------------------------------------------------

    async def claim_due(self, *, now: datetime, lease_until: datetime, limit: int) -> list[Claimed]:
        """Lease up to `limit` due deliveries, each the oldest pending one of its endpoint (an
        endpoint's deliveries go out in order, one at a time), of enabled endpoints only. On
        PostgreSQL the rows are locked `SKIP LOCKED`, so several workers share the queue."""
        older = webhook_deliveries.alias("older")
        head = (
            select(func.min(older.c.seq))
            .where(older.c.endpoint_id == D.endpoint_id, older.c.status == PENDING)
            .scalar_subquery()
        )
        query = (
            select(
                D.seq,
                D.id,
                D.tenant_id,
                D.endpoint_id,
                D.event_type,
                D.payload,
                D.attempts,
                E.url,
                E.secret_enc,
                E.previous_secret_enc,
                E.previous_secret_expires_at,
            )
            .select_from(webhook_deliveries.join(webhook_endpoints, E.id == D.endpoint_id))
            .where(
                D.status == PENDING,
                E.state == ENABLED,
                D.next_attempt_at <= now,
                or_(D.leased_until.is_(None), D.leased_until < now),
                D.seq == head,
            )
            .order_by(D.next_attempt_at, D.seq)
            .limit(limit)
        )
        session = self._db.session
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=webhook_deliveries, skip_locked=True)
        rows = await self._db.all(query)
        if not rows:
            return []
        await self._db.execute(
            update(webhook_deliveries)
            .where(D.seq.in_([row.seq for row in rows]))
            .values(leased_until=lease_until)
        )
        return [
            Claimed(
                seq=row.seq,
                id=row.id,
                tenant_id=row.tenant_id,
                endpoint_id=row.endpoint_id,
                event_type=row.event_type,
                payload=row.payload,
                attempts=row.attempts,
                url=row.url,
                leased_until=lease_until,
                secrets=self.signing_secrets(row, now),
            )
            for row in rows
        ]

    async def record_attempt(
        self,
        claimed: Claimed,
        result: AttemptResult,
        *,
        status: str,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Log the attempt and move the delivery on; False when the lease was lost meanwhile
        (a replay or another worker took it: the attempt is logged, the delivery left alone)."""
        await self._db.execute(
            webhook_delivery_attempts.insert().values(
                delivery_seq=claimed.seq,
                tenant_id=claimed.tenant_id,
                attempted_at=result.attempted_at,
                status_code=result.status_code,
                duration_ms=result.duration_ms,
                response_snippet=result.response_snippet,
                error=result.error[:500],
                success=result.success,
            )
        )
        values: dict[str, Any] = {
            "status": status,
            "attempts": D.attempts + 1,
            "next_attempt_at": next_attempt_at,
            "leased_until": None,
            "last_attempt_at": result.attempted_at,
            "last_status_code": result.status_code,
            "last_error": result.error[:500],
        }
        if result.success:
            values["delivered_at"] = result.attempted_at
        moved = await self._db.execute(
            update(webhook_deliveries)
            .where(D.seq == claimed.seq, D.leased_until == claimed.leased_until)
            .values(values)
        )
        return bool(getattr(moved, "rowcount", 0))

    async def endpoint_answered(self, endpoint_id: str, *, success: bool, now: datetime) -> None:
        """A success ends the endpoint's failure streak; a failure starts one (if none)."""
        if success:
            values: dict[str, Any] = {"failing_since": None}
        else:
            values = {"failing_since": func.coalesce(E.failing_since, now)}
        await self._db.execute(update(webhook_endpoints).where(E.id == endpoint_id).values(values))

    async def prune_finished(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` deliveries (and their attempts) that succeeded or failed and were
        created before `before`; pending ones are always kept."""
        query = (
            select(D.seq)
            .where(D.status.in_([SUCCEEDED, FAILED]), D.created_at < before)
            .order_by(D.seq)
            .limit(limit)
        )
        seqs = [row.seq for row in await self._db.all(query)]
        if seqs:
            await self._db.execute(
                delete(webhook_delivery_attempts).where(A.delivery_seq.in_(seqs))
            )
            await self._db.execute(delete(webhook_deliveries).where(D.seq.in_(seqs)))
        return len(seqs)

    # --- gauges ------------------------------------------------------------------------------

    async def backlog(self, now: datetime) -> tuple[int, float]:
        """Pending deliveries and the age (seconds) of the oldest, over every tenant."""
        query = select(func.count(), func.min(D.created_at)).where(D.status == PENDING)
        count, oldest = (await self._db.execute(query)).one()
        age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
        return int(count), age
