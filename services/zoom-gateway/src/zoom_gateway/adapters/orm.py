"""The gateway's tables (schema ``zoom_gateway`` on PostgreSQL, ``var/zoom-gateway.db`` on SQLite).

Every secret column holds Fernet ciphertext (``*_enc``); nothing here is readable without
``ZOOM_TOKEN_ENCRYPTION_KEYS``. Only the repositories (:mod:`zoom_gateway.adapters.repositories`)
use these tables, inside a :class:`~zoom_gateway.adapters.uow.GatewayUnitOfWork`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table, Text

from classbridge_common.db import UTCDateTime
from classbridge_common.outbox import inbox_table, outbox_table

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Per-tenant, per-category token buckets shared by every replica.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),  # unix seconds (float for sub-second refill)
    Column("blocked_until", Float, nullable=True),  # a daily 429 parks the category until then
)

# Zoom's per-host "100 meeting creates+updates per UTC day", counted before calling Zoom.
host_daily_usage = Table(
    "host_daily_usage",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("host_key", String(255), primary_key=True),
    Column("day", String(10), primary_key=True),  # yyyy-mm-dd UTC
    Column("count", Integer, nullable=False),
)

# Which host a meeting belongs to, so an update is charged to the right ledger.
meeting_hosts = Table(
    "meeting_hosts",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("meeting_id", BigInteger, primary_key=True),
    Column("host_key", String(255), nullable=False),
)

# Idempotency keys of CreateMeeting.
meeting_creations = Table(
    "meeting_creations",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("host", String(255), nullable=False),
    Column("marker", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # in_progress | done
    Column("owner", String(64), nullable=False),
    Column("lease_until", UTCDateTime, nullable=False),
    Column("meeting_id", BigInteger, nullable=True),
    Column("result_enc", Text, nullable=True),  # the meeting JSON (holds the passcode): encrypted
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# OAuth `state`s of the per-user authorization flow (single use, 10 minutes).
oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_id", String(64), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("code_verifier_enc", Text, nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# Per-user OAuth connections. The refresh token is never overwritten before its successor is
# stored: see adapters/user_tokens.py for the write-ahead protocol.
user_connections = Table(
    "user_connections",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("tenant", String(64), nullable=False),
    Column("zoom_user_id", String(64), nullable=False, server_default=""),
    Column("zoom_email", String(320), nullable=False, server_default=""),
    Column("scopes", Text, nullable=False, server_default=""),
    Column("access_token_enc", Text, nullable=False),
    Column("access_expires_at", UTCDateTime, nullable=False),
    Column("refresh_token_enc", Text, nullable=False),
    Column("previous_refresh_token_enc", Text, nullable=True),
    Column("refresh_started_at", UTCDateTime, nullable=True),  # write-ahead marker
    Column("refresh_owner", String(64), nullable=True),
    Column("status", String(24), nullable=False),  # active | reauthorization_required
    # Scopes Zoom said the tokens lack (its 4711 answer), space-separated; "" with
    # reauthorization_required means the tokens themselves are dead.
    Column("missing_scopes", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False),
    Column("zoom_account_id", String(64), nullable=False, server_default=""),
    Column("last_refresh_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Tenants managed through the API, layered over the seeds (ZOOM_* variables, ZOOM_TENANTS_FILE).
# A NULL column means "not set here: the seed's value holds"; an empty string clears it.
tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("request_id", String(200), nullable=True),  # CreateTenant's idempotency key
    Column("account_id", String(64), nullable=True),
    Column("client_id", String(128), nullable=True),
    Column("client_secret_enc", Text, nullable=True),
    Column("webhook_secret_enc", Text, nullable=True),
    Column("previous_webhook_secret_enc", Text, nullable=True),
    Column("previous_webhook_valid_until", UTCDateTime, nullable=True),
    Column("oauth_client_id", String(128), nullable=True),
    Column("oauth_client_secret_enc", Text, nullable=True),
    Column("oauth_redirect_uri", Text, nullable=True),
    Column("version", Integer, nullable=False),  # +1 on every change: replicas reload on it
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The ``message_id``s the gateway's bus consumer has applied (app_deauthorized), so a redelivered
# event does nothing twice.
inbox = inbox_table(metadata)
# What the gateway announces (a connection to authorize again), written with the change.
outbox = outbox_table(metadata)
