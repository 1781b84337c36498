"""Email notices: students hear of a class scheduled, moved or cancelled; its teacher of its
recording ready; the tenant's admins of a recording that could not be synced (given up on), and
of a Zoom connection to authorize again (its person too).

Driven by events as the bus delivers them (``entrypoints.notice_consumer``): :func:`plan`
turns one event into one notice per recipient with an email who has not opted out — the
enrolled students (their enrolment's email), or the teacher or admins (the people directory,
``service_layer.directory``) — inside the consumer's inbox transaction, so a redelivered event
plans nothing (and the notices are unique per event and address besides). The job worker
then sends what is due (:func:`send_due`): each notice is claimed for a while before the SMTP
server is called with no transaction open, marked sent after, and retried with backoff when the
server fails. What a
notice says is rendered at sending time from the session as it is then — its time in the
class's own time zone, the student's own join link (their Zoom registration), and an iCalendar
attachment with the same UID and SEQUENCE as the calendar feed, so a calendar app updates the
event it has rather than adding one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from zoneinfo import ZoneInfo

import icalendar

from classbridge_common.errors import FailedPrecondition
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain.directory import PersonRole
from scheduler.domain.model import BatchType, Session, SessionStatus
from scheduler.domain.notices import Notice, NoticeKind, NoticePreference, NoticeState
from scheduler.service_layer.calendar_feed import sequence_of
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.registration import MAX_STUDENTS, join_link

log = logging.getLogger(__name__)

#: How long a notice being sent is held from other workers (then it is due again).
CLAIM = timedelta(minutes=5)
PRODID = "-//Classbridge//Class notices//EN"


class Mailer(Protocol):
    """Sends one message (raises on failure: the notice is retried)."""

    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class Senders:
    """Who notices come from: the deployment's address, or a tenant's own."""

    default: str
    by_tenant: dict[str, str]

    def of(self, tenant: str) -> str:
        return self.by_tenant.get(tenant, self.default)


async def plan(
    uow: SchedulerUnitOfWork,
    *,
    kind: NoticeKind,
    session_id: str,
    event_id: str,
    at: datetime,
) -> int:
    """The notices ``event_id`` (about ``session_id``) owes; how many were added."""
    session = await uow.sessions.get(session_id)
    if session is None:
        return 0
    if kind is NoticeKind.RECORDING_READY and await uow.notices.any_of_session(session.id, kind):
        return 0  # a later part (Zoom's transcript, a second file) is not news to the teacher
    if kind in STAFF_KINDS:
        return await _add(uow, kind, session, event_id, await _staff(uow, kind, session), at)
    if session.batch_type is not BatchType.GROUP:
        return 0  # an individual batch's student has no email here
    if kind is NoticeKind.SCHEDULED and session.series_id:
        # A term of classes is one email (its first class's), not one per occurrence.
        series = [s for s in await uow.sessions.of_series(session.series_id) if s.meeting]
        if not series or series[0].id != session.id:
            return 0
    enrolled, _ = await uow.enrollments.list(
        batch_id=session.batch_id, student_id="", offset=0, limit=MAX_STUDENTS
    )
    recipients = [(e.student_id, e.email) for e in enrolled]
    return await _add(uow, kind, session, event_id, recipients, at)


#: The notices to staff (teacher, admins), whose addresses are the people directory's.
STAFF_KINDS = frozenset(
    {
        NoticeKind.RECORDING_READY,
        NoticeKind.SYNC_FAILED,
        NoticeKind.ZOOM_REAUTH,
        NoticeKind.WEBHOOK_DISABLED,
    }
)


_REASONS = {
    "refresh_refused": "Zoom no longer accepts its authorization (the app was removed, or the "
    "grant expired or was revoked)",
    "missing_scopes": "Zoom asks for permissions it was not granted",
}


async def plan_reauthorization(
    uow: SchedulerUnitOfWork,
    *,
    user_id: str,
    reason: str,
    event_id: str,
    at: datetime,
) -> int:
    """The notices a Zoom connection to authorize again owes: the tenant's admins, and the
    person whose connection it is (when the directory has them); how many were added."""
    recipients = await _admins(uow)
    own = await uow.people.of_user(user_id)
    if own is not None:
        recipients.append((own.user_id, own.email))
    about = f"{user_id} {reason}".strip()[:200]
    return await _add(uow, NoticeKind.ZOOM_REAUTH, None, event_id, recipients, at, about=about)


async def _admins(uow: SchedulerUnitOfWork) -> list[tuple[str, str]]:
    """(user id, email) of the tenant's admins, from its people directory."""
    return [(p.user_id, p.email) for p in await uow.people.with_role(PersonRole.ADMIN)]


async def _staff(
    uow: SchedulerUnitOfWork, kind: NoticeKind, session: Session
) -> list[tuple[str, str]]:
    """(user id, email) of who a staff notice is for: the class's teacher (the session's own,
    else its batch's), or every admin of the tenant."""
    if kind is NoticeKind.SYNC_FAILED:
        return await _admins(uow)
    teacher = session.teacher_id
    if not teacher:
        batch = await uow.batches.get(session.batch_id)
        teacher = batch.instructor_id if batch is not None else ""
    found = await uow.people.of_user(teacher) if teacher else None
    return [(found.user_id, found.email)] if found is not None else []


async def _add(
    uow: SchedulerUnitOfWork,
    kind: NoticeKind,
    session: Session | None,
    event_id: str,
    recipients: list[tuple[str, str]],
    at: datetime,
    *,
    about: str = "",
) -> int:
    """One notice of ``event_id`` per recipient with an email who has not opted out and has
    none of it yet; how many were added."""
    wanted = [(user_id, address) for user_id, address in recipients if address]
    if not wanted:
        return 0
    out = await uow.notice_preferences.opted_out([user_id for user_id, _ in wanted])
    known = {n.email.lower() for n in await uow.notices.of_event(event_id)}
    added = 0
    for user_id, address in wanted:
        if user_id in out or address.lower() in known:
            continue
        known.add(address.lower())
        await uow.notices.add(
            Notice(
                id=new_id(),
                event_id=event_id,
                kind=kind,
                session_id=session.id if session is not None else "",
                recipient_id=user_id,
                email=address,
                next_attempt_time=at,
                create_time=at,
                about=about,
            )
        )
        added += 1
    return added


async def set_preference(
    uow: SchedulerUnitOfWork, *, user_id: str, email_notices: bool, now: Clock = utcnow
) -> NoticePreference:
    """The caller's own choice about email notices."""
    async with uow:
        if uow.scope.spans:
            raise FailedPrecondition("email notices are a school's people's; an operator has none")
        found = await uow.notice_preferences.of_user(user_id)
        if found is None:
            found = NoticePreference(user_id=user_id)
            await uow.notice_preferences.add(found)
        found.email_notices = email_notices
        found.update_time = now()
        await uow.commit()
        return found


async def get_preference(uow: SchedulerUnitOfWork, *, user_id: str) -> NoticePreference:
    async with uow:
        found = await uow.notice_preferences.of_user(user_id)
        return found or NoticePreference(user_id=user_id)


def _when(session: Session) -> str:
    zone = ZoneInfo(session.timezone or "UTC")
    start = session.scheduled_start.astimezone(zone)
    end = session.scheduled_end.astimezone(zone)
    return f"{start:%A %d %B %Y, %H:%M} to {end:%H:%M} ({session.timezone or 'UTC'})"


def _calendar(session: Session, join_url: str, *, cancelled: bool) -> bytes:
    zone = ZoneInfo(session.timezone or "UTC")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{session.id}@classbridge")
    event.add("dtstart", session.scheduled_start.astimezone(zone))
    event.add("dtend", session.scheduled_end.astimezone(zone))
    event.add("summary", session.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", sequence_of(session))
    event.add("dtstamp", session.update_time or datetime.now(UTC))
    if join_url and not cancelled:
        event.add("url", join_url)
        event.add("location", join_url)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


async def plan_webhook_disabled(
    uow: SchedulerUnitOfWork, *, url: str, reason: str, event_id: str, at: datetime
) -> int:
    """The notices an outgoing webhook endpoint disabled after persistent failure owes: the
    tenant's admins (who registered it); how many were added."""
    about = f"{url} {reason}".strip()[:200]
    recipients = await _admins(uow)
    return await _add(uow, NoticeKind.WEBHOOK_DISABLED, None, event_id, recipients, at, about=about)


def _message(notice: Notice, *, sender: str, subject: str, lines: list[str]) -> EmailMessage:
    """A plain-text email of ``notice`` from ``sender``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.email
    message["Subject"] = subject
    message.set_content("\n".join(lines))
    return message


def _webhook_disabled_message(notice: Notice, *, sender: str) -> EmailMessage:
    """An admin's notice: Classbridge stopped delivering to one of the school's endpoints."""
    url, _, reason = notice.about.partition(" ")
    return _message(
        notice,
        sender=sender,
        subject=f"Webhook endpoint disabled: {url}",
        lines=[
            f"Classbridge stopped sending events to {url}: {reason or 'it kept failing'}.",
            "",
            "Events since are kept as failed deliveries. Once the endpoint answers again, "
            "enable it (PATCH /api/v1/webhooks/endpoints/{endpoint_id} with enabled: true) "
            "and replay what it missed (POST /api/v1/webhooks/endpoints/{endpoint_id}"
            "/replay-failed).",
        ],
    )


def _reauthorization_message(notice: Notice, *, sender: str) -> EmailMessage:
    """An admin's (or the person's own) notice: a Zoom connection to authorize again."""
    user_id, _, reason = notice.about.partition(" ")
    own = notice.recipient_id == user_id
    whose = "Your Zoom connection" if own else f"The Zoom connection of {user_id}"
    why = _REASONS.get(reason, "Zoom refused it")
    return _message(
        notice,
        sender=sender,
        subject=f"Zoom connection to reconnect: {user_id}",
        lines=[
            f"{whose} must be authorized again: {why}.",
            "",
            "Until then Classbridge cannot act with it (meetings, recordings). "
            + ("Connect Zoom again" if own else "They connect Zoom again")
            + " from the course platform (GET /api/zoom/auth-url, then Zoom's consent).",
        ],
    )


def _staff_message(notice: Notice, session: Session, *, sender: str) -> EmailMessage:
    """A teacher's or admin's notice: what happened to the class's recording."""
    if notice.kind is NoticeKind.RECORDING_READY:
        subject = f"Recording ready: {session.title}"
        lines = [
            f"The recording of your class “{session.title}” is ready.",
            "",
            f"Class: {_when(session)}",
            "",
            "Its students can watch it in the course platform, with the class's lessons.",
        ]
    else:
        sync = session.recording_sync
        subject = f"Recording not copied: {session.title}"
        lines = [
            f"A recording of the class “{session.title}” could not be copied from Zoom, "
            "and Classbridge has stopped trying.",
            "",
            f"Class: {_when(session)} (session {session.id})",
        ]
        if sync is not None and sync.last_error:
            lines.append(f"Last error: {sync.last_error}")
        lines += [
            "",
            "Once the cause is fixed (Zoom's connection, the storage), retry the batch's "
            f"recordings: POST /api/v1/batches/{session.batch_id}/retry-zoom-recordings.",
        ]
    return _message(notice, sender=sender, subject=subject, lines=lines)


def render(notice: Notice, session: Session, *, sender: str, join_url: str) -> EmailMessage:
    """The email of ``notice`` about ``session`` as it is now."""
    if notice.kind in STAFF_KINDS:
        return _staff_message(notice, session, sender=sender)
    cancelled = notice.kind is NoticeKind.CANCELLED or session.status is SessionStatus.CANCELLED
    verb = {
        NoticeKind.SCHEDULED: "scheduled",
        NoticeKind.MOVED: "moved",
        NoticeKind.CANCELLED: "cancelled",
    }[NoticeKind.CANCELLED if cancelled else notice.kind]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.email
    message["Subject"] = f"Class {verb}: {session.title}"
    lines = [f"Your class “{session.title}” is {verb}.", "", f"When: {_when(session)}"]
    if cancelled and session.cancel_reason:
        lines.append(f"Reason: {session.cancel_reason}")
    if join_url and not cancelled:
        lines += ["", f"Join with your own link: {join_url}"]
    lines += ["", "The attached invitation updates the class in your calendar."]
    message.set_content("\n".join(lines))
    message.add_attachment(
        _calendar(session, join_url, cancelled=cancelled),
        maintype="text",
        subtype="calendar",
        filename="class.ics",
        params={"method": "CANCEL" if cancelled else "PUBLISH"},
    )
    return message


async def send_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    mailer: Mailer,
    *,
    senders: Senders,
    now: Clock = utcnow,
    backoff: timedelta = timedelta(seconds=30),
    limit: int = 50,
) -> int:
    """Send every notice due now (in every tenant); how many were sent."""
    async with new_uow() as uow:
        due = await uow.notices.due(now(), limit=limit)
    sent = 0
    for notice_id, tenant in due:
        if await _send_one(
            notice_id, new_uow(tenant=tenant), mailer, senders.of(tenant), now, backoff
        ):
            sent += 1
    return sent


async def _send_one(
    notice_id: str,
    uow: SchedulerUnitOfWork,
    mailer: Mailer,
    sender: str,
    now: Clock,
    backoff: timedelta,
) -> bool:
    async with uow:
        notice = await uow.notices.get_for_update(notice_id)
        if notice is None or notice.state is not NoticeState.PENDING:
            return False
        if notice.next_attempt_time > now():
            return False  # another worker claimed it meanwhile
        if notice.kind is NoticeKind.ZOOM_REAUTH:
            message = _reauthorization_message(notice, sender=sender)
        elif notice.kind is NoticeKind.WEBHOOK_DISABLED:
            message = _webhook_disabled_message(notice, sender=sender)
        else:
            session = await uow.sessions.get(notice.session_id)
            if session is None:
                notice.failed(at=now(), error="the session is gone", backoff=backoff)
                notice.state = NoticeState.FAILED
                await uow.commit()
                return False
            join_url = ""
            if notice.kind not in STAFF_KINDS:
                join_url = (await join_link(uow, session, notice.recipient_id))[0]
            message = render(notice, session, sender=sender, join_url=join_url)
        notice.next_attempt_time = now() + CLAIM  # held while the SMTP server is called
        await uow.commit()
    try:
        await mailer.send(message)
    except Exception as error:  # any failure of the server: retried
        log.warning("notice %s not sent (%s)", notice_id, type(error).__name__)
        async with uow:
            again = await uow.notices.get_for_update(notice_id)
            if again is not None and again.state is NoticeState.PENDING:
                again.failed(at=now(), error=f"{type(error).__name__}: {error}", backoff=backoff)
                await uow.commit()
        return False
    async with uow:
        done = await uow.notices.get_for_update(notice_id)
        if done is not None:
            done.sent(at=now())
            await uow.commit()
    return True


__all__ = [
    "CLAIM",
    "STAFF_KINDS",
    "Mailer",
    "Senders",
    "get_preference",
    "plan",
    "plan_reauthorization",
    "plan_webhook_disabled",
    "render",
    "send_due",
    "set_preference",
]
