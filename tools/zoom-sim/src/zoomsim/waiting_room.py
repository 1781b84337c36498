"""The waiting room of a meeting that has one (`settings.waiting_room`), with the
`waiting_room_events` fidelity switch: a participant first enters the waiting room
(`meeting.participant_joined_waiting_room`), then is admitted (`meeting.participant_admitted`,
then `meeting.participant_left_waiting_room` as they leave it, then the usual
`meeting.participant_joined`), or leaves from there (`meeting.participant_left_waiting_room`
only). Without the switch participants go straight in, as before.

The reference names these events without their payloads; they follow the participant events'
shape (`object.id` a string, the participant under `object.participant`) with `date_time` for the
moment, and whether Zoom also sends `left_waiting_room` on admission is not confirmed: sending it
is the case a client must absorb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoomsim import participants
from zoomsim.state import Instance, Meeting, Participant

if TYPE_CHECKING:
    from zoomsim.app import Simulator


class WaitingRoom:
    """Holds participants of meetings with a waiting room until they are admitted."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def applies(self, m: Meeting) -> bool:
        return self.sim.config.fidelity.waiting_room_events and bool(m.settings.get("waiting_room"))

    def enter(self, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        inst.waiting.append(p)
        self._emit("meeting.participant_joined_waiting_room", m, inst, p, at)

    def waiting(self, inst: Instance, user_id: str) -> Participant | None:
        return next((p for p in inst.waiting if p.user_id == user_id), None)

    def admit(self, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        """Out of the waiting room; the caller then joins `p` to the meeting."""
        inst.waiting.remove(p)
        self._emit("meeting.participant_admitted", m, inst, p, at)
        self._emit("meeting.participant_left_waiting_room", m, inst, p, at)

    def leave(self, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        inst.waiting.remove(p)
        self._emit("meeting.participant_left_waiting_room", m, inst, p, at)

    def close(self, m: Meeting, inst: Instance, at: float) -> None:
        """The meeting ends: whoever still waits leaves the waiting room."""
        for p in list(inst.waiting):
            self.leave(m, inst, p, at)

    def _emit(self, event: str, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        participant = participants.at_moment(p, at)
        self.sim.lifecycle.emit_meeting(event, m, inst, participant=participant)
