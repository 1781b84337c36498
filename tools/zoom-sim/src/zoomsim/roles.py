"""Participant roles in a live meeting and `meeting.participant_role_changed`: `old_role` and
`new_role` among `host`, `co-host` and `attendee`, with `date_time` (Zoom's SDK types; the
participant has no `id` or join time in this event).

The host's own Zoom user joins as `host`, everyone else as `attendee`. Making someone `host`
hands the role over: the host until then becomes an `attendee`, each change its own event, the
old host's first. A role stays with the person across breakout-room moves.

Raised hands: Zoom sends no webhook for them (no raise-hand event among its meeting events),
so the simulator has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoomsim import participants
from zoomsim.state import Instance, Meeting, Participant

if TYPE_CHECKING:
    from zoomsim.app import Simulator

ROLES = ("host", "co-host", "attendee")
ALIASES = {
    "cohost": "co-host",
    "co_host": "co-host",
    "alternative_host": "co-host",
    "participant": "attendee",
    "panelist": "attendee",
}


def role_of(text: str) -> str:
    """Zoom's spelling of a role; a ValueError (the control API's 400) for anything else."""
    key = text.strip().lower()
    role = ALIASES.get(key, key)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {text!r}")
    return role


class Roles:
    """Changes roles and sends the events."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def change(self, m: Meeting, user_id: str, role: str, at: float | None = None) -> Participant:
        new = role_of(role)
        inst = m.live
        if inst is None:
            raise LookupError("meeting is not live")
        p = self.sim.lifecycle.present(inst, user_id)
        when = at if at is not None else self.state.clock.now()
        if new == "host":
            for other in inst.participants:
                if other is not p and other.role == "host" and other.leave_time is None:
                    self._set(m, inst, other, "attendee", when)
        self._set(m, inst, p, new, when)
        return p

    def _set(self, m: Meeting, inst: Instance, p: Participant, role: str, at: float) -> None:
        if p.role == role:
            return
        old, p.role = p.role, role
        self.sim.lifecycle.emit_meeting(
            "meeting.participant_role_changed",
            m,
            inst,
            participant=participants.role_changed(p, old, role, at),
        )
