"""The deduplication key of a Zoom webhook (docs/zoom-api.md §4.4).

Zoom sends no event id, retries a failed delivery with the same body, and may deliver one event
more than once. The key is built from what identifies the fact, not the delivery: event type,
`event_ts`, the meeting instance (`object.uuid`), and — for participant events — the
participant (`participant_uuid`, else `user_id`, plus join/leave time so a rejoin is a new fact),
for recording events the recording file ids, and for `app_deauthorized` (which has no object)
the user, the app and the deauthorization time. Participant events without a join or leave
time add what times them instead: a role change its `date_time` and the roles, a share its
`sharing_details` time and content, a breakout-room move the room (the same person in two
rooms at one instant is two facts). When a component that should identify the
fact is missing (no `event_ts`, no uuid), a digest of the raw body is added so that two
different malformed events never collapse into one, while a verbatim retry still does.

The key is unique across the whole deployment, so it includes the tenant (except the default
tenant's, which keeps the keys it had before tenancy): otherwise one tenant could send a signed
event with another tenant's meeting uuid and timestamps first, and the genuine event would then
be dropped as its "duplicate".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from classbridge_common.auth import DEFAULT_TENANT
from webhook_ingest.domain.fields import epoch_ms, items, mapping, text

_SEPARATOR = "\x1f"
_ROLE_EVENTS = frozenset({"meeting.participant_role_changed"})
_SHARING_EVENTS = frozenset({"meeting.sharing_started", "meeting.sharing_ended"})
_BREAKOUT_EVENTS = frozenset(
    {"meeting.participant_joined_breakout_room", "meeting.participant_left_breakout_room"}
)


def dedup_key(document: Mapping[str, Any], body: bytes, *, tenant_id: str = DEFAULT_TENANT) -> str:
    """A 64-hex-character key equal for every delivery of the same Zoom event to one tenant."""
    event = text(document.get("event"))
    event_ts = epoch_ms(document.get("event_ts"))
    payload = mapping(document.get("payload"))
    obj = mapping(payload.get("object"))
    uuid = text(obj.get("uuid")) or text(obj.get("meeting_uuid"))
    parts = [event, str(event_ts), uuid]

    participant = mapping(obj.get("participant"))
    if participant:
        parts.append(text(participant.get("participant_uuid")) or text(participant.get("user_id")))
        parts.append(text(participant.get("join_time")) + "/" + text(participant.get("leave_time")))
    # only for the events that need them, so that no other event's key changes
    if event in _ROLE_EVENTS:
        parts += [text(participant.get(k)) for k in ("date_time", "old_role", "new_role")]
    if event in _SHARING_EVENTS:
        sharing = mapping(participant.get("sharing_details")) or mapping(obj.get("sharing_details"))
        parts += [text(sharing.get("date_time")), text(sharing.get("content"))]
    if event in _BREAKOUT_EVENTS:
        parts.append(text(obj.get("breakout_room_uuid")))
    files = items(obj.get("recording_files")) + items(obj.get("participant_audio_files"))
    if files:
        parts.append(",".join(sorted(text(f.get("id")) for f in files)))
    if event.startswith("meeting.updated"):
        parts.append(str(epoch_ms(payload.get("time_stamp"))))
    # app_deauthorized has no object: the fact is who removed which app, and when
    deauthorized = text(payload.get("user_id")) if event == "app_deauthorized" else ""
    if deauthorized:
        parts += [deauthorized, text(payload.get("client_id"))]
        parts.append(str(epoch_ms(payload.get("deauthorization_time"))))

    if event_ts == 0 or not (uuid or text(obj.get("id")) or deauthorized):
        parts.append(hashlib.sha256(body).hexdigest())
    if tenant_id and tenant_id != DEFAULT_TENANT:
        parts.append("tenant=" + tenant_id)
    return hashlib.sha256(_SEPARATOR.join(parts).encode("utf-8")).hexdigest()
