"""UpdateParticipant, the shared-resource calls (Create/List/DeleteSharedResource) and
AddRecordedLesson / DeleteRecordedLesson through the real gRPC API: what they do and return,
NOT_FOUND for unknown ids and another school's, who may call them, and the errors for bad
input."""

from __future__ import annotations

import grpc
from google.protobuf.duration_pb2 import Duration

from classbridge.common.v1 import common_pb2
from classbridge.events.v1 import recording_events_pb2 as rec
from classbridge.scheduler.v1 import scheduler_pb2 as pb
from tests.service.scheduler.rpc_support import UNKNOWN_ID, a_class, code_of, error_of, join, start
from tests.service.scheduler.tenancy_scenario import deliver, mask, stamp

NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
OK = grpc.StatusCode.OK


# ---- UpdateParticipant ----


def participant_update(
    person: pb.Participant, *paths: str, **fields
) -> pb.UpdateParticipantRequest:
    return pb.UpdateParticipantRequest(
        participant=pb.Participant(id=person.id, session_id=person.session_id, **fields),
        update_mask=mask(*paths),
    )


async def test_update_participant_changes_role_and_live_flags(harness) -> None:
    c = await a_class(harness)
    await start(harness, c.session)
    guest = await join(harness, c.session, "p-1", "Guest One")
    assert (guest.role, guest.raised_hand, guest.shared_screen) == (
        pb.PARTICIPANT_ROLE_PARTICIPANT,
        False,
        False,
    )
    stub, meta = harness.stub, harness.as_("teacher")
    updated = await stub.UpdateParticipant(
        participant_update(
            guest,
            "role",
            "raised_hand",
            role=pb.PARTICIPANT_ROLE_CO_HOST,
            raised_hand=True,
            shared_screen=True,  # not in the mask: stays
        ),
        metadata=meta,
    )
    assert (updated.id, updated.session_id, updated.display_name) == (
        guest.id,
        c.session.id,
        "Guest One",
    )
    assert (updated.role, updated.raised_hand, updated.shared_screen) == (
        pb.PARTICIPANT_ROLE_CO_HOST,
        True,
        False,
    )
    assert updated.status == pb.PARTICIPANT_STATUS_JOINED
    assert [i.participant_uuid for i in updated.intervals] == ["p-1"]
    assert updated.first_join_time == stamp(1)
    listed = await stub.ListParticipants(
        pb.ListParticipantsRequest(session_id=c.session.id), metadata=meta
    )
    # the other record is the teacher's host record, made with the session (seed 001)
    [seen] = [p for p in listed.participants if p.id == guest.id]
    assert (seen.role, seen.raised_hand, seen.shared_screen) == (
        pb.PARTICIPANT_ROLE_CO_HOST,
        True,
        False,
    )


async def test_update_participant_user_id_decides_enrolled(harness) -> None:
    c = await a_class(harness)
    await start(harness, c.session)
    guest = await join(harness, c.session, "p-1", "Guest One")
    assert not guest.enrolled
    stub, meta = harness.stub, harness.as_("admin")
    matched = await stub.UpdateParticipant(
        participant_update(guest, "user_id", user_id="student-1"), metadata=meta
    )
    assert (matched.user_id, matched.enrolled) == ("student-1", True)
    report = await stub.GetAttendanceReport(
        pb.GetAttendanceReportRequest(session_id=c.session.id), metadata=meta
    )
    assert (report.enrolled_count, report.guest_count) == (1, 0)
    stranger = await stub.UpdateParticipant(
        participant_update(guest, "user_id", user_id="student-9"), metadata=meta
    )
    assert (stranger.user_id, stranger.enrolled) == ("student-9", False)
    cleared = await stub.UpdateParticipant(participant_update(guest, "user_id"), metadata=meta)
    assert (cleared.user_id, cleared.enrolled) == ("", False)


async def test_update_participant_not_found_roles_and_bad_input(harness) -> None:
    c = await a_class(harness)
    await start(harness, c.session)
    guest = await join(harness, c.session, "p-1", "Guest One")
    other = await a_class(harness)  # another class of the same school, same teacher
    stub = harness.stub
    raise_hand = participant_update(guest, "raised_hand", raised_hand=True)

    def on(session_id: str, participant_id: str = guest.id) -> pb.UpdateParticipantRequest:
        return pb.UpdateParticipantRequest(
            participant=pb.Participant(id=participant_id, session_id=session_id, raised_hand=True),
            update_mask=mask("raised_hand"),
        )

    admin = harness.as_("admin")
    codes = {
        "unknown participant": await code_of(
            stub.UpdateParticipant(on(c.session.id, UNKNOWN_ID), metadata=admin)
        ),
        "unknown session": await code_of(stub.UpdateParticipant(on(UNKNOWN_ID), metadata=admin)),
        "participant of another session": await code_of(
            stub.UpdateParticipant(on(other.session.id), metadata=admin)
        ),
        "other school": await code_of(
            stub.UpdateParticipant(raise_hand, metadata=harness.as_("acme-admin"))
        ),
        "student": await code_of(
            stub.UpdateParticipant(raise_hand, metadata=harness.as_("student"))
        ),
        "other teacher": await code_of(
            stub.UpdateParticipant(raise_hand, metadata=harness.as_("other-teacher"))
        ),
        "no id": await code_of(
            stub.UpdateParticipant(
                pb.UpdateParticipantRequest(
                    participant=pb.Participant(session_id=c.session.id),
                    update_mask=mask("raised_hand"),
                ),
                metadata=admin,
            )
        ),
        "no session id": await code_of(stub.UpdateParticipant(on(""), metadata=admin)),
        "empty mask": await code_of(
            stub.UpdateParticipant(participant_update(guest), metadata=admin)
        ),
        "unknown path": await code_of(
            stub.UpdateParticipant(
                participant_update(guest, "display_name", display_name="x"), metadata=admin
            )
        ),
        "unspecified role": await code_of(
            stub.UpdateParticipant(participant_update(guest, "role"), metadata=admin)
        ),
    }
    assert codes == {
        "unknown participant": NOT_FOUND,
        "unknown session": NOT_FOUND,
        "participant of another session": NOT_FOUND,
        "other school": NOT_FOUND,
        "student": DENIED,
        "other teacher": DENIED,
        "no id": INVALID,
        "no session id": INVALID,
        "empty mask": INVALID,
        "unknown path": INVALID,
        "unspecified role": INVALID,
    }
    [seen] = [
        p
        for p in (
            await stub.ListParticipants(
                pb.ListParticipantsRequest(session_id=c.session.id), metadata=admin
            )
        ).participants
        if p.role != pb.PARTICIPANT_ROLE_HOST  # not the teacher's host record (seed 001)
    ]
    assert (seen.raised_hand, seen.role, seen.display_name) == (
        False,
        pb.PARTICIPANT_ROLE_PARTICIPANT,
        "Guest One",
    )


# ---- Shared resources ----


def link(title: str = "Slides", url: str = "https://example.org/slides") -> pb.SharedResource:
    return pb.SharedResource(type=pb.RESOURCE_TYPE_LINK, title=title, url=url)


async def test_shared_resources_are_added_listed_and_removed(harness) -> None:
    c = await a_class(harness)
    stub, teacher = harness.stub, harness.as_("teacher")
    first = await stub.CreateSharedResource(
        pb.CreateSharedResourceRequest(
            request_id="share-1",
            session_id=c.session.id,
            resource=pb.SharedResource(
                type=pb.RESOURCE_TYPE_LINK,
                title="  Reading list  ",
                description="for next week",
                url="https://example.org/reading",
            ),
        ),
        metadata=teacher,
    )
    assert first.id
    assert (first.session_id, first.type, first.title, first.description) == (
        c.session.id,
        pb.RESOURCE_TYPE_LINK,
        "Reading list",
        "for next week",
    )
    assert (first.WhichOneof("location"), first.url) == ("url", "https://example.org/reading")
    assert (first.shared_by, first.HasField("shared_at")) == ("teacher-1", True)
    again = await stub.CreateSharedResource(
        pb.CreateSharedResourceRequest(
            request_id="share-1", session_id=c.session.id, resource=link("other")
        ),
        metadata=teacher,
    )
    assert (again.id, again.title) == (first.id, "Reading list")
    slides = await stub.CreateSharedResource(
        pb.CreateSharedResourceRequest(
            session_id=c.session.id,
            resource=pb.SharedResource(
                type=pb.RESOURCE_TYPE_SLIDES, title="Deck", storage_key="uploads/deck.pdf"
            ),
        ),
        metadata=harness.as_("admin"),
    )
    assert (slides.WhichOneof("location"), slides.storage_key, slides.shared_by) == (
        "storage_key",
        "uploads/deck.pdf",
        "admin-1",
    )

    # The enrolled student reads them, oldest first, filtered and paged.
    student = harness.as_("student")
    listed = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=c.session.id), metadata=student
    )
    assert [r.id for r in listed.resources] == [first.id, slides.id]
    assert listed.total_size == 2
    by_type = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=c.session.id, type=pb.RESOURCE_TYPE_SLIDES),
        metadata=student,
    )
    assert [r.id for r in by_type.resources] == [slides.id]
    by_sharer = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=c.session.id, shared_by="teacher-1"),
        metadata=student,
    )
    assert [r.id for r in by_sharer.resources] == [first.id]
    page_one = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=c.session.id, page_size=1), metadata=student
    )
    assert [r.id for r in page_one.resources] == [first.id]
    assert page_one.next_page_token
    page_two = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(
            session_id=c.session.id, page_size=1, page_token=page_one.next_page_token
        ),
        metadata=student,
    )
    assert [r.id for r in page_two.resources] == [slides.id]
    assert not page_two.next_page_token

    # The teacher removes the admin's, the sharer their own.
    await stub.DeleteSharedResource(
        pb.DeleteSharedResourceRequest(resource_id=slides.id), metadata=teacher
    )
    await stub.DeleteSharedResource(
        pb.DeleteSharedResourceRequest(resource_id=first.id), metadata=teacher
    )
    left = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=c.session.id), metadata=teacher
    )
    assert (list(left.resources), left.total_size) == ([], 0)
    gone = await code_of(
        stub.DeleteSharedResource(
            pb.DeleteSharedResourceRequest(resource_id=first.id), metadata=teacher
        )
    )
    assert gone is NOT_FOUND


async def test_create_shared_resource_refuses_bad_input(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    s = c.session.id
    bad = {
        "no type": pb.CreateSharedResourceRequest(
            session_id=s, resource=pb.SharedResource(title="x", url="https://example.org/x")
        ),
        "blank title": pb.CreateSharedResourceRequest(session_id=s, resource=link(title="  ")),
        "no location": pb.CreateSharedResourceRequest(
            session_id=s, resource=pb.SharedResource(type=pb.RESOURCE_TYPE_LINK, title="x")
        ),
        "not http": pb.CreateSharedResourceRequest(
            session_id=s, resource=link(url="ftp://example.org/x")
        ),
        "no host": pb.CreateSharedResourceRequest(session_id=s, resource=link(url="https:///x")),
        "no session": pb.CreateSharedResourceRequest(resource=link()),
    }
    codes = {
        name: await code_of(stub.CreateSharedResource(r, metadata=meta)) for name, r in bad.items()
    }
    assert codes == dict.fromkeys(bad, INVALID)
    listed = await stub.ListSharedResources(
        pb.ListSharedResourcesRequest(session_id=s), metadata=meta
    )
    assert list(listed.resources) == []


async def test_shared_resources_not_found_and_roles(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub
    resource = await stub.CreateSharedResource(
        pb.CreateSharedResourceRequest(session_id=c.session.id, resource=link()),
        metadata=harness.as_("teacher"),
    )
    create = pb.CreateSharedResourceRequest(session_id=c.session.id, resource=link("more"))
    listing = pb.ListSharedResourcesRequest(session_id=c.session.id)
    delete = pb.DeleteSharedResourceRequest(resource_id=resource.id)
    admin = harness.as_("admin")
    codes = {
        "create: unknown session": await code_of(
            stub.CreateSharedResource(
                pb.CreateSharedResourceRequest(session_id=UNKNOWN_ID, resource=link()),
                metadata=admin,
            )
        ),
        "list: unknown session": await code_of(
            stub.ListSharedResources(
                pb.ListSharedResourcesRequest(session_id=UNKNOWN_ID), metadata=admin
            )
        ),
        "list: no session": await code_of(
            stub.ListSharedResources(pb.ListSharedResourcesRequest(), metadata=admin)
        ),
        "delete: unknown id": await code_of(
            stub.DeleteSharedResource(
                pb.DeleteSharedResourceRequest(resource_id=UNKNOWN_ID), metadata=admin
            )
        ),
        "delete: no id": await code_of(
            stub.DeleteSharedResource(pb.DeleteSharedResourceRequest(), metadata=admin)
        ),
        "create: other school": await code_of(
            stub.CreateSharedResource(create, metadata=harness.as_("acme-admin"))
        ),
        "list: other school": await code_of(
            stub.ListSharedResources(listing, metadata=harness.as_("acme-admin"))
        ),
        "delete: other school": await code_of(
            stub.DeleteSharedResource(delete, metadata=harness.as_("acme-admin"))
        ),
        "create: student": await code_of(
            stub.CreateSharedResource(create, metadata=harness.as_("student"))
        ),
        "delete: student": await code_of(
            stub.DeleteSharedResource(delete, metadata=harness.as_("student"))
        ),
        "list: student not enrolled": await code_of(
            stub.ListSharedResources(listing, metadata=harness.as_("stranger"))
        ),
        "create: other teacher": await code_of(
            stub.CreateSharedResource(create, metadata=harness.as_("other-teacher"))
        ),
        "list: other teacher": await code_of(
            stub.ListSharedResources(listing, metadata=harness.as_("other-teacher"))
        ),
        "delete: other teacher": await code_of(
            stub.DeleteSharedResource(delete, metadata=harness.as_("other-teacher"))
        ),
        "list: enrolled student": await code_of(
            stub.ListSharedResources(listing, metadata=harness.as_("student"))
        ),
    }
    assert codes == {
        "create: unknown session": NOT_FOUND,
        "list: unknown session": NOT_FOUND,
        "list: no session": INVALID,
        "delete: unknown id": NOT_FOUND,
        "delete: no id": NOT_FOUND,
        "create: other school": NOT_FOUND,
        "list: other school": NOT_FOUND,
        "delete: other school": NOT_FOUND,
        "create: student": DENIED,
        "delete: student": DENIED,
        "list: student not enrolled": DENIED,
        "create: other teacher": DENIED,
        "list: other teacher": DENIED,
        "delete: other teacher": DENIED,
        "list: enrolled student": OK,
    }
    listed = await stub.ListSharedResources(listing, metadata=admin)
    assert [r.id for r in listed.resources] == [resource.id]
    # An admin of the school removes the teacher's.
    await stub.DeleteSharedResource(delete, metadata=admin)


# ---- Recorded lessons ----


async def test_add_recorded_lesson_manual_upload_and_external_link(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")
    upload = await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            request_id="upload-1",
            session_id=c.session.id,
            recorded_lesson=pb.RecordedLesson(
                title="  Lecture 1  ",
                source=common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD,
                recording_id="rec-42",
                recording_file_id="file-7",
                file_type=common_pb2.RECORDING_FILE_TYPE_MP4,
                file_size_bytes=123_456,
                duration=Duration(seconds=3_600),
            ),
        ),
        metadata=meta,
    )
    assert upload.id
    assert (upload.session_id, upload.title, upload.source) == (
        c.session.id,
        "Lecture 1",
        common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD,
    )
    assert (upload.recording_id, upload.recording_file_id, upload.external_url) == (
        "rec-42",
        "file-7",
        "",
    )
    assert (upload.file_type, upload.file_size_bytes, upload.duration.seconds) == (
        common_pb2.RECORDING_FILE_TYPE_MP4,
        123_456,
        3_600,
    )
    assert upload.HasField("create_time")
    assert not upload.HasField("zoom_recording_info")
    again = await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            request_id="upload-1",
            session_id=c.session.id,
            recorded_lesson=pb.RecordedLesson(
                title="other",
                source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
                external_url="https://example.org/other",
            ),
        ),
        metadata=meta,
    )
    assert (again.id, again.title) == (upload.id, "Lecture 1")

    linked = await stub.AddRecordedLesson(
        pb.AddRecordedLessonRequest(
            session_id=c.session.id,
            recorded_lesson=pb.RecordedLesson(
                title="Guest lecture",
                source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
                external_url="https://video.example.org/watch?v=1",
            ),
        ),
        metadata=harness.as_("admin"),
    )
    assert (linked.source, linked.external_url, linked.recording_id) == (
        common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
        "https://video.example.org/watch?v=1",
        "",
    )
    session = await stub.GetSession(pb.GetSessionRequest(session_id=c.session.id), metadata=meta)
    assert session.recorded_lesson_count == 2
    student = harness.as_("student")
    listed = await stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=c.session.id), metadata=student
    )
    assert {x.id for x in listed.recorded_lessons} == {upload.id, linked.id}
    links = await stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(
            session_id=c.session.id, source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK
        ),
        metadata=student,
    )
    assert [x.id for x in links.recorded_lessons] == [linked.id]

    # DeleteRecordedLesson removes what was added by hand.
    await stub.DeleteRecordedLesson(
        pb.DeleteRecordedLessonRequest(recorded_lesson_id=upload.id), metadata=meta
    )
    left = await stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=c.session.id), metadata=meta
    )
    assert [x.id for x in left.recorded_lessons] == [linked.id]
    again_gone = await code_of(
        stub.DeleteRecordedLesson(
            pb.DeleteRecordedLessonRequest(recorded_lesson_id=upload.id), metadata=meta
        )
    )
    assert again_gone is NOT_FOUND


async def test_add_recorded_lesson_refuses_bad_input(harness) -> None:
    c = await a_class(harness)
    stub, meta = harness.stub, harness.as_("teacher")

    def add(session_id: str = c.session.id, **fields) -> pb.AddRecordedLessonRequest:
        lesson = {"title": "Lesson", **fields}
        return pb.AddRecordedLessonRequest(
            session_id=session_id, recorded_lesson=pb.RecordedLesson(**lesson)
        )

    upload = common_pb2.RECORDING_SOURCE_MANUAL_UPLOAD
    external = common_pb2.RECORDING_SOURCE_EXTERNAL_LINK
    bad = {
        "blank title": add(title=" ", source=external, external_url="https://example.org/v"),
        "no source": add(external_url="https://example.org/v"),
        "zoom source": add(source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC, recording_id="rec-1"),
        "local folder": add(source=common_pb2.RECORDING_SOURCE_LOCAL_FOLDER, recording_id="r"),
        "upload without recording": add(source=upload),
        "link without url": add(source=external),
        "link over http": add(source=external, external_url="http://example.org/v"),
        "link without host": add(source=external, external_url="https:///v"),
        "no session": add(session_id="", source=external, external_url="https://example.org/v"),
    }
    codes = {
        name: await code_of(stub.AddRecordedLesson(r, metadata=meta)) for name, r in bad.items()
    }
    assert codes == dict.fromkeys(bad, INVALID)
    session = await stub.GetSession(pb.GetSessionRequest(session_id=c.session.id), metadata=meta)
    assert session.recorded_lesson_count == 0


async def test_recorded_lessons_not_found_and_roles(harness) -> None:
    c = await a_class(harness)
    stub = harness.stub

    def add(session_id: str) -> pb.AddRecordedLessonRequest:
        return pb.AddRecordedLessonRequest(
            session_id=session_id,
            recorded_lesson=pb.RecordedLesson(
                title="Lesson",
                source=common_pb2.RECORDING_SOURCE_EXTERNAL_LINK,
                external_url="https://example.org/v",
            ),
        )

    lesson = await stub.AddRecordedLesson(add(c.session.id), metadata=harness.as_("teacher"))
    delete = pb.DeleteRecordedLessonRequest(recorded_lesson_id=lesson.id)
    admin = harness.as_("admin")
    codes = {
        "add: unknown session": await code_of(
            stub.AddRecordedLesson(add(UNKNOWN_ID), metadata=admin)
        ),
        "add: other school": await code_of(
            stub.AddRecordedLesson(add(c.session.id), metadata=harness.as_("acme-admin"))
        ),
        "add: student": await code_of(
            stub.AddRecordedLesson(add(c.session.id), metadata=harness.as_("student"))
        ),
        "add: other teacher": await code_of(
            stub.AddRecordedLesson(add(c.session.id), metadata=harness.as_("other-teacher"))
        ),
        "delete: unknown id": await code_of(
            stub.DeleteRecordedLesson(
                pb.DeleteRecordedLessonRequest(recorded_lesson_id=UNKNOWN_ID), metadata=admin
            )
        ),
        "delete: other school": await code_of(
            stub.DeleteRecordedLesson(delete, metadata=harness.as_("acme-admin"))
        ),
        "delete: student": await code_of(
            stub.DeleteRecordedLesson(delete, metadata=harness.as_("student"))
        ),
        "delete: other teacher": await code_of(
            stub.DeleteRecordedLesson(delete, metadata=harness.as_("other-teacher"))
        ),
    }
    assert codes == {
        "add: unknown session": NOT_FOUND,
        "add: other school": NOT_FOUND,
        "add: student": DENIED,
        "add: other teacher": DENIED,
        "delete: unknown id": NOT_FOUND,
        "delete: other school": NOT_FOUND,
        "delete: student": DENIED,
        "delete: other teacher": DENIED,
    }
    listed = await stub.ListRecordedLessons(
        pb.ListRecordedLessonsRequest(session_id=c.session.id), metadata=admin
    )
    assert [x.id for x in listed.recorded_lessons] == [lesson.id]


async def test_a_zoom_synced_lesson_is_not_deleted_here(harness) -> None:
    c = await a_class(harness)
    await deliver(
        harness,
        rec.RecordingSynced(
            occurred_at=stamp(120),
            recording_id="rec-1",
            source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
            session_id=c.session.id,
            batch_id=c.batch.id,
            meeting_id=c.session.zoom_meeting.meeting_id,
            meeting_uuid="inst-1",
            attempts=1,
            files=[
                rec.SyncedFile(
                    file_id="f1",
                    zoom_file_id="z1",
                    file_type=common_pb2.RECORDING_FILE_TYPE_MP4,
                    size_bytes=10,
                    lesson_title="Zoom Recording",
                )
            ],
        ),
        "recording.synced",
    )
    meta = harness.as_("teacher")
    [lesson] = (
        await harness.stub.ListRecordedLessons(
            pb.ListRecordedLessonsRequest(session_id=c.session.id), metadata=meta
        )
    ).recorded_lessons
    assert lesson.source == common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC
    refused = await error_of(
        harness.stub.DeleteRecordedLesson(
            pb.DeleteRecordedLessonRequest(recorded_lesson_id=lesson.id), metadata=meta
        )
    )
    assert refused.code() is PRECONDITION
    assert "DeleteRecording" in (refused.details() or "")
