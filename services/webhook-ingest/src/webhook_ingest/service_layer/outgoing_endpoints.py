"""The outgoing-webhook admin operations: endpoints, their secrets, deliveries and replays.

Each operation runs in one unit of work of the caller's `TenantScope`, so a tenant admin only
ever sees and changes their own tenant's endpoints (another tenant's ids are NOT_FOUND). A
secret is generated here, sealed by the repository, and returned only by the operation that
made it (create, rotate). Replays keep the delivery's id (the `webhook-id` header): receivers
deduplicate on it, and a replay is the same event sent again, not a new one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

from classbridge_common.errors import AlreadyExists, FailedPrecondition, NotFound, invalid_field
from classbridge_common.paging import Cursor, decode_cursor, encode_cursor
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters import outgoing_payloads
from webhook_ingest.adapters.outgoing_repository import (
    DISABLED_BY_USER,
    ENABLED,
    FAILED,
)
from webhook_ingest.adapters.uow import UnitOfWorkFactory
from webhook_ingest.domain import endpoint_urls, standard_webhooks
from webhook_ingest.domain.endpoint_urls import UnsafeURL

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_REPLAY = 1000
MAX_DESCRIPTION = 500
MAX_GRACE_SECONDS = 7 * 86_400
UPDATABLE = frozenset({"url", "event_types", "description", "enabled"})

URLCheck = Callable[[str], Awaitable[None]]


def new_endpoint_id() -> str:
    return "ep_" + uuid.uuid4().hex


def new_delivery_id() -> str:
    """A delivery's id, also its `webhook-id` header: unique and never reused."""
    return "msg_" + uuid.uuid4().hex


@dataclass(frozen=True)
class EndpointChanges:
    """What UpdateEndpoint replaces (only the fields named in `fields`)."""

    fields: frozenset[str]
    url: str = ""
    event_types: tuple[str, ...] = ()
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class Page:
    rows: list[Row[Any]]
    next_page_token: str


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: Row[Any]
    attempts: list[Row[Any]]


def _page_size(requested: int) -> int:
    if requested < 0:
        raise invalid_field("page_size", "must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def event_types_of(requested: Sequence[str]) -> tuple[str, ...]:
    """The subscribed types, checked, each once, in the order given."""
    chosen: list[str] = []
    for name in requested:
        if name not in outgoing_payloads.EVENT_TYPES:
            raise invalid_field(
                "event_types",
                f"unknown event type {name[:64]!r}; one of: "
                + ", ".join(outgoing_payloads.EVENT_TYPES),
            )
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise invalid_field("event_types", "name at least one event type")
    return tuple(chosen)


def _description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise invalid_field("description", f"at most {MAX_DESCRIPTION} characters")
    return text


class OutgoingWebhooks:
    """The admin use cases; `check_url` applies the SSRF rules (form and resolved addresses)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        check_url: URLCheck,
        clock: Callable[[], datetime],
        max_endpoints: int,
        rotation_grace_seconds: int,
        wake_worker: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow
        self._check_url = check_url
        self._clock = clock
        self._max_endpoints = max_endpoints
        self._grace = rotation_grace_seconds
        self._wake = wake_worker

    async def _url(self, url: str) -> str:
        try:
            await self._check_url(url)
        except UnsafeURL as refused:
            raise invalid_field("url", str(refused)) from None
        except OSError:
            raise invalid_field("url", "the host does not resolve") from None
        return url

    # --- endpoints ---------------------------------------------------------------------------

    async def create(
        self, *, scope: TenantScope, url: str, event_types: Sequence[str], description: str
    ) -> tuple[Row[Any], str]:
        """The new endpoint and its secret (shown this once)."""
        types = event_types_of(event_types)
        text = _description(description)
        await self._url(url)
        secret = standard_webhooks.generate_secret()
        now = self._clock()
        async with self._uow(scope) as uow:
            if await uow.webhooks.url_taken(url):
                raise AlreadyExists(
                    "this tenant already has an endpoint with that url",
                    resource_type="webhook endpoint",
                )
            if await uow.webhooks.count_endpoints() >= self._max_endpoints:
                raise FailedPrecondition(
                    f"a tenant may register at most {self._max_endpoints} endpoints"
                )
            row = await uow.webhooks.add_endpoint(
                endpoint_id=new_endpoint_id(),
                url=url,
                description=text,
                event_types=types,
                secret=secret,
                now=now,
            )
            await uow.commit()
        log.info(
            "webhook endpoint created",
            extra={
                "endpoint_id": row.id,
                "tenant_id": row.tenant_id,
                "url": endpoint_urls.redact(url),
            },
        )
        return row, secret

    async def get(self, endpoint_id: str, *, scope: TenantScope) -> Row[Any]:
        async with self._uow(scope) as uow:
            return await self._endpoint(uow, endpoint_id)

    async def _endpoint(self, uow: Any, endpoint_id: str, *, for_update: bool = False) -> Row[Any]:
        row = (
            await uow.webhooks.endpoint(endpoint_id, for_update=for_update) if endpoint_id else None
        )
        if row is None:
            raise NotFound(resource_type="webhook endpoint", resource_id=endpoint_id[:64])
        return row  # type: ignore[no-any-return]

    async def list(self, *, scope: TenantScope, page_size: int, page_token: str) -> Page:
        size = _page_size(page_size)
        cursor = decode_cursor(page_token, "endpoints", shape=(str, str))
        after = None
        if cursor is not None:
            created, last_id = cursor.key
            after = (datetime.fromisoformat(str(created)), str(last_id))
        async with self._uow(scope) as uow:
            rows = await uow.webhooks.endpoints(after=after, limit=size + 1)
        token = ""
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            token = encode_cursor(Cursor(key=(last.created_at.isoformat(), last.id)), "endpoints")
        return Page(rows=rows, next_page_token=token)

    async def update(
        self, endpoint_id: str, changes: EndpointChanges, *, scope: TenantScope
    ) -> Row[Any]:
        unknown = changes.fields - UPDATABLE
        if unknown:
            raise invalid_field(
                "update_mask", f"cannot update {sorted(unknown)}; only {sorted(UPDATABLE)}"
            )
        if not changes.fields:
            raise invalid_field("update_mask", "name at least one field")
        values: dict[str, Any] = {}
        if "event_types" in changes.fields:
            values["event_types"] = list(event_types_of(changes.event_types))
        if "description" in changes.fields:
            values["description"] = _description(changes.description)
        if "url" in changes.fields:
            values["url"] = await self._url(changes.url)
        now = self._clock()
        async with self._uow(scope) as uow:
            row = await self._endpoint(uow, endpoint_id, for_update=True)
            if "url" in values and await uow.webhooks.url_taken(values["url"], other_than=row.id):
                raise AlreadyExists(
                    "this tenant already has an endpoint with that url",
                    resource_type="webhook endpoint",
                )
            if "enabled" in changes.fields:
                if changes.enabled and row.state != ENABLED:
                    values.update(
                        state=ENABLED, disabled_reason="", disabled_at=None, failing_since=None
                    )
                elif not changes.enabled and row.state == ENABLED:
                    values.update(
                        state=DISABLED_BY_USER,
                        disabled_reason="disabled by an admin",
                        disabled_at=now,
                    )
                    await uow.webhooks.fail_pending(row.id, "endpoint disabled")
            values["updated_at"] = now
            await uow.webhooks.update_endpoint(row.id, values)
            updated = await self._endpoint(uow, row.id)
            await uow.commit()
        self._wake()
        return updated

    async def delete(self, endpoint_id: str, *, scope: TenantScope) -> None:
        async with self._uow(scope) as uow:
            row = await self._endpoint(uow, endpoint_id, for_update=True)
            await uow.webhooks.delete_endpoint(row.id)
            await uow.commit()
        log.info("webhook endpoint deleted", extra={"endpoint_id": endpoint_id})

    async def rotate(
        self, endpoint_id: str, *, scope: TenantScope, grace_seconds: int
    ) -> tuple[Row[Any], str]:
        """A new secret (shown this once); the current one signs alongside it for the grace
        period (0: the configured default)."""
        if grace_seconds < 0 or grace_seconds > MAX_GRACE_SECONDS:
            raise invalid_field("grace_seconds", f"0 to {MAX_GRACE_SECONDS}")
        grace = timedelta(seconds=grace_seconds or self._grace)
        secret = standard_webhooks.generate_secret()
        now = self._clock()
        async with self._uow(scope) as uow:
            row = await self._endpoint(uow, endpoint_id, for_update=True)
            await uow.webhooks.rotate_secret(row, secret=secret, grace_until=now + grace, now=now)
            updated = await self._endpoint(uow, row.id)
            await uow.commit()
        log.info("webhook endpoint secret rotated", extra={"endpoint_id": endpoint_id})
        return updated, secret

    # --- deliveries --------------------------------------------------------------------------

    async def deliveries(
        self,
        *,
        scope: TenantScope,
        endpoint_id: str,
        statuses: Collection[str],
        page_size: int,
        page_token: str,
    ) -> Page:
        size = _page_size(page_size)
        filters = {"endpoint": endpoint_id, "statuses": sorted(statuses)}
        cursor = decode_cursor(page_token, filters, shape=(int,))
        before = int(cursor.key[0]) if cursor is not None else None
        async with self._uow(scope) as uow:
            if endpoint_id:
                await self._endpoint(uow, endpoint_id)
            rows = await uow.webhooks.deliveries(
                endpoint_id=endpoint_id, statuses=list(statuses), before_seq=before, limit=size + 1
            )
        token = ""
        if len(rows) > size:
            rows = rows[:size]
            token = encode_cursor(Cursor(key=(rows[-1].seq,)), filters)
        return Page(rows=rows, next_page_token=token)

    async def delivery(self, delivery_id: str, *, scope: TenantScope) -> DeliveryDetail:
        async with self._uow(scope) as uow:
            row = await self._delivery(uow, delivery_id)
            attempts = await uow.webhooks.attempts(row.seq)
        return DeliveryDetail(delivery=row, attempts=attempts)

    async def _delivery(self, uow: Any, delivery_id: str, *, for_update: bool = False) -> Row[Any]:
        row = (
            await uow.webhooks.delivery(delivery_id, for_update=for_update) if delivery_id else None
        )
        if row is None:
            raise NotFound(resource_type="webhook delivery", resource_id=delivery_id[:64])
        return row  # type: ignore[no-any-return]

    async def replay(self, delivery_id: str, *, scope: TenantScope) -> DeliveryDetail:
        """Send the delivery again now (same id), whatever became of it before."""
        now = self._clock()
        async with self._uow(scope) as uow:
            row = await self._delivery(uow, delivery_id, for_update=True)
            endpoint = await self._endpoint(uow, row.endpoint_id)
            if endpoint.state != ENABLED:
                raise FailedPrecondition("the endpoint is disabled: enable it first")
            await uow.webhooks.requeue([row.seq], now)
            replayed = await self._delivery(uow, delivery_id)
            attempts = await uow.webhooks.attempts(row.seq)
            await uow.commit()
        log.info("webhook delivery replayed", extra={"delivery_id": delivery_id})
        self._wake()
        return DeliveryDetail(delivery=replayed, attempts=attempts)

    async def replay_failed(
        self, endpoint_id: str, *, scope: TenantScope, since: datetime | None
    ) -> int:
        """Send again every failed delivery of the endpoint created since `since`."""
        if since is None:
            raise invalid_field("since", "required: replay failed deliveries created since when")
        async with self._uow(scope) as uow:
            endpoint = await self._endpoint(uow, endpoint_id, for_update=True)
            if endpoint.state != ENABLED:
                raise FailedPrecondition("the endpoint is disabled: enable it first")
            seqs = await uow.webhooks.failed_since(endpoint.id, since, MAX_REPLAY)
            await uow.webhooks.requeue(seqs, self._clock())
            await uow.commit()
        log.info(
            "webhook deliveries replayed",
            extra={"endpoint_id": endpoint_id, "count": len(seqs)},
        )
        self._wake()
        return len(seqs)

    async def prune(self, *, older_than: timedelta, batch_size: int) -> int:
        """Delete finished deliveries (and their attempt log) older than `older_than`, across
        tenants, in batches (the retention job: WEBHOOK_RETENTION_DAYS)."""
        cutoff = self._clock() - older_than
        total = 0
        while True:
            async with self._uow(TenantScope(None)) as uow:
                deleted = await uow.webhooks.prune_finished(cutoff, batch_size)
                await uow.commit()
            total += deleted
            if deleted < batch_size:
                return total

    async def send_test(self, endpoint_id: str, *, scope: TenantScope) -> DeliveryDetail:
        """Queue a `webhook.test` ping to the endpoint."""
        now = self._clock()
        delivery_id = new_delivery_id()
        async with self._uow(scope) as uow:
            endpoint = await self._endpoint(uow, endpoint_id)
            if endpoint.state != ENABLED:
                raise FailedPrecondition("the endpoint is disabled: enable it first")
            await uow.webhooks.add_delivery(
                delivery_id=delivery_id,
                endpoint_id=endpoint.id,
                event_type=outgoing_payloads.TEST_EVENT,
                source_message_id="",
                payload=outgoing_payloads.test_event(endpoint.id, now),
                now=now,
            )
            row = await self._delivery(uow, delivery_id)
            await uow.commit()
        self._wake()
        return DeliveryDetail(delivery=row, attempts=[])


__all__ = [
    "FAILED",
    "DeliveryDetail",
    "EndpointChanges",
    "OutgoingWebhooks",
    "Page",
    "event_types_of",
    "new_delivery_id",
]
