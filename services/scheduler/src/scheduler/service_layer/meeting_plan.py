"""What a session's meeting should be at Zoom (:func:`meeting_spec`), and whom it names besides
its host: the course's other instructors as alternative hosts, and the batch's breakout groups
as pre-assigned rooms.

Alternative hosts go to zoom-gateway as Classbridge user ids
(``MeetingSettings.alternative_host_user_ids``): only the gateway knows a teacher's Zoom
identity (the email Zoom reported when they connected their Zoom user, and its account), so it
resolves them, and leaves out, naming them, those it cannot resolve or Zoom refuses; the
scheduler keeps no Zoom emails of its own. Breakout rooms go as the students' enrolment emails
(``MeetingSettings.breakout_rooms``), which is how Zoom pre-assigns. Whatever Zoom did not
take is a warning on the answer, never a failure: the session and its meeting stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import breakout
from scheduler.domain.model import Batch, BatchType, Course, Session, Settings, merge_settings
from scheduler.domain.timing import session_minutes, zoom_duration
from scheduler.service_layer.ports import (
    DEFAULT_MEETING_SETTINGS,
    MeetingInfo,
    MeetingSpec,
    SkippedHost,
)

#: The update-mask paths of the two (zoom-gateway's MeetingSpec paths).
ALTERNATIVE_HOSTS = "settings.alternative_hosts"
BREAKOUT_ROOMS = "settings.breakout_rooms"
MAX_STUDENTS = 100_000

#: A group batch's meetings take registrations, approved at once: each enrolled student is
#: registered (``registration``) and joins with their own link, by which Zoom names them.
#: Course, batch and session settings may say otherwise.
REGISTERED = {"approval_type": 0}


@dataclass(frozen=True)
class MeetingPeople:
    """The alternative hosts (user ids) and breakout rooms one meeting is asked for."""

    alternative_host_ids: tuple[str, ...] = ()
    rooms: breakout.Rooms = field(default_factory=lambda: breakout.Rooms(settings={}))

    def hosts_layer(self, *, replace: bool = False) -> Settings:
        """The settings naming the alternative hosts: none when there are none, unless
        ``replace`` (an update that must clear a list Zoom has)."""
        if not self.alternative_host_ids and not replace:
            return {}
        return {
            "alternative_host_user_ids": list(self.alternative_host_ids),
            "alternative_hosts_set": True,
        }

    @property
    def rooms_layer(self) -> Settings:
        return self.rooms.settings


def alternative_host_ids(
    session: Session, course: Course | None, host_user_id: str = ""
) -> tuple[str, ...]:
    """The course's instructors other than the session's teacher and the meeting's host (an
    instructor hosting it is not also its alternative host), in the course's order."""
    if course is None:
        return ()
    return tuple(
        i
        for i in dict.fromkeys(course.instructor_ids)
        if i.strip() and i not in (session.teacher_id, host_user_id)
    )


async def people_of(
    uow: SchedulerUnitOfWork,
    session: Session,
    batch: Batch | None,
    course: Course | None,
    *,
    clear_rooms: bool = False,
    host_user_id: str = "",
) -> MeetingPeople:
    """What ``session``'s meeting should name (inside a unit of work: reads the enrolments
    when the batch has breakout groups). ``clear_rooms``: a batch without groups switches
    pre-assignment off (its groups were removed), rather than saying nothing of rooms;
    ``host_user_id``: the instructor hosting it, if one does."""
    groups = batch.breakout_groups if batch is not None and batch.type is BatchType.GROUP else []
    emails: dict[str, str] = {}
    if batch is not None and groups:
        enrolled, _ = await uow.enrollments.list(
            batch_id=batch.id, student_id="", offset=0, limit=MAX_STUDENTS
        )
        emails = {e.student_id: e.email for e in enrolled}
    return MeetingPeople(
        alternative_host_ids=alternative_host_ids(session, course, host_user_id),
        rooms=breakout.rooms(groups, emails, clear=clear_rooms),
    )


def meeting_spec(
    session: Session,
    batch: Batch | None,
    course: Course | None,
    extra: Mapping[str, Any],
    *,
    people: MeetingPeople | None = None,
    replace_hosts: bool = False,
    host_user_id: str = "",
) -> MeetingSpec:
    """The meeting ``session`` wants. ``people``: the course's other instructors as alternative
    hosts and the batch's breakout rooms (:class:`MeetingPeople`), below every explicit setting
    of course, batch and session; ``replace_hosts`` names the alternative hosts even when there
    are none (an update that must clear Zoom's list); ``host_user_id`` the instructor whose Zoom
    user hosts it (empty: the tenant's host)."""
    people = people or MeetingPeople()
    settings = merge_settings(
        DEFAULT_MEETING_SETTINGS,
        REGISTERED if session.batch_type is BatchType.GROUP else None,
        people.hosts_layer(replace=replace_hosts),
        people.rooms_layer,
        course.default_meeting_settings if course else None,
        batch.meeting_settings if batch else None,
        session.meeting_settings,
        {"auto_recording": f"AUTO_RECORDING_{session.auto_recording.value.upper()}"},
        dict(extra),
    )
    course_title = course.title if course else ""
    topic = f"{course_title} - {session.title}" if course_title else session.title
    return MeetingSpec(
        topic=topic,
        start_time=session.scheduled_start,
        duration_minutes=zoom_duration(
            session_minutes(session.scheduled_start, session.scheduled_end)
        ),
        timezone=session.timezone,
        agenda=session.description,
        settings=settings,
        tenant_id=course.tenant_id if course else "",
        host_user_id=host_user_id,
    )


_WHY = {
    "not_connected": "{user} has not connected a Zoom account to Classbridge",
    "other_account": "{user}'s Zoom user ({email}) belongs to another Zoom account",
    "refused_by_zoom": "Zoom refused {user} ({email})",
}


def _skipped(host: SkippedHost) -> str:
    text = _WHY.get(host.reason, "{user} could not be added").format(
        user=host.user_id, email=host.email or "no email"
    )
    return f"{text}: {host.detail}" if host.detail else text


def notices(info: MeetingInfo, people: MeetingPeople, *, rooms_sent: bool) -> list[tuple[str, str]]:
    """The warnings (code, message) about what Zoom did not take of ``people``; ``rooms_sent``:
    the call carried the breakout rooms (students without an email then matter)."""
    out: list[tuple[str, str]] = []
    if info.skipped_alternative_hosts:
        out.append(
            (
                "ALTERNATIVE_HOSTS_SKIPPED",
                "not every other instructor of the course is an alternative host of the Zoom "
                "meeting: "
                + "; ".join(_skipped(h) for h in info.skipped_alternative_hosts)
                + ". Alternative hosts must be licensed users of the school's Zoom account who "
                "have connected it to Classbridge",
            )
        )
    if info.breakout_rooms_dropped:
        out.append(
            (
                "ZOOM_BREAKOUT_ROOMS_DROPPED",
                "Zoom dropped the batch's pre-assigned breakout rooms: the Zoom account does not "
                "let hosts pre-assign breakout rooms when scheduling. An admin enables breakout "
                "rooms with pre-assignment when scheduling in the Zoom account's meeting "
                "settings, then saves the batch's breakout groups again; the meeting is fine",
            )
        )
    missing = people.rooms.without_email
    if rooms_sent and missing:
        out.append(
            (
                "BREAKOUT_STUDENTS_WITHOUT_EMAIL",
                f"{missing} student(s) of the batch's breakout groups have no email, so Zoom "
                "cannot pre-assign them; they start in the main room",
            )
        )
    return out


__all__ = [
    "ALTERNATIVE_HOSTS",
    "BREAKOUT_ROOMS",
    "REGISTERED",
    "MeetingPeople",
    "alternative_host_ids",
    "meeting_spec",
    "notices",
    "people_of",
]
