"""The participant record a Zoom participant event, or a row of Zoom's report, is about.

Shared by the webhook consumers (``lifecycle``) and the reconciliation after the meeting
(``reconcile``), so both tie people the same way: to a student only by identity
(``scheduler.domain.identity``), never by display name, and anyone else to a record Zoom ties
them to (its user id, or the participant uuid of a stay), else a new guest record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.identity import ZoomIdentity, user_of
from scheduler.domain.model import (
    BatchType,
    Participant,
    ParticipantRole,
    Session,
    find_participant,
)
from scheduler.domain.registration import Registrant
from scheduler.service_layer.clock import new_id


@dataclass
class Roster:
    """What tying people needs about one session, read once per event (or per report)."""

    session: Session
    people: list[Participant]
    registrants: list[Registrant]
    students: frozenset[str]
    added: list[Participant] = field(default_factory=list)

    def is_student(self, user_id: str) -> bool:
        return bool(user_id) and user_id in self.students


async def roster_of(uow: SchedulerUnitOfWork, session: Session) -> Roster:
    """The session's participant records, registrants and the students expected (the batch's
    enrolled students, or the one student of an individual batch)."""
    batch = await uow.batches.get(session.batch_id)
    if batch is not None and batch.type is BatchType.INDIVIDUAL:
        students = frozenset({batch.student_id} - {""})
    else:
        students = frozenset(await uow.enrollments.student_ids(session.batch_id))
    return Roster(
        session=session,
        people=await uow.participants.of_session(session.id),
        registrants=await uow.registrants.of_session(session.id),
        students=students,
    )


def _is_host(session: Session, who: ZoomIdentity) -> bool:
    meeting = session.meeting
    return who.is_host or bool(
        meeting is not None and who.zoom_user_id and who.zoom_user_id == meeting.host_zoom_user_id
    )


def person(roster: Roster, who: ZoomIdentity) -> tuple[Participant, bool]:
    """The record ``who`` is about, filled in with what Zoom now says; a new one (added to the
    roster, not yet stored: the caller stores it) when nobody known is ``who``. True when new.

    A record first met as a guest becomes the student's once Zoom ties it to them (a later
    event of the same device naming the registrant), and says whether they are enrolled.
    """
    user_id = user_of(who, roster.registrants)
    host = _is_host(roster.session, who)
    found = find_participant(
        roster.people,
        user_id=user_id,
        zoom_user_id=who.zoom_user_id,
        participant_uuid=who.participant_uuid,
        is_host=host,
    )
    if found is not None:
        found.zoom_user_id = found.zoom_user_id or who.zoom_user_id
        found.email = found.email or who.email
        found.display_name = who.name or found.display_name
        if user_id and not found.user_id:
            found.user_id = user_id
            found.enrolled = roster.is_student(user_id)
        return found, False
    made = Participant(
        id=new_id(),
        session_id=roster.session.id,
        display_name=who.name,
        email=who.email,
        zoom_user_id=who.zoom_user_id,
        user_id=user_id,
        role=ParticipantRole.HOST if host else ParticipantRole.PARTICIPANT,
        enrolled=roster.is_student(user_id),
    )
    roster.people.append(made)
    roster.added.append(made)
    return made, True


async def store_added(uow: SchedulerUnitOfWork, roster: Roster, *, at: datetime) -> None:
    """Store the records :func:`person` made (once each)."""
    added, roster.added = roster.added, []
    for made in added:
        await uow.participants.add(made, at=at)


__all__ = ["Roster", "person", "roster_of", "store_added"]
