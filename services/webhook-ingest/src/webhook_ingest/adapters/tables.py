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
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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

# --- outgoing webhooks (docs/outgoing-webhooks.md) -----------------------------------------------
# A tenant's endpoints. The signing secret is stored sealed (`SecretBox`, Fernet) and never
# leaves the service but in the answer that created or rotated it. During a rotation the old
# secret stays in `previous_secret_enc` until `previous_secret_expires_at`: both sign.
# `state`: "enabled" | "disabled_by_user" | "disabled_failing". `failing_since`: the first
# failed attempt since the last success (the disable rule reads it).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("description", String(500), nullable=False, server_default=""),
    Column("event_types", JSON(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("disabled_reason", String(500), nullable=False, server_default=""),
    Column("disabled_at", UTCDateTime(), nullable=True),
    Column("failing_since", UTCDateTime(), nullable=True),
    Column("secret_enc", String(500), nullable=False),
    Column("previous_secret_enc", String(500), nullable=True),
    Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "url", name="uq_webhook_endpoints_tenant_url"),
)

# One event for one endpoint. `seq` orders an endpoint's deliveries (they are sent in that
# order: the worker only attempts an endpoint's oldest pending one); `id` is the `webhook-id`
# header, the same on every attempt and replay. `payload` is the JSON body, fixed at creation.
# `status`: "pending" | "succeeded" | "failed". `leased_until`: a worker is sending it (another
# skips it until then; a crashed worker's lease simply runs out).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("endpoint_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("source_message_id", String(64), nullable=False),
    Column("payload", Text(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("leased_until", UTCDateTime(), nullable=True),
    Column("last_attempt_at", UTCDateTime(), nullable=True),
    Column("last_status_code", Integer(), nullable=False, server_default="0"),
    Column("last_error", String(500), nullable=False, server_default=""),
    Column("delivered_at", UTCDateTime(), nullable=True),
    Column("replay_count", Integer(), nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
)
Index(
    "ix_webhook_deliveries_endpoint_seq", webhook_deliveries.c.endpoint_id, webhook_deliveries.c.seq
)
Index("ix_webhook_deliveries_tenant_seq", webhook_deliveries.c.tenant_id, webhook_deliveries.c.seq)
# The worker's queue: pending deliveries only.
Index(
    "ix_webhook_deliveries_pending",
    webhook_deliveries.c.endpoint_id,
    webhook_deliveries.c.seq,
    postgresql_where=webhook_deliveries.c.status == "pending",
    sqlite_where=webhook_deliveries.c.status == "pending",
)

# Every attempt: what was answered (status, a capped snippet of the body) or why nothing was.
webhook_delivery_attempts = Table(
    "webhook_delivery_attempts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("delivery_seq", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("attempted_at", UTCDateTime(), nullable=False),
    Column("status_code", Integer(), nullable=False),
    Column("duration_ms", Integer(), nullable=False),
    Column("response_snippet", Text(), nullable=False),
    Column("error", String(500), nullable=False),
    Column("success", Boolean(), nullable=False),
)
Index(
    "ix_webhook_delivery_attempts_delivery",
    webhook_delivery_attempts.c.delivery_seq,
    webhook_delivery_attempts.c.id,
)
