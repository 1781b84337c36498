"""Storing one genuine webhook: dedup key, typed event, outbox envelope, group commit.

The endpoint calls `Ingestor.ingest` only for a request whose signature verified. The event's
row and its outbox row are handed to the group committer and the call returns once they are
durably committed (True) or found to be a duplicate of an already committed event (False).
Anything else — the database failing, the committer overloaded or too slow for Zoom's 3-second
budget — raises `StoreUnavailable`, which the endpoint turns into 503 so that Zoom retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from opentelemetry import propagate

from classbridge_common.messages import new_message_id
from webhook_ingest.adapters.repository import EventRecord
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.dedup import dedup_key
from webhook_ingest.domain.fields import text
from webhook_ingest.domain.normalise import UNKNOWN_EVENT_TYPE, Normalised, as_raw, normalise
from webhook_ingest.service_layer.group_commit import CommitterStopped, GroupCommitter, Overloaded

log = logging.getLogger(__name__)

# Headers worth keeping for the audit trail. Never x-zm-signature, authorization or clientid.
SAFE_HEADERS = ("content-type", "user-agent", "x-zm-request-timestamp", "x-zm-trackingid")

Encoder = Callable[[Normalised], Message]


class StoreUnavailable(Exception):
    """The event could not be committed now; the caller answers 503 so Zoom retries."""


def build_record(
    document: Mapping[str, Any],
    body: bytes,
    headers: Mapping[str, str],
    *,
    encode: Encoder,
    received_at: datetime,
    tenant_id: str,
    message_id: str | None = None,
) -> EventRecord:
    """The `webhook_events` row and outbox envelope for one genuine webhook of `tenant_id`.

    Translation never fails the request: a payload the typed translation cannot handle (or
    whose encoding fails) is published as a raw event and its row marked "failed". The tenant is
    required (no default): an event stored or published without one would land in whichever
    tenant a consumer assumed.
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
    key = dedup_key(document, body, tenant_id=tenant_id)
    context = message.context  # type: ignore[attr-defined]
    context.dedup_key = key
    context.tenant_id = tenant_id  # also when a custom encoder left it out
    message_id = message_id or new_message_id()
    carrier: dict[str, str] = {"x-zoom-event": delivery.zoom_event[:200]}
    propagate.inject(carrier)  # the request's trace continues in the consumers
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
    return EventRecord(
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
    """Stores genuine webhooks through the group committer, within a time budget."""

    def __init__(
        self,
        *,
        committer: GroupCommitter[EventRecord],
        encode: Encoder,
        timeout: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._committer = committer
        self._encode = encode
        self._timeout = timeout
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
        record = build_record(
            document,
            body,
            headers,
            encode=self._encode,
            received_at=self._clock(),
            tenant_id=tenant_id,
        )
        try:
            future = self._committer.submit(record)
        except (Overloaded, CommitterStopped) as error:
            raise StoreUnavailable(str(error)) from error
        try:
            # Timing out cancels only this wait: the batch holding the event still commits,
            # and Zoom's retry of it will then be answered as a duplicate.
            async with asyncio.timeout(self._timeout):
                return await future
        except TimeoutError as error:
            raise StoreUnavailable("the event was not committed in time") from error
        except CommitterStopped as error:
            raise StoreUnavailable(str(error)) from error
        except Exception as error:  # the database failed; the batch was rolled back
            raise StoreUnavailable(f"storing failed: {type(error).__name__}") from error


__all__ = ["SAFE_HEADERS", "Encoder", "Ingestor", "StoreUnavailable", "build_record"]
