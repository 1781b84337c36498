"""Storing one genuine webhook (dedup key, raw row, group commit) and translating it later.

The endpoint calls `Ingestor.ingest` only for a request whose signature verified. Before Zoom is
answered only what must happen does: the dedup key, and the raw event appended as a "pending"
row through the group committer; the call returns once it is durably committed (True) or found
to be a duplicate of an already committed event (False). Anything else — the database failing,
the committer overloaded, or the event's batch not committed by its deadline (Zoom's 3-second
budget; the committer fails a whole batch at once, there is no timer per request) — raises
`StoreUnavailable`, which the endpoint turns into 503 so that Zoom retries.

Normalising Zoom's JSON into a typed event and its outbox envelope (`build_record`) happens
behind the commit, in the processor (`service_layer/processor.py`), in the order the rows were
stored; a replay uses the same translation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from opentelemetry import propagate

from classbridge_common.messages import new_message_id
from webhook_ingest.adapters.repository import EventRecord, Publication
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.fields import text
from webhook_ingest.domain.normalise import UNKNOWN_EVENT_TYPE, Normalised, as_raw, normalise
from webhook_ingest.domain.tenancy import account_of
from webhook_ingest.service_layer.group_commit import (
    CommitterStopped,
    DeadlineExceeded,
    GroupCommitter,
    Overloaded,
)

log = logging.getLogger(__name__)

# Headers worth keeping for the audit trail. Never x-zm-signature, authorization or clientid.
SAFE_HEADERS = ("content-type", "user-agent", "x-zm-request-timestamp", "x-zm-trackingid")

Encoder = Callable[[Normalised], Message]


class StoreUnavailable(Exception):
    """The event could not be committed now; the caller answers 503 so Zoom retries."""


def accept_record(
    document: Mapping[str, Any],
    body: bytes,
    headers: Mapping[str, str],
    *,
    received_at: datetime,
    tenant_id: str,
) -> EventRecord:
    """The raw `webhook_events` row the endpoint appends for one genuine webhook of `tenant_id`:
    the dedup key and what needs no translation; the request's trace context goes with it."""
    if not tenant_id:
        raise ValueError("a webhook event needs its tenant")
    key = dedup_key(document, body, tenant_id=tenant_id)
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the request's trace continues in the consumers
    return EventRecord(
        key=key,
        row={
            "dedup_key": key,
            "tenant_id": tenant_id,
            "event_type": text(document.get("event"))[:200],
            "account_id": account_of(document)[:64],
            "message_id": new_message_id(),
            "tracking_id": headers.get("x-zm-trackingid", "")[:128],
            "received_at": received_at,
            "body": body,
            "headers": {h: headers[h][:500] for h in SAFE_HEADERS if h in headers},
            "trace_context": carrier or None,
        },
    )


def build_record(
    document: Mapping[str, Any],
    body: bytes,
    headers: Mapping[str, str],
    *,
    encode: Encoder,
    received_at: datetime,
    tenant_id: str,
    message_id: str | None = None,
    key: str | None = None,
    trace_context: Mapping[str, str] | None = None,
) -> Publication:
    """The translated columns and outbox envelope of one genuine webhook of `tenant_id`.

    Translation never fails: a payload the typed translation cannot handle (or whose encoding
    fails) is published as a raw event and its row marked "failed". The tenant is required (no
    default): an event stored or published without one would land in whichever tenant a
    consumer assumed. `key` is the stored dedup key (computed when not given);
    `trace_context` the stored request's trace headers (the current context when not given).
    """
    if not tenant_id:
        raise ValueError("a webhook event needs its tenant")
    normalised = normalise(document, tenant_id=tenant_id)
    kind = "typed"
    error = ""
    if normalised.is_raw:
        assert isinstance(normalised.event, ev.RawEvent)
        reason = normalised.event.reason
        kind = "raw" if reason == UNKNOWN_EVENT_TYPE else "failed"
        error = "" if kind == "raw" else reason
    try:
        message = encode(normalised)
    except Exception as failure:  # a translation bug must not lose the event
        log.exception("translating %s failed; publishing it raw", normalised.routing_key)
        normalised = as_raw(
            document, f"encoding failed: {type(failure).__name__}", tenant_id=tenant_id
        )
        assert isinstance(normalised.event, ev.RawEvent)
        kind, error = "failed", normalised.event.reason
        message = encode(normalised)

    meeting_id, meeting_uuid = _meeting_of(normalised.event)
    delivery = normalised.event.delivery
    key = key or dedup_key(document, body, tenant_id=tenant_id)
    context = message.context  # type: ignore[attr-defined]
    context.dedup_key = key
    context.tenant_id = tenant_id  # also when a custom encoder left it out
    message_id = message_id or new_message_id()
    carrier: dict[str, str] = {"x-zoom-event": delivery.zoom_event[:200]}
    if trace_context is None:
        propagate.inject(carrier)  # the current trace continues in the consumers
    else:
        carrier.update({k: v for k, v in trace_context.items() if isinstance(v, str)})
    row = {
        "dedup_key": key,
        "tenant_id": tenant_id,
        "event_type": delivery.zoom_event[:200],
        "event_ts_ms": delivery.event_ts_ms,
        "meeting_id": meeting_id[:32],
        "meeting_uuid": meeting_uuid[:128],
        "account_id": delivery.account_id[:64],
        "kind": kind,
        "error": error[:500],
        "routing_key": normalised.routing_key,
        "message_id": message_id,
        "tracking_id": headers.get("x-zm-trackingid", "")[:128],
        "received_at": received_at,
        "body": body,
        "headers": {h: headers[h][:500] for h in SAFE_HEADERS if h in headers},
    }
    return Publication(
        key=key,
        row=row,
        message=message,
        routing_key=normalised.routing_key,
        message_id=message_id,
        timestamp=received_at,
        headers=carrier,
    )


def _meeting_of(event: ev.ZoomEvent) -> tuple[str, str]:
    meeting = getattr(event, "meeting", None)
    recording = getattr(event, "recording", None)
    if recording is not None:
        meeting = recording.meeting
    if isinstance(meeting, ev.Meeting):
        return meeting.meeting_id, meeting.meeting_uuid
    return text(getattr(event, "meeting_id", "")), text(getattr(event, "meeting_uuid", ""))


class Ingestor:
    """Appends genuine webhooks through the group committer (which owns the deadline)."""

    def __init__(
        self,
        *,
        committer: GroupCommitter[EventRecord],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._committer = committer
        self._clock = clock

    async def ingest(
        self,
        document: Mapping[str, Any],
        body: bytes,
        headers: Mapping[str, str],
        *,
        tenant_id: str,
    ) -> bool:
        """Commit the event of `tenant_id`; True if it is new, False if it was already stored."""
        record = accept_record(
            document, body, headers, received_at=self._clock(), tenant_id=tenant_id
        )
        try:
            return await self._committer.submit(record)
        except (Overloaded, CommitterStopped, DeadlineExceeded) as error:
            # A missed deadline fails only the wait: the batch may still commit, and Zoom's
            # retry of the event will then be answered as a duplicate.
            raise StoreUnavailable(str(error)) from error
        except Exception as error:  # the database failed; the batch was rolled back
            raise StoreUnavailable(f"storing failed: {type(error).__name__}") from error


__all__ = [
    "SAFE_HEADERS",
    "Encoder",
    "Ingestor",
    "StoreUnavailable",
    "accept_record",
    "build_record",
]
