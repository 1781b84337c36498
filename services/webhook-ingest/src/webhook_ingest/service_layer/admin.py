"""The audit trail's operations: list, read, replay and prune stored webhooks.

Replay semantics (decided here, documented in the admin proto): a replay publishes the stored
event again, translated afresh from its raw body (so a fixed translation benefits), through the
outbox with a **new** message id, `context.replayed = true` and an `x-replay-of` header naming
the original message id. A new id is what makes a replay *delivered* again: consumers dedup by
message id in their inbox, so re-sending the original id would be dropped by exactly the
consumers that need it (one that applied the event wrongly before a fix). Consumers therefore
apply Zoom events idempotently by the event's own identity (`context.dedup_key`, meeting uuid,
participant uuid, file ids), which they must do anyway because Zoom itself may deliver an event
twice under different dedup circumstances.

Every operation takes the caller's `TenantScope` and hands it to the repository, which applies
it to every query: an admin sees, replays and prunes only their own tenant's events. A replay
keeps the stored row's tenant (it is re-published into that tenant, never the caller's).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.errors import FailedPrecondition, InvalidArgument, NotFound
from classbridge_common.messages import new_message_id
from classbridge_common.paging import Cursor, decode_cursor, encode_cursor
from classbridge_common.tenancy import TenantScope
from webhook_ingest.adapters import repository as repo
from webhook_ingest.service_layer.ingest import Encoder, build_record

log = logging.getLogger(__name__)

REPLAY_HEADER = "x-replay-of"
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
DEFAULT_REPLAY_LIMIT = 10_000
_REPLAY_CHUNK = 200
# Keys whose values are credentials inside Zoom payloads; GetEvent never shows them.
_SECRET_KEYS = frozenset(
    {"download_token", "password", "recording_play_passcode", "plainToken", "encryptedToken"}
)
REDACTED = "[REDACTED]"


def redact_body(body: bytes) -> bytes:
    """The stored body with credential values replaced; byte-exact when there are none."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    changed = False

    def scrub(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, dict):
            out = {}
            for key, inner in value.items():
                if key in _SECRET_KEYS and inner not in ("", None):
                    changed = True
                    out[key] = REDACTED
                else:
                    out[key] = scrub(inner)
            return out
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    scrubbed = scrub(document)
    return json.dumps(scrubbed, separators=(",", ":")).encode() if changed else body


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row[Any]]
    next_page_token: str
    total_size: int


def _page_filters(flt: repo.EventFilter, scope: TenantScope) -> dict[str, Any]:
    """What a ListEvents page token is bound to: the filters and the caller's tenant."""
    return {
        "list": "webhookingest.ListEvents",
        "tenant": scope.tenant,
        "event_types": sorted(flt.event_types),
        "meeting_id": flt.meeting_id,
        "meeting_uuid": flt.meeting_uuid,
        "states": sorted(flt.states),
        "received_after": flt.received_after.isoformat() if flt.received_after else None,
        "received_before": flt.received_before.isoformat() if flt.received_before else None,
    }


def parse_event_id(event_id: str) -> int:
    if not event_id.strip().isdigit() or len(event_id.strip()) > 18:
        raise InvalidArgument("event_id must be the decimal id of a stored event")
    return int(event_id)


class WebhookAdmin:
    """List, read, replay and prune the stored webhooks."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        encode: Encoder,
        notify_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        prune_batch_size: int = 1000,
    ) -> None:
        self._engine = engine
        self._encode = encode
        self._notify = notify_outbox
        self._clock = clock
        self._prune_batch_size = prune_batch_size

    async def list(
        self, flt: repo.EventFilter, *, scope: TenantScope, page_size: int, page_token: str
    ) -> Page:
        if page_size < 0:
            raise InvalidArgument("page_size must not be negative")
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        bound_to = _page_filters(flt, scope)
        # keyset pages, newest first: the token holds the id of the last event returned
        cursor = decode_cursor(page_token, bound_to, shape=(int,))
        before = int(cursor.key[0]) if cursor else None
        rows = await repo.list_events(
            self._engine, flt, scope=scope, limit=size + 1, before_id=before
        )
        more = len(rows) > size
        rows = rows[:size]
        token = encode_cursor(Cursor(key=(rows[-1].id,)), bound_to) if more and rows else ""
        total = await repo.count_matching(self._engine, flt, scope=scope)
        return Page(rows=rows, next_page_token=token, total_size=total)

    async def get(self, event_id: str, *, scope: TenantScope) -> tuple[Row[Any], bytes]:
        """One event of `scope` with its redacted body; NotFound for another tenant's."""
        found = await repo.get_event(self._engine, parse_event_id(event_id), scope=scope)
        if found is None:
            raise NotFound(resource_type="webhook event", resource_id=event_id)
        row, body = found
        return row, redact_body(body)

    def _replay_record(
        self, event_id: int, message_id: str, body: bytes, tenant_id: str
    ) -> repo.Publication:
        try:
            document = json.loads(body)
        except ValueError:
            raise FailedPrecondition(f"event {event_id} has no JSON body to replay") from None
        if not isinstance(document, Mapping):
            raise FailedPrecondition(f"event {event_id} is not a publishable event")
        record = build_record(
            document,
            body,
            {},
            encode=self._encode,
            received_at=self._clock(),
            tenant_id=tenant_id,
            message_id=new_message_id(),
        )
        record.message.context.replayed = True  # type: ignore[attr-defined]
        return repo.Publication(
            key=record.key,
            row=record.row,
            message=record.message,
            routing_key=record.routing_key,
            message_id=record.message_id,
            timestamp=record.timestamp,
            headers={**record.headers, REPLAY_HEADER: message_id},
        )

    async def replay(
        self, event_id: str, *, scope: TenantScope, reason: str = ""
    ) -> tuple[Row[Any], str]:
        """Publish one stored event of `scope` again; returns it and the new message id."""
        numeric = parse_event_id(event_id)
        found = await repo.get_event(self._engine, numeric, scope=scope)
        if found is None:
            raise NotFound(resource_type="webhook event", resource_id=event_id)
        row, body = found
        record = self._replay_record(numeric, row.message_id, body, row.tenant_id)
        await repo.requeue(self._engine, [(numeric, record)], self._clock(), scope=scope)
        self._notify()
        log.info("replayed webhook event %s (%s): %s", event_id, row.event_type, reason[:200])
        refreshed = await repo.get_event(self._engine, numeric, scope=scope)
        return (refreshed[0] if refreshed else row), record.message_id

    async def replay_many(
        self,
        flt: repo.EventFilter,
        *,
        scope: TenantScope,
        limit: int,
        dry_run: bool,
        reason: str = "",
    ) -> tuple[int, int]:
        """Replay every matching event of `scope` (oldest first); returns (matched, replayed)."""
        if flt.received_after is None or flt.received_before is None:
            raise InvalidArgument("received_after and received_before are required")
        if flt.received_after >= flt.received_before:
            raise InvalidArgument("received_after must be before received_before")
        limit = limit or DEFAULT_REPLAY_LIMIT
        if limit < 0:
            raise InvalidArgument("limit must not be negative")
        if not flt.states:
            flt = repo.EventFilter(
                event_types=flt.event_types,
                meeting_id=flt.meeting_id,
                meeting_uuid=flt.meeting_uuid,
                states=frozenset({"published", "translation_failed"}),
                received_after=flt.received_after,
                received_before=flt.received_before,
            )
        matched = await repo.count_matching(self._engine, flt, scope=scope)
        if matched > limit:
            raise InvalidArgument(
                f"{matched} events match, more than the limit of {limit}; narrow the window"
            )
        if dry_run:
            return matched, 0
        replayed = 0
        after_id = 0
        while replayed < limit:
            rows = await repo.bodies_for_replay(
                self._engine,
                flt,
                scope=scope,
                after_id=after_id,
                limit=min(_REPLAY_CHUNK, limit - replayed),
            )
            if not rows:
                break
            records = []
            for row in rows:
                try:
                    record = self._replay_record(row.id, row.message_id, row.body, row.tenant_id)
                    records.append((row.id, record))
                except FailedPrecondition:
                    continue
            await repo.requeue(self._engine, records, self._clock(), scope=scope)
            self._notify()
            replayed += len(records)
            after_id = rows[-1].id
        log.info("replayed %d webhook events: %s", replayed, reason[:200])
        return matched, replayed

    async def prune(self, *, before: datetime, scope: TenantScope, dry_run: bool = False) -> int:
        """Delete events of `scope` received before `before` (never ones still waiting to be
        published)."""
        if dry_run:
            return await repo.count_prunable(self._engine, before, scope=scope)
        total = 0
        while True:
            deleted = await repo.prune_before(
                self._engine, before, scope=scope, batch_size=self._prune_batch_size
            )
            total += deleted
            if deleted < self._prune_batch_size:
                return total

    async def prune_expired(self, retention: timedelta) -> int:
        """The retention job: prune everything older than `retention`, in every tenant."""
        deleted = await self.prune(before=self._clock() - retention, scope=TenantScope(None))
        if deleted:
            log.info("pruned %d webhook events older than %s", deleted, retention)
        return deleted
