"""The tables webhook-ingest owns: every webhook received, plus the shared outbox and inbox.

`webhook_events` is the audit trail and the dedup index: one row per distinct Zoom event (the
unique `dedup_key`), holding the raw body exactly as signed, a few non-secret delivery facts, the
`message_id` its publication carries, and the tenant owning the Zoom account that sent it (rows
stored before tenancy belong to the default tenant; every admin query filters by it). A row is
appended "pending" before Zoom gets its 200 and translated by the processor afterwards (which
fills the meeting, times, routing key and kind, and writes its outbox row). Its processing
state is otherwise not duplicated here: it is the state of the outbox row with the same
`message_id` (pending until the broker confirmed it).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

from classbridge_common.auth import DEFAULT_TENANT
from classbridge_common.db.types import UTCDateTime
from classbridge_common.outbox import inbox_table, outbox_table

metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("dedup_key", String(64), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False, server_default=DEFAULT_TENANT),
    Column("event_type", String(200), nullable=False),
    Column("event_ts_ms", BigInteger(), nullable=False),
    Column("meeting_id", String(32), nullable=False),
    Column("meeting_uuid", String(128), nullable=False),
    Column("account_id", String(64), nullable=False),
    # "pending" (stored, not translated yet) | "typed" | "raw" (unknown event type) | "failed"
    # (known type, payload not translatable)
    Column("kind", String(16), nullable=False),
    Column("error", String(500), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("tracking_id", String(128), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("body", LargeBinary(), nullable=False),
    # Only headers safe to show: content-type, user-agent, x-zm-request-timestamp, x-zm-trackingid.
    Column("headers", JSON(), nullable=False),
    Column("duplicate_count", Integer(), nullable=False, server_default="0"),
    Column("replay_count", Integer(), nullable=False, server_default="0"),
    Column("last_replayed_at", UTCDateTime(), nullable=True),
    # The request's W3C trace headers, for the publication made once the row is translated.
    Column("trace_context", JSON(), nullable=True),
)
Index("ix_webhook_events_received_at", webhook_events.c.received_at)
Index(
    "ix_webhook_events_tenant_received",
    webhook_events.c.tenant_id,
    webhook_events.c.received_at,
)
Index("ix_webhook_events_type_id", webhook_events.c.event_type, webhook_events.c.id)
Index("ix_webhook_events_meeting_uuid", webhook_events.c.meeting_uuid)
Index("ix_webhook_events_meeting_id", webhook_events.c.meeting_id)
# The processor's queue: rows stored but not translated yet, in id order.
Index(
    "ix_webhook_events_pending",
    webhook_events.c.id,
    postgresql_where=webhook_events.c.kind == "pending",
    sqlite_where=webhook_events.c.kind == "pending",
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
