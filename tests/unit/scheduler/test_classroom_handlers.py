"""What happens in a session (service_layer/classroom.py): participants, interactions, shared
resources, recorded lessons, the batch's sync overview (attendance: test_attendance_handlers)."""

from __future__ import annotations

from typing import Any

import pytest

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from scheduler.domain import commands
from scheduler.domain.model import (
    BatchType,
    InteractionType,
    Interval,
    LessonSource,
    ParticipantRole,
    ParticipantStatus,
    RecordingSync,
    ResourceType,
    SessionStatus,
)
from scheduler.service_layer import classroom
from tests.unit.scheduler.builders import (
    ACME_ADMIN,
    ADMIN_1,
    CO_TEACHER,
    STRANGER,
    STUDENT_1,
    TEACHER_1,
    TEACHER_2,
    a_meeting,
    acting,
    at,
    ids,
    nothing_stored,
    page,
    seed_batch,
    seed_enrollment,
    seed_lesson,
    seed_participant,
    seed_session,
)
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase

# ---- Participants ----


async def seat_the_class(db: FakeDatabase, school: School) -> dict[str, Any]:
    """Asha (enrolled) 0-30 and 40-85; a guest 5-20; the host, still in the meeting."""
    asha = await seed_participant(
        db,
        school.s1,
        display_name="Asha",
        user_id="student-1",
        enrolled=True,
        intervals=[Interval("a1", at(0), at(30)), Interval("a2", at(40), at(85))],
    )
    guest = await seed_participant(
        db, school.s1, display_name="Guest", intervals=[Interval("g1", at(5), at(20))]
    )
    host = await seed_participant(
        db,
        school.s1,
        display_name="Teacher",
        user_id="teacher-1",
        role=ParticipantRole.HOST,
        intervals=[Interval("h1", at(0))],
    )
    return {"asha": asha, "guest": guest, "host": host}


async def test_list_participants_with_their_attendance(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    people = await seat_the_class(db, school)
    clock.now = at(90)
    views, total = await classroom.list_participants(
        school.s1.id, role=None, status=None, page=page(), now=clock, **acting(db, TEACHER_1)
    )
    assert total == 3
    by_name = {v.participant.display_name: v for v in views}
    assert (by_name["Asha"].minutes_attended, by_name["Asha"].attendance_percentage) == (75, 83.33)
    assert by_name["Guest"].minutes_attended == 15
    assert by_name["Teacher"].minutes_attended == 90  # still in: counted up to now
    assert ids(v.participant for v in views) == [p.id for p in people.values()]

    async def names(**filters: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {"role": None, "status": None, "page": page()} | filters
        found, count = await classroom.list_participants(
            school.s1.id, now=clock, **args, **acting(db, ADMIN_1)
        )
        return [v.participant.display_name for v in found], count

    assert await names(role=ParticipantRole.HOST) == (["Teacher"], 1)
    assert await names(status=ParticipantStatus.LEFT) == (["Asha", "Guest"], 2)
    assert await names(status=ParticipantStatus.JOINED, role=ParticipantRole.PARTICIPANT) == ([], 0)
    assert await names(page=page(offset=1, limit=1)) == (["Guest"], 3)


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_only_who_manages_the_session_lists_participants(
    db: FakeDatabase, school: School, caller: Caller, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await classroom.list_participants(
            school.s1.id, role=None, status=None, page=page(), **acting(db, caller)
        )


async def test_update_participant_changes_role_and_hand(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    people = await seat_the_class(db, school)
    guest = people["guest"]
    view = await classroom.update_participant(
        commands.UpdateParticipant(
            session_id=school.s1.id,
            participant_id=guest.id,
            changes={"role": ParticipantRole.CO_HOST, "raised_hand": True},
        ),
        now=clock,
        **acting(db, CO_TEACHER),
    )
    stored = db.get("participants", guest.id)
    assert (stored.role, stored.raised_hand, stored.enrolled) == (
        ParticipantRole.CO_HOST,
        True,
        False,
    )
    assert view.participant == stored
    assert db.tables["participants"][guest.id].extra == {"create_time": at(1)}


async def test_naming_a_participants_user_decides_whether_they_are_enrolled(
    db: FakeDatabase, school: School
) -> None:
    people = await seat_the_class(db, school)
    solo = await seed_batch(db, school.c1, type=BatchType.INDIVIDUAL, student_id="student-7")
    private = await seed_session(db, solo)
    alone = await seed_participant(db, private, display_name="Solo")

    async def named(session_id: str, participant_id: str, user: str) -> bool:
        view = await classroom.update_participant(
            commands.UpdateParticipant(
                session_id=session_id, participant_id=participant_id, changes={"user_id": user}
            ),
            **acting(db, TEACHER_1),
        )
        assert db.get("participants", participant_id).enrolled is view.participant.enrolled
        return view.participant.enrolled

    guest = people["guest"].id
    assert await named(school.s1.id, guest, "student-1") is True  # enrolled in b1
    assert await named(school.s1.id, guest, "student-9") is False  # enrolled elsewhere
    assert await named(school.s1.id, guest, "") is False
    assert await named(private.id, alone.id, "student-7") is True  # the batch's one student


async def test_update_participant_refusals(db: FakeDatabase, school: School) -> None:
    people = await seat_the_class(db, school)
    elsewhere = await seed_participant(db, school.s2)
    guest = people["guest"].id
    cases = [
        (school.s1.id, guest, {}, TEACHER_1, InvalidArgument),
        (school.s1.id, guest, {"display_name": "x"}, TEACHER_1, InvalidArgument),
        (school.s1.id, guest, {"shared_screen": True, "role": None}, TEACHER_1, InvalidArgument),
        ("", guest, {"raised_hand": True}, TEACHER_1, InvalidArgument),
        (school.s1.id, "nobody", {"raised_hand": True}, TEACHER_1, NotFound),
        (school.s1.id, elsewhere.id, {"raised_hand": True}, ADMIN_1, NotFound),
        (school.s1.id, guest, {"raised_hand": True}, TEACHER_2, PermissionDenied),
        (school.s1.id, guest, {"raised_hand": True}, STUDENT_1, PermissionDenied),
    ]
    for session_id, participant_id, changes, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await classroom.update_participant(
                commands.UpdateParticipant(
                    session_id=session_id, participant_id=participant_id, changes=changes
                ),
                **acting(db, caller),
            )


# ---- Interactions ----


def chat(session_id: str, content: str = "hello", **values: Any) -> commands.CreateInteraction:
    """A chat message unless ``type`` says otherwise."""
    return commands.CreateInteraction(
        session_id=session_id,
        type=values.pop("type", InteractionType.CHAT),
        content=content,
        **values,
    )


async def test_a_student_asks_anonymously_and_stays_hidden_from_classmates(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await seed_enrollment(db, school.b1, "student-2")
    classmate = Caller(subject="student-2", roles=STUDENT_1.roles, tenant="default")
    asked = await classroom.create_interaction(
        chat(school.s1.id, "Why?", type=InteractionType.QUESTION, anonymous=True, request_id="q1"),
        now=clock,
        **acting(db, STUDENT_1),
    )
    assert (asked.author_id, asked.author_display_name, asked.create_time) == (
        "student-1",
        "Anonymous",
        clock(),
    )
    assert db.get("interactions", asked.id) == asked
    with nothing_stored(db):
        again = await classroom.create_interaction(
            chat(
                school.s1.id, "Why?", type=InteractionType.QUESTION, anonymous=True, request_id="q1"
            ),
            **acting(db, STUDENT_1),
        )
    assert (again.id, again.author_id) == (asked.id, "student-1")

    async def seen_by(caller: Caller) -> list[str]:
        items, _ = await classroom.list_interactions(
            school.s1.id, types=(), since=None, page=page(), **acting(db, caller)
        )
        return [i.author_id for i in items]

    assert await seen_by(classmate) == [""]
    assert await seen_by(STUDENT_1) == ["student-1"]
    assert await seen_by(TEACHER_1) == ["student-1"]
    assert await seen_by(ADMIN_1) == ["student-1"]


async def test_list_interactions_filters_by_type_and_time(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    made = []
    for kind in (InteractionType.CHAT, InteractionType.QUESTION, InteractionType.CHAT):
        clock.advance(minutes=1)
        made.append(
            await classroom.create_interaction(
                chat(school.s1.id, type=kind), now=clock, **acting(db, TEACHER_1)
            )
        )

    async def listed(**filters: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {"types": (), "since": None, "page": page()} | filters
        items, total = await classroom.list_interactions(
            school.s1.id, **args, **acting(db, STUDENT_1)
        )
        return ids(items), total

    assert await listed() == (ids(made), 3)
    assert await listed(types=(InteractionType.CHAT,)) == ([made[0].id, made[2].id], 2)
    assert await listed(since=made[0].create_time) == ([made[1].id, made[2].id], 2)
    assert await listed(page=page(offset=2)) == ([made[2].id], 3)


async def test_replies_and_poll_responses(db: FakeDatabase, school: School) -> None:
    question = await classroom.create_interaction(
        chat(school.s1.id, type=InteractionType.QUESTION), **acting(db, STUDENT_1)
    )
    reply = await classroom.create_interaction(
        chat(school.s1.id, "Because", reply_to_id=question.id, author_display_name="T"),
        **acting(db, TEACHER_1),
    )
    assert (reply.reply_to_id, reply.author_display_name) == (question.id, "T")
    vote = await classroom.create_interaction(
        chat(
            school.s1.id,
            "B",
            type=InteractionType.POLL_RESPONSE,
            poll_id="p1",
            poll_question_id="q",
        ),
        **acting(db, STUDENT_1),
    )
    assert (vote.poll_id, vote.poll_question_id) == ("p1", "q")


async def test_create_interaction_refusals(db: FakeDatabase, school: School) -> None:
    cancelled = await seed_session(db, school.b1, status=SessionStatus.CANCELLED)
    other = await classroom.create_interaction(chat(school.s2.id), **acting(db, TEACHER_2))
    cases = [
        (chat(school.s1.id, type=None), STUDENT_1, InvalidArgument),
        (chat(school.s1.id, "   "), STUDENT_1, InvalidArgument),
        (chat(school.s1.id, "x" * 10_001), STUDENT_1, InvalidArgument),
        (chat(school.s1.id, reply_to_id="missing"), STUDENT_1, InvalidArgument),
        (chat(school.s1.id, reply_to_id=other.id), STUDENT_1, InvalidArgument),
        (chat(school.s1.id, type=InteractionType.POLL_RESPONSE), STUDENT_1, InvalidArgument),
        (chat(cancelled.id), STUDENT_1, FailedPrecondition),
        (chat(school.s1.id), STRANGER, PermissionDenied),
        (chat(school.s1.id), TEACHER_2, PermissionDenied),
        (chat(school.s3.id), ADMIN_1, NotFound),
        (chat(""), ADMIN_1, InvalidArgument),
    ]
    for cmd, caller, error in cases:
        with nothing_stored(db), pytest.raises(error):
            await classroom.create_interaction(cmd, **acting(db, caller))


# ---- Shared resources ----


def resource(session_id: str, **values: Any) -> commands.CreateSharedResource:
    """A valid link to share, changed by ``values`` to make it invalid."""
    return commands.CreateSharedResource(
        session_id=session_id,
        type=values.pop("type", ResourceType.LINK),
        title=values.pop("title", " Slides "),
        url=values.pop("url", "https://example.org/slides"),
        **values,
    )


async def test_sharing_listing_and_deleting_resources(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    mine = await classroom.create_shared_resource(
        resource(school.s1.id, request_id="r1", description="Week 1"),
        now=clock,
        **acting(db, STUDENT_1),
    )
    assert (mine.title, mine.shared_by, mine.shared_at) == ("Slides", "student-1", clock())
    assert db.get("shared_resources", mine.id) == mine
    with nothing_stored(db):
        again = await classroom.create_shared_resource(
            resource(school.s1.id, request_id="r1"), **acting(db, STUDENT_1)
        )
    assert again.id == mine.id
    clock.advance(minutes=1)
    slides = await classroom.create_shared_resource(
        resource(school.s1.id, type=ResourceType.SLIDES, url="", storage_key="files/deck.pdf"),
        now=clock,
        **acting(db, TEACHER_1),
    )

    async def listed(caller: Caller = STUDENT_1, **filters: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {"type": None, "shared_by": "", "page": page()} | filters
        items, total = await classroom.list_shared_resources(
            school.s1.id, **args, **acting(db, caller)
        )
        return ids(items), total

    assert await listed() == ([mine.id, slides.id], 2)
    assert await listed(type=ResourceType.SLIDES) == ([slides.id], 1)
    assert await listed(shared_by="student-1") == ([mine.id], 1)
    assert await listed(TEACHER_1, page=page(offset=1)) == ([slides.id], 2)
    with pytest.raises(PermissionDenied):
        await listed(STRANGER)

    # A student deletes only what they shared; the teacher anything.
    classmate = Caller(subject="student-2", roles=STUDENT_1.roles, tenant="default")
    await seed_enrollment(db, school.b1, "student-2")
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await classroom.delete_shared_resource(
            commands.DeleteSharedResource(resource_id=slides.id), **acting(db, classmate)
        )
    await classroom.delete_shared_resource(
        commands.DeleteSharedResource(resource_id=mine.id), **acting(db, STUDENT_1)
    )
    await classroom.delete_shared_resource(
        commands.DeleteSharedResource(resource_id=slides.id), **acting(db, CO_TEACHER)
    )
    assert db.count("shared_resources") == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"type": None}, "resource.type"),
        ({"title": ""}, "resource.title"),
        ({"url": ""}, "resource.location"),
        ({"url": "ftp://example.org/x"}, "resource.url"),
        ({"url": "https://"}, "resource.url"),
    ],
)
async def test_create_shared_resource_refuses_bad_input(
    db: FakeDatabase, school: School, values: dict[str, Any], field: str
) -> None:
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await classroom.create_shared_resource(
            resource(school.s1.id, **values), **acting(db, ADMIN_1)
        )
    assert error.value.violations[0].field == field


async def test_shared_resource_refusals(db: FakeDatabase, school: School) -> None:
    acme = await classroom.create_shared_resource(resource(school.s3.id), **acting(db, ACME_ADMIN))
    with nothing_stored(db):
        with pytest.raises(PermissionDenied):
            await classroom.create_shared_resource(resource(school.s1.id), **acting(db, STRANGER))
        with pytest.raises(NotFound):
            await classroom.create_shared_resource(resource(school.s3.id), **acting(db, ADMIN_1))
        for resource_id in ("", "missing", acme.id):
            with pytest.raises(NotFound):
                await classroom.delete_shared_resource(
                    commands.DeleteSharedResource(resource_id=resource_id), **acting(db, ADMIN_1)
                )


# ---- Recorded lessons ----


def lesson(session_id: str, **values: Any) -> commands.AddRecordedLesson:
    """A valid external-link lesson, changed by ``values`` to make it invalid."""
    return commands.AddRecordedLesson(
        session_id=session_id,
        title=values.pop("title", "Week 1"),
        source=values.pop("source", LessonSource.EXTERNAL_LINK),
        external_url=values.pop("external_url", "https://video.example/1"),
        **values,
    )


async def test_adding_listing_and_deleting_lessons(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    link = await classroom.add_recorded_lesson(
        lesson(school.s1.id, request_id="l1"), now=clock, **acting(db, TEACHER_1)
    )
    assert db.get("recorded_lessons", link.id) == link
    assert link.create_time == clock()
    with nothing_stored(db):
        again = await classroom.add_recorded_lesson(
            lesson(school.s1.id, request_id="l1"), **acting(db, TEACHER_1)
        )
    assert again.id == link.id
    clock.advance(minutes=1)
    upload = await classroom.add_recorded_lesson(
        lesson(
            school.s1.id,
            source=LessonSource.MANUAL_UPLOAD,
            external_url="",
            recording_id="rec-9",
            recording_file_id="f-9",
            file_size_bytes=10,
            duration_seconds=60,
        ),
        now=clock,
        **acting(db, ADMIN_1),
    )
    assert [p.file_id for p in upload.parts] == ["f-9"]
    synced = await seed_lesson(db, school.s1, source=LessonSource.ZOOM_AUTO_SYNC)

    async def listed(caller: Caller = STUDENT_1, **filters: Any) -> tuple[list[str], int]:
        args: dict[str, Any] = {"source": None, "page": page()} | filters
        items, total = await classroom.list_recorded_lessons(
            school.s1.id, **args, **acting(db, caller)
        )
        return ids(items), total

    assert await listed() == ([link.id, upload.id, synced.id], 3)
    assert await listed(source=LessonSource.MANUAL_UPLOAD) == ([upload.id], 1)
    with pytest.raises(PermissionDenied):
        await listed(STRANGER)

    with nothing_stored(db), pytest.raises(FailedPrecondition, match="DeleteRecording"):
        await classroom.delete_recorded_lesson(
            commands.DeleteRecordedLesson(recorded_lesson_id=synced.id), **acting(db, TEACHER_1)
        )
    with nothing_stored(db), pytest.raises(PermissionDenied):
        await classroom.delete_recorded_lesson(
            commands.DeleteRecordedLesson(recorded_lesson_id=link.id), **acting(db, STUDENT_1)
        )
    await classroom.delete_recorded_lesson(
        commands.DeleteRecordedLesson(recorded_lesson_id=link.id), **acting(db, TEACHER_1)
    )
    assert await listed() == ([upload.id, synced.id], 2)
    for missing in ("", "nope"):
        with pytest.raises(NotFound):
            await classroom.delete_recorded_lesson(
                commands.DeleteRecordedLesson(recorded_lesson_id=missing), **acting(db, ADMIN_1)
            )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "recorded_lesson.title"),
        ({"source": None}, "recorded_lesson.source"),
        ({"source": LessonSource.ZOOM_AUTO_SYNC}, "recorded_lesson.source"),
        ({"source": LessonSource.MANUAL_UPLOAD}, "recorded_lesson.recording_id"),
        ({"external_url": "http://video.example/1"}, "recorded_lesson.external_url"),
        ({"external_url": ""}, "recorded_lesson.external_url"),
    ],
)
async def test_add_recorded_lesson_refuses_bad_input(
    db: FakeDatabase, school: School, values: dict[str, Any], field: str
) -> None:
    with nothing_stored(db), pytest.raises(InvalidArgument) as error:
        await classroom.add_recorded_lesson(lesson(school.s1.id, **values), **acting(db, ADMIN_1))
    assert error.value.violations[0].field == field


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_only_who_manages_the_session_adds_lessons(
    db: FakeDatabase, school: School, caller: Caller, error: type[Exception]
) -> None:
    with nothing_stored(db), pytest.raises(error):
        await classroom.add_recorded_lesson(lesson(school.s1.id), **acting(db, caller))


# ---- Batch sync status ----


async def test_batch_sync_status_counts_meetings_syncs_and_recordings(
    db: FakeDatabase, school: School
) -> None:
    synced = school.s1
    async with db.uow(tenant="default") as uow:
        stored = await uow.sessions.get(synced.id)
        stored.recording_sync = RecordingSync(synced=True, last_sync_time=at(120))
        await uow.commit()
    waiting = await seed_session(
        db, school.b1, start=at(60 * 24), meeting=a_meeting(81_000_000_020)
    )
    await seed_session(db, school.b1, start=at(60 * 48))  # no meeting
    await seed_session(
        db, school.b1, status=SessionStatus.CANCELLED, meeting=a_meeting(81_000_000_021)
    )
    await seed_lesson(db, synced, source=LessonSource.ZOOM_AUTO_SYNC)
    await seed_lesson(db, synced, source=LessonSource.ZOOM_AUTO_SYNC)
    await seed_lesson(db, waiting, source=LessonSource.EXTERNAL_LINK)
    status = await classroom.batch_sync_status(
        school.b1.id, page=page(limit=2), **acting(db, TEACHER_1)
    )
    assert (status.batch_name, status.course_title, status.batch_type) == (
        "Morning",
        "JavaScript",
        BatchType.GROUP,
    )
    assert (status.total_sessions, status.sessions_with_zoom_meetings, status.synced_sessions) == (
        3,
        2,
        1,
    )
    assert (status.total_zoom_recordings, status.sync_percentage, status.total_rows) == (2, 50.0, 3)
    assert [r.session.id for r in status.rows] == [synced.id, waiting.id]
    assert status.rows[0].lessons == {LessonSource.ZOOM_AUTO_SYNC: 2}
    assert status.rows[1].lessons == {LessonSource.EXTERNAL_LINK: 1}


async def test_batch_sync_status_of_a_batch_without_meetings(
    db: FakeDatabase, school: School
) -> None:
    status = await classroom.batch_sync_status(school.b2.id, page=page(), **acting(db, ADMIN_1))
    assert (status.sessions_with_zoom_meetings, status.sync_percentage) == (0, 0.0)


@pytest.mark.parametrize(
    ("caller", "error"),
    [(STUDENT_1, PermissionDenied), (TEACHER_2, PermissionDenied), (ACME_ADMIN, NotFound)],
)
async def test_batch_sync_status_refusals(
    db: FakeDatabase, school: School, caller: Caller, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await classroom.batch_sync_status(school.b1.id, page=page(), **acting(db, caller))
