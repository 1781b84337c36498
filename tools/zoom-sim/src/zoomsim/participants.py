"""A participant as Zoom's events name them: one place for the `participant` object of every
participant event, so the identity fields (`registrant_id`, `customer_key`, `phone_number`,
`participant_user_id`) are the same in the joined, left, waiting-room, breakout-room, role and
sharing events. Shapes follow Zoom's SDK event types (zoom/rivet-javascript); the key order is
the one the simulator always sent.
"""

from __future__ import annotations

from typing import Any

from zoomsim.state import Participant, iso

PUBLIC_IP = "203.0.113.10"
PRIVATE_IP = "10.0.0.12"


def _identity(p: Participant) -> dict[str, Any]:
    return {
        "email": p.email,
        "registrant_id": p.registrant_id,
        "participant_user_id": p.zoom_user_id,
        "customer_key": p.customer_key,
        "phone_number": p.phone_number,
    }


def joined(p: Participant) -> dict[str, Any]:
    """`meeting.participant_joined`."""
    return {
        "user_id": p.user_id,
        "user_name": p.name,
        "id": p.zoom_user_id,
        "participant_uuid": p.participant_uuid,
        "join_time": iso(p.join_time),
        **_identity(p),
        "public_ip": PUBLIC_IP,
    }


def left(p: Participant) -> dict[str, Any]:
    """`meeting.participant_left`."""
    return {
        "user_id": p.user_id,
        "user_name": p.name,
        "id": p.zoom_user_id,
        "participant_uuid": p.participant_uuid,
        "leave_time": iso(p.leave_time or 0),
        "leave_reason": p.leave_reason or "left the meeting",
        **_identity(p),
        "public_ip": PUBLIC_IP,
        "private_ip": PRIVATE_IP,
    }


def at_moment(p: Participant, at: float) -> dict[str, Any]:
    """The waiting-room events: the moment is `date_time`."""
    return {
        "user_id": p.user_id,
        "user_name": p.name,
        "id": p.zoom_user_id,
        "participant_uuid": p.participant_uuid,
        "date_time": iso(at),
        **_identity(p),
    }


def in_room(p: Participant, *, joining: bool) -> dict[str, Any]:
    """`meeting.participant_joined_breakout_room` / `_left_breakout_room`: as the main meeting's
    events, plus `parent_user_id` (their `user_id` in the main meeting)."""
    out: dict[str, Any] = {
        "user_id": p.user_id,
        "parent_user_id": p.parent_user_id,
        "user_name": p.name,
        "id": p.zoom_user_id,
        "participant_uuid": p.participant_uuid,
    }
    if joining:
        out["join_time"] = iso(p.join_time)
    else:
        out["leave_time"] = iso(p.leave_time or 0)
        out["leave_reason"] = p.leave_reason or "left the meeting"
    out.update(_identity(p))
    return out


def role_changed(p: Participant, old: str, new: str, at: float) -> dict[str, Any]:
    """`meeting.participant_role_changed`: no `id`, no join time; the roles and `date_time`."""
    return {
        "user_id": p.user_id,
        "user_name": p.name,
        "email": p.email,
        "registrant_id": p.registrant_id,
        "participant_user_id": p.zoom_user_id,
        "participant_uuid": p.participant_uuid,
        "date_time": iso(at),
        "old_role": old,
        "new_role": new,
    }


def sharing(p: Participant, details: dict[str, Any], at: float) -> dict[str, Any]:
    """`meeting.sharing_started` / `_ended` (and the breakout-room forms): only `user_id`,
    `user_name` and `id` name the sharer; `sharing_details.date_time` is the moment."""
    out: dict[str, Any] = {"user_id": p.user_id}
    if p.room:
        out["parent_user_id"] = p.parent_user_id
    out.update(
        {
            "user_name": p.name,
            "id": p.zoom_user_id,
            "sharing_details": {
                "content": details.get("content", "desktop"),
                "link_source": details.get("link_source", ""),
                "file_link": details.get("file_link", ""),
                "date_time": iso(at),
                "source": details.get("source", ""),
            },
        }
    )
    return out
