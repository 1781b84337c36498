"""Email notices against a real SMTP server (aiosmtpd, started here) and the scheduler's real
database (SQLite; PostgreSQL when configured): a cancelled class mails every enrolled student
with an email once, even when its event is delivered twice; the invitation attached parses and
cancels the feed's event; a student who opted out gets nothing; a failing server is retried;
each tenant's own sender is used."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from classbridge.events.v1 import connection_events_pb2 as cev
from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge.events.v1 import session_events_pb2 as ev
from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as owh
from classbridge_common.auth import Caller
from classbridge_common.db import session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.messages import Envelope
from scheduler.adapters import orm
from scheduler.adapters.mailer import SmtpMailer
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.bootstrap import MIGRATIONS_DIR
from scheduler.domain.directory import Person, PersonRole
from scheduler.domain.model import Batch, BatchType, Course, Enrollment, Session
from scheduler.domain.notices import NoticeState
from scheduler.entrypoints.notice_consumer import NoticeConsumer
from scheduler.service_layer import directory, notices
from scheduler.settings import Settings

START = datetime(2030, 3, 4, 4, 30, tzinfo=UTC)  # 10:00 in Kolkata
STUDENTS = [("student-a", "ana@school.test"), ("student-b", "ben@school.test"), ("student-c", "")]


class Inbox:
    """What the SMTP server received: each message with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse = 0  # the next N messages are refused (a 451, tried again later)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 try again later"
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
async def factory(settings: Settings, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    orm.start_mappers()
    return session_factory(engine)


def uow_of(factory: async_sessionmaker[AsyncSession], tenant: str | None = "default") -> Any:
    return SchedulerUnitOfWork(session_factory=factory, tenant=tenant)


def uows(factory: async_sessionmaker[AsyncSession]) -> Any:
    """Units of work as the service makes them: in a tenant, or (the worker's) spanning all."""
    return lambda tenant=None: SchedulerUnitOfWork(session_factory=factory, tenant=tenant)


async def _school(factory: async_sessionmaker[AsyncSession], tenant: str = "default") -> Session:
    at = START - timedelta(days=7)
    async with uow_of(factory, tenant) as uow:
        await uow.courses.add(
            Course(
                id=f"c-{tenant}", title="Physics", tenant_id=tenant, create_time=at, update_time=at
            )
        )
        await uow.batches.add(
            Batch(
                id=f"b-{tenant}",
                course_id=f"c-{tenant}",
                name="Term 1",
                type=BatchType.GROUP,
                create_time=at,
                update_time=at,
            )
        )
        for student, address in STUDENTS:
            await uow.enrollments.add(
                Enrollment(
                    id=f"e-{tenant}-{student}",
                    batch_id=f"b-{tenant}",
                    student_id=student,
                    email=address,
                    create_time=at,
                ),
                request_id=None,
            )
        session = Session(
            id=f"s-{tenant}",
            batch_id=f"b-{tenant}",
            course_id=f"c-{tenant}",
            batch_type=BatchType.GROUP,
            title="Mechanics",
            scheduled_start=START,
            scheduled_end=START + timedelta(hours=1),
            timezone="Asia/Kolkata",
            create_time=at,
            update_time=at,
        )
        await uow.sessions.add(session)
        await uow.commit()
    return session


async def _cancel(factory: async_sessionmaker[AsyncSession], session_id: str, tenant: str) -> None:
    async with uow_of(factory, tenant) as uow:
        session = await uow.sessions.get(session_id, for_update=True)
        assert session is not None
        session.cancel(reason="the lab is flooded", by="teacher-1", at=START - timedelta(days=1))
        session.update_time = START - timedelta(days=1)
        await uow.commit()


def _cancelled_event(session_id: str, tenant: str = "default") -> Envelope:
    return Envelope.for_proto(
        "session.cancelled",
        ev.SessionCancelled(
            session_id=session_id, tenant_id=tenant, notify_participants=True, reason="flooded"
        ),
    )


async def test_a_cancelled_class_mails_every_student_once_with_an_invitation_that_cancels(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory)
    await _cancel(factory, session.id, "default")
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    delivered = _cancelled_event(session.id)
    await consumer(delivered)
    await consumer(delivered)  # the bus delivers it again
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    sent = await notices.send_due(uows(factory), mailer, senders=senders)
    assert sent == 2
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 0
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == [
        "ana@school.test",
        "ben@school.test",
    ]  # once each; the student without an email is not mailed
    _, message = inbox.messages[0]
    assert message["Subject"] == "Class cancelled: Mechanics"
    assert message["From"] == "Classbridge <no-reply@classbridge.test>"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "Monday 04 March 2030, 10:00 to 11:00 (Asia/Kolkata)" in body
    assert "the lab is flooded" in body
    [invite] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(invite.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == f"{session.id}@classbridge"  # the feed's event
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("DTSTART") == START


async def test_an_opted_out_student_gets_nothing_and_a_refusing_server_is_retried(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory)
    await notices.set_preference(uow_of(factory), user_id="student-b", email_notices=False)
    assert not (await notices.get_preference(uow_of(factory), user_id="student-b")).email_notices
    await _cancel(factory, session.id, "default")
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    delivered = _cancelled_event(session.id)
    await consumer(delivered)
    inbox.refuse = 1
    clock = [datetime.now(UTC)]

    async def send() -> int:
        return await notices.send_due(
            uows(factory),
            SmtpMailer(f"smtp://127.0.0.1:{port}"),
            senders=notices.Senders("Classbridge <no-reply@classbridge.test>", {}),
            now=lambda: clock[0],
            backoff=timedelta(seconds=30),
        )

    assert await send() == 0  # refused: tried again after the backoff, not before
    assert await send() == 0
    clock[0] += timedelta(seconds=31)
    assert await send() == 1
    assert [r for rcpts, _ in inbox.messages for r in rcpts] == ["ana@school.test"]
    async with uow_of(factory) as uow:
        [notice] = await uow.notices.of_event(delivered.message_id)
    assert (notice.state, notice.attempts, notice.email) == (
        NoticeState.SENT,
        1,
        "ana@school.test",
    )


async def test_each_tenant_mails_from_its_own_sender(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory, tenant="acme")
    await _cancel(factory, session.id, "acme")
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    await consumer(_cancelled_event(session.id, tenant="acme"))
    senders = notices.Senders(
        "Classbridge <no-reply@classbridge.test>", {"acme": "Acme <c@acme.test>"}
    )
    await notices.send_due(uows(factory), SmtpMailer(f"smtp://127.0.0.1:{port}"), senders=senders)
    assert {m["From"] for _, m in inbox.messages} == {"Acme <c@acme.test>"}


async def test_a_moved_class_mails_its_new_time_and_a_title_change_mails_nothing(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory)
    later = START + timedelta(hours=2)
    async with uow_of(factory) as uow:
        stored = await uow.sessions.get(session.id, for_update=True)
        assert stored is not None
        stored.scheduled_start, stored.scheduled_end = later, later + timedelta(hours=1)
        stored.update_time = START - timedelta(days=2)
        await uow.commit()
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    for fields in (["title"], ["scheduled_start", "scheduled_end"]):
        await consumer(
            Envelope.for_proto(
                "session.updated",
                ev.SessionUpdated(
                    session_id=session.id, tenant_id="default", changed_fields=fields
                ),
            )
        )
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 2  # Ana and Ben
    _, message = inbox.messages[0]
    assert message["Subject"] == "Class moved: Mechanics"
    [invite] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [event] = icalendar.Calendar.from_ical(invite.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("DTSTART") == later
    assert str(event["STATUS"]) == "CONFIRMED"


async def _directory(factory: async_sessionmaker[AsyncSession]) -> None:
    """The school's teacher and two admins, as its platform puts them."""
    admin = Caller(subject="admin-1", roles=frozenset({"admin"}), tenant="default")
    for user_id, address, role in (
        ("teacher-1", "tara@school.test", PersonRole.TEACHER),
        ("admin-1", "ada@school.test", PersonRole.ADMIN),
        ("admin-2", "abe@school.test", PersonRole.ADMIN),
        ("student-a", "ana@school.test", PersonRole.STUDENT),
    ):
        await directory.put_person(
            Person(user_id=user_id, email=address, role=role),
            uow=uow_of(factory),
            caller=admin,
        )


async def _taught(factory: async_sessionmaker[AsyncSession], session_id: str) -> None:
    async with uow_of(factory) as uow:
        session = await uow.sessions.get(session_id, for_update=True)
        assert session is not None
        session.teacher_id = "teacher-1"
        await uow.commit()


async def test_the_teacher_hears_once_that_the_recording_is_ready(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory)
    await _taught(factory, session.id)
    await _directory(factory)
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    delivered = Envelope.for_proto(
        "recording.synced",
        rev.RecordingSynced(recording_id="r-1", session_id=session.id, tenant_id="default"),
    )
    await consumer(delivered)
    await consumer(delivered)  # delivered again: nothing more
    transcript = Envelope.for_proto(  # Zoom's transcript, synced later: not news
        "recording.synced",
        rev.RecordingSynced(recording_id="r-1", session_id=session.id, tenant_id="default"),
    )
    await consumer(transcript)
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["tara@school.test"]  # not the students, not the admins
    assert message["Subject"] == "Recording ready: Mechanics"
    assert "is ready" in message.get_payload(decode=True).decode()
    assert not [p for p in message.walk() if p.get_content_type() == "text/calendar"]


async def test_the_admins_hear_of_a_sync_given_up_on_and_not_of_one_retried(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    session = await _school(factory)
    await _directory(factory)
    await notices.set_preference(uow_of(factory), user_id="admin-2", email_notices=False)
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    retried = rev.RecordingSyncFailed(
        session_id=session.id, tenant_id="default", will_retry=True, error_message="503"
    )
    await consumer(Envelope.for_proto("recording.sync_failed", retried))
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 0
    final = rev.RecordingSyncFailed(
        session_id=session.id, tenant_id="default", will_retry=False, error_message="gone"
    )
    delivered = Envelope.for_proto("recording.sync_failed", final)
    await consumer(delivered)
    await consumer(delivered)
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["ada@school.test"]  # admin-2 opted out
    assert message["Subject"] == "Recording not copied: Mechanics"
    body = message.get_payload(decode=True).decode()
    assert f"/api/v1/batches/{session.batch_id}/retry-zoom-recordings" in body


async def test_without_a_directory_entry_nobody_is_mailed_and_other_tenants_are_apart(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    await _directory(factory)  # the default tenant's people
    session = await _school(factory, tenant="acme")
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    for event in (
        Envelope.for_proto(
            "recording.synced", rev.RecordingSynced(session_id=session.id, tenant_id="acme")
        ),
        Envelope.for_proto(
            "recording.sync_failed",
            rev.RecordingSyncFailed(session_id=session.id, tenant_id="acme", will_retry=False),
        ),
    ):
        await consumer(event)
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 0
    assert inbox.messages == []


async def test_a_zoom_connection_to_reconnect_mails_the_admins_and_its_person_once(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    await _directory(factory)
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    delivered = Envelope.for_proto(
        "zoom.connection.needs_reauthorization",
        cev.ZoomConnectionNeedsReauthorization(
            tenant_id="default", user_id="teacher-1", reason="refresh_refused"
        ),
    )
    await consumer(delivered)
    await consumer(delivered)
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 3
    by_address = {rcpts[0]: message for rcpts, message in inbox.messages}
    assert sorted(by_address) == ["abe@school.test", "ada@school.test", "tara@school.test"]
    own = by_address["tara@school.test"].get_payload(decode=True).decode()
    assert own.startswith("Your Zoom connection must be authorized again")
    admins = by_address["ada@school.test"].get_payload(decode=True).decode()
    assert "The Zoom connection of teacher-1" in admins
    assert by_address["ada@school.test"]["Subject"] == "Zoom connection to reconnect: teacher-1"


async def test_an_outgoing_webhook_endpoint_disabled_mails_the_admins_once(
    factory: async_sessionmaker[AsyncSession], smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    await _directory(factory)
    consumer = NoticeConsumer(name="scheduler-notices", uow=uows(factory))
    delivered = Envelope.for_proto(
        "webhook_endpoint.disabled",
        owh.WebhookEndpointDisabled(
            endpoint_id="ep-1",
            url="https://lms.school.test/hooks",
            reason="no delivery succeeded for 5 days",
            tenant_id="default",
        ),
    )
    await consumer(delivered)
    await consumer(delivered)
    senders = notices.Senders("Classbridge <no-reply@classbridge.test>", {})
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}")
    assert await notices.send_due(uows(factory), mailer, senders=senders) == 2
    assert sorted(r for rcpts, _ in inbox.messages for r in rcpts) == [
        "abe@school.test",
        "ada@school.test",
    ]
    _, message = inbox.messages[0]
    assert message["Subject"] == "Webhook endpoint disabled: https://lms.school.test/hooks"
    assert "no delivery succeeded for 5 days" in message.get_payload(decode=True).decode()
