"""Applying what Zoom reports from inside a running class: role changes, screen sharing and
breakout rooms.

Like ``lifecycle``, each function runs inside the consumer's unit of work (already open, inbox
row recorded), reads the session ``FOR UPDATE`` and does not commit. Zoom delivers at least once
and out of order, so every change is one that a repeat, or an older event arriving late, cannot
undo:

- **Role changes** carry Zoom's time of the change; a participant keeps the time of the last one
  applied (``role_change_time``) and an older or equal one changes nothing. Zoom's words are
  "host", "co-host" and "attendee"; any other leaves the role as it is.
- **Sharing** only ever sets ``shared_screen`` (they presented in the class; a ``sharing_ended``
  proves it as well, should its ``started`` be lost) and keeps the earliest share's time and
  content. The teacher may still clear the flag (``UpdateParticipant``).
- **Breakout rooms**: a stay in a room is a stay like any other (it counts toward attendance,
  overlaps with the main meeting once), marked with its room. A leave that arrives before its
  join is kept and completed by the join, as in the main meeting, and the meeting's end closes
  open room stays with the rest. Zoom's ``participant_left`` for the main meeting when someone
  moves into a room, and its ``participant_joined`` when they come back, close and open main
  stays only, never a room's.

People are tied as for joins and leaves (``people``): by registrant, customer key or verified
email, Zoom's user id, a stay's participant uuid, never by display name. Sharing events name
nobody but Zoom's per-meeting ``user_id`` and, for signed-in users, their Zoom id; the per-meeting
id is matched against the stay Zoom gave it (recorded from ``participant_joined``). A role
change or share that ties to nobody known is ignored rather than kept as a new guest no later
event could find.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import commands
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.model import Participant, ParticipantRole
from scheduler.service_layer import people
from scheduler.service_layer.clock import Clock, utcnow
from scheduler.service_layer.lifecycle import session_of_meeting

log = logging.getLogger(__name__)

#: Zoom's words for a role (``old_role`` / ``new_role``) and the participant role each is.
ZOOM_ROLES: dict[str, ParticipantRole] = {
    "host": ParticipantRole.HOST,
    "co-host": ParticipantRole.CO_HOST,
    "cohost": ParticipantRole.CO_HOST,
    "attendee": ParticipantRole.PARTICIPANT,
    "participant": ParticipantRole.PARTICIPANT,
}


def role_of(zoom_role: str) -> ParticipantRole | None:
    """The participant role Zoom's word names; None for a word we do not know."""
    return ZOOM_ROLES.get(zoom_role.strip().lower())


def _of_meeting_user(
    roster: people.Roster, meeting_user_id: str, *, at: datetime
) -> Participant | None:
    """The one person whose stay Zoom gave ``meeting_user_id``; preferring the stay that covers
    ``at`` when several people had it (Zoom reuses the ids of a restarted meeting)."""
    holders = [p for p in roster.people if p.was_meeting_user(meeting_user_id)]
    if len(holders) > 1:
        holders = [p for p in holders if p.was_meeting_user(meeting_user_id, at=at)]
    return holders[0] if len(holders) == 1 else None


def _forget(roster: people.Roster, made: Participant) -> None:
    """Undo a record :func:`people.person` just made (not stored yet)."""
    roster.people.remove(made)
    roster.added.remove(made)


def _tie(
    roster: people.Roster,
    who: ZoomIdentity,
    *,
    meeting_user_id: str,
    at: datetime,
    create: bool,
) -> Participant | None:
    """The record an in-class event is about.

    By identity first (``people.person``); someone Zoom names by no identity that would find
    them again (no Classbridge user, no Zoom user id) is looked up by the stay Zoom gave
    ``meeting_user_id``. Failing both, a new guest record when ``create`` (a room stay carries
    the participant uuid later events find it by), else None.
    """
    found, new = people.person(roster, who)
    if not new or found.user_id or found.zoom_user_id:
        return found
    known = _of_meeting_user(roster, meeting_user_id, at=at)
    if known is not None or not create:
        _forget(roster, found)
        if known is None:
            log.info("a live-class event names nobody known in session %s", roster.session.id)
        return known
    return found


async def role_changed(
    cmd: commands.RecordRoleChanged, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """Zoom changed someone's role: the participant takes it, unless a later change was already
    applied. True when applied."""
    role = role_of(cmd.new_role)
    if role is None:
        log.info("unknown Zoom role %r; role change ignored", cmd.new_role)
        return False
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.event_time)
    if session is None:
        return False
    at = cmd.change_time or cmd.event_time
    roster = await people.roster_of(uow, session)
    who = cmd.who
    if role_of(cmd.old_role) is ParticipantRole.HOST and not who.is_host:
        who = replace(who, is_host=True)  # the host handing over: perhaps the teacher's record
    person = _tie(roster, who, meeting_user_id=cmd.meeting_user_id, at=at, create=False)
    if person is None:
        return False
    changed = person.change_role(role, at=at)
    await people.store_added(uow, roster, at=now())
    return changed


async def sharing(
    cmd: commands.RecordSharing, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """Someone started (or stopped) sharing: they presented in the class. True when changed."""
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.event_time)
    if session is None:
        return False
    at = cmd.share_time or cmd.event_time
    roster = await people.roster_of(uow, session)
    person = _tie(roster, cmd.who, meeting_user_id=cmd.meeting_user_id, at=at, create=False)
    if person is None:
        return False
    changed = person.shared(at=at if cmd.started else None, content=cmd.content)
    await people.store_added(uow, roster, at=now())
    return changed


async def breakout_room_joined(
    cmd: commands.RecordBreakoutRoomJoined, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """Someone went into a breakout room: a stay in that room opens (or the stay whose leave
    came first gets its join). True when something changed."""
    if not cmd.breakout_room_uuid:
        log.info("breakout room join without a room; ignored")
        return False
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.event_time)
    if session is None:
        return False
    at = cmd.join_time or cmd.event_time
    roster = await people.roster_of(uow, session)
    person = _tie(roster, cmd.who, meeting_user_id=cmd.parent_meeting_user_id, at=at, create=True)
    assert person is not None  # create=True
    changed = person.joined(
        participant_uuid=cmd.who.participant_uuid,
        at=at,
        room=cmd.breakout_room_uuid,
        meeting_user_id=cmd.meeting_user_id,
    )
    if session.actual_end is not None and changed:
        person.close_open(at=session.actual_end)  # a join that arrives after the meeting's end
    await people.store_added(uow, roster, at=now())
    return changed


async def breakout_room_left(
    cmd: commands.RecordBreakoutRoomLeft, *, uow: SchedulerUnitOfWork, now: Clock = utcnow
) -> bool:
    """Someone left a breakout room: their open stay in that room closes (remembered on its own
    when the join has not arrived yet). True when something changed."""
    if not cmd.breakout_room_uuid:
        log.info("breakout room leave without a room; ignored")
        return False
    session = await session_of_meeting(uow, cmd.meeting_id, at=cmd.event_time)
    if session is None:
        return False
    at = cmd.leave_time or cmd.event_time
    roster = await people.roster_of(uow, session)
    person = _tie(roster, cmd.who, meeting_user_id=cmd.parent_meeting_user_id, at=at, create=True)
    assert person is not None  # create=True
    changed = person.left(
        participant_uuid=cmd.who.participant_uuid,
        at=at,
        reason=cmd.leave_reason,
        room=cmd.breakout_room_uuid,
    )
    await people.store_added(uow, roster, at=now())
    return changed


__all__ = [
    "ZOOM_ROLES",
    "breakout_room_joined",
    "breakout_room_left",
    "role_changed",
    "role_of",
    "sharing",
]
