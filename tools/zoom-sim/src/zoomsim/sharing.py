"""Screen and content sharing in a live meeting: `meeting.sharing_started` / `_ended`, or
`meeting.breakout_room_sharing_started` / `_ended` inside a breakout room (with
`breakout_room_uuid`), each naming the sharer by `user_id`, `user_name` and `id` only, with
`sharing_details` {content, link_source, file_link, date_time, source} (Zoom's SDK types).

One share at a time in a room or the main meeting, Zoom's default: a new share ends the one in
progress there. A share ends, with its event, when the sharer leaves, moves room or the meeting
ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoomsim import participants
from zoomsim.state import Instance, Meeting, Participant

if TYPE_CHECKING:
    from zoomsim.app import Simulator

CONTENTS = ("application", "desktop", "whiteboard", "airplay", "camera", "unknown")


class Sharing:
    """Who shares what, and the events when it starts and ends."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def start(
        self, m: Meeting, user_id: str, at: float | None = None, **details: Any
    ) -> Participant:
        """`details`: `content` (desktop by default; Zoom's words, others are kept as given),
        `source`, `link_source`, `file_link`."""
        inst = m.live
        if inst is None:
            raise LookupError("meeting is not live")
        p = self.sim.lifecycle.present(inst, user_id)
        when = at if at is not None else self.state.clock.now()
        for other in inst.participants:
            if other is not p and other.room == p.room and other.leave_time is None:
                self.stop(m, inst, other, when)
        self.stop(m, inst, p, when)
        p.sharing = {
            "content": str(details.get("content") or "desktop"),
            "source": str(details.get("source") or ""),
            "link_source": str(details.get("link_source") or ""),
            "file_link": str(details.get("file_link") or ""),
            "since": when,
        }
        self._emit("started", m, inst, p, when)
        return p

    def end(self, m: Meeting, user_id: str, at: float | None = None) -> Participant:
        inst = m.live
        if inst is None:
            raise LookupError("meeting is not live")
        p = self.sim.lifecycle.present(inst, user_id)
        if p.sharing is None:
            raise LookupError(f"participant {user_id} is not sharing")
        self.stop(m, inst, p, at if at is not None else self.state.clock.now())
        return p

    def stop(self, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        """End `p`'s share, if any, with its event."""
        if p.sharing is None:
            return
        self._emit("ended", m, inst, p, at)
        p.sharing = None

    def _emit(self, what: str, m: Meeting, inst: Instance, p: Participant, at: float) -> None:
        assert p.sharing is not None
        person = participants.sharing(p, p.sharing, at)
        if p.room:
            self.sim.lifecycle.emit_meeting(
                f"meeting.breakout_room_sharing_{what}",
                m,
                inst,
                breakout_room_uuid=p.room,
                participant=person,
            )
        else:
            self.sim.lifecycle.emit_meeting(f"meeting.sharing_{what}", m, inst, participant=person)
