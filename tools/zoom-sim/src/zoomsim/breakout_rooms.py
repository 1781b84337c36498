"""Breakout rooms of a live meeting, as Zoom's webhooks and participants report show them.

A move into a room ends the person's main-meeting row and starts a room row: a new `user_id`,
the same `participant_uuid`, `bo_mtg_id` in the report (a captured report: every room stay is
its own row with `bo_mtg_id`, main rows have none). Back in the main meeting, another new row.
So time spent only in a room is still a row of the report, and of `/past_meetings/…`.

Events: `meeting.participant_joined_breakout_room` / `_left_breakout_room`, whose `object` is
the parent meeting plus `breakout_room_uuid` and whose participant carries `parent_user_id`
(their main-meeting `user_id`), per Zoom's SDK types. With the `breakout_room_main_events`
fidelity switch Zoom's main-meeting events come around them too [seen]: `participant_left`
when someone goes into a room, `participant_joined` (a new `user_id`) when they come back.
Switched off, the main meeting's stay runs unbroken in the webhooks (one joined, one left,
whatever the rooms) while the report still splits it. The `leave_reason` wordings of the moves
are unconfirmed; a room's uuid is also its `bo_mtg_id` (unconfirmed: the two are not seen side
by side in one capture).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from zoomsim import participants
from zoomsim.state import Instance, Meeting, Participant

if TYPE_CHECKING:
    from zoomsim.app import Simulator

TO_ROOM = "left the meeting. Reason : join breakout room"
FROM_ROOM = "left the meeting. Reason : left the breakout room"


class BreakoutRooms:
    """Moves participants between the main meeting and its breakout rooms."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    @property
    def _main_events(self) -> bool:
        return bool(self.sim.config.fidelity.breakout_room_main_events)

    def room_uuid(self, inst: Instance, name: str) -> str:
        """The uuid of the room called `name`, made when first used."""
        if name not in inst.rooms:
            inst.rooms[name] = self.state.new_uuid()
        return inst.rooms[name]

    def room_name(self, inst: Instance, uuid: str) -> str:
        return next((n for n, u in inst.rooms.items() if u == uuid), "")

    def _live(self, m: Meeting) -> Instance:
        if m.live is None:
            raise LookupError("meeting is not live")
        return m.live

    def move(self, m: Meeting, user_id: str, room: str, at: float | None = None) -> Participant:
        """Into breakout room `room` (by name, or an existing room's uuid), from the main
        meeting or from another room; answers the new row."""
        inst = self._live(m)
        p = self.sim.lifecycle.present(inst, user_id)
        uuid = room if room in inst.rooms.values() else self.room_uuid(inst, room)
        if p.room == uuid:
            return p
        when = at if at is not None else self.state.clock.now()
        self.sim.sharing.stop(m, inst, p, when)
        p.leave_time = when
        if p.room:  # from one room to another
            p.leave_reason = FROM_ROOM
            self._emit_room(m, inst, p, joining=False)
            parent = p.parent_user_id
        else:
            p.leave_reason = TO_ROOM
            if self._main_events:
                self.sim.lifecycle.left_event(m, inst, p)
            parent = p.user_id
        row = self.state.next_row(inst, p, when, room=uuid, parent_user_id=parent)
        self._emit_room(m, inst, row, joining=True)
        return row

    def back(self, m: Meeting, user_id: str, at: float | None = None) -> Participant:
        """Out of their room into the main meeting; answers the new main-meeting row."""
        inst = self._live(m)
        p = self.sim.lifecycle.present(inst, user_id)
        if not p.room:
            raise LookupError(f"participant {user_id} is not in a breakout room")
        when = at if at is not None else self.state.clock.now()
        self.sim.sharing.stop(m, inst, p, when)
        p.leave_time = when
        p.leave_reason = FROM_ROOM
        self._emit_room(m, inst, p, joining=False)
        row = self.state.next_row(inst, p, when)
        if self._main_events:
            self.sim.lifecycle.joined(m, inst, row)
        else:  # the webhooks never saw the main stay end: it goes on under its first user_id
            row.user_id = p.parent_user_id
        return row

    def close_all(self, m: Meeting, at: float | None = None) -> list[Participant]:
        """The host closes the rooms: everyone in one comes back to the main meeting."""
        inst = self._live(m)
        in_rooms = [p for p in inst.participants if p.room and p.leave_time is None]
        return [self.back(m, p.user_id, at) for p in in_rooms]

    def left_meeting(self, m: Meeting, inst: Instance, p: Participant) -> None:
        """The events of a room row ended by its person leaving the meeting (or its end)."""
        self._emit_room(m, inst, p, joining=False)
        if not self._main_events:  # the main stay the webhooks know ends now, too
            main = dataclasses.replace(p, user_id=p.parent_user_id, room="", parent_user_id="")
            self.sim.lifecycle.left_event(m, inst, main)

    def _emit_room(self, m: Meeting, inst: Instance, p: Participant, *, joining: bool) -> None:
        event = "joined_breakout_room" if joining else "left_breakout_room"
        self.sim.lifecycle.emit_meeting(
            f"meeting.participant_{event}",
            m,
            inst,
            breakout_room_uuid=p.room,
            participant=participants.in_room(p, joining=joining),
        )
