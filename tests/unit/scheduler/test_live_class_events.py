"""What Zoom reports from inside a running class (service_layer/live_events.py): role changes,
screen sharing and breakout rooms, applied the way the consumer applies them, duplicates and
out-of-order deliveries included; and the consumer routes their five routing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from classbridge.events.v1 import zoom_events_pb2 as zoom_pb
from classbridge_common.messages import Envelope
from scheduler.domain import commands
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.model import ENDED_WITH_MEETING, Interval, Participant, ParticipantRole
from scheduler.entrypoints import consumers
from scheduler.entrypoints.consumers import ROUTES, Consumer
from scheduler.service_layer import attendance, lifecycle, live_events
from tests.unit.scheduler.builders import TEACHER_1, acting, at, seed_participant
from tests.unit.scheduler.conftest import School
from tests.unit.scheduler.fakes import FakeClock, FakeDatabase, FakeUnitOfWork
from tests.unit.scheduler.test_lifecycle_handlers import (
    MEETING,
    apply,
    ended,
    joined,
    left,
    nothing_changed,
    started,
)

ROOM = "room-1"
ASHA = ZoomIdentity(participant_uuid="p-1", customer_key="student-1", name="Asha")


def people(db: FakeDatabase) -> list[Participant]:
    return [r.obj for r in db.rows("participants")]


def only(db: FakeDatabase) -> Participant:
    [person] = people(db)
    return person


def role_change(
    minutes: float | None, new: str, old: str = "attendee", **values: Any
) -> commands.RecordRoleChanged:
    return commands.RecordRoleChanged(
        meeting_id=values.pop("meeting_id", MEETING),
        event_time=values.pop("event_time", at(99)),
        who=values.pop("who", ASHA),
        old_role=old,
        new_role=new,
        change_time=at(minutes) if minutes is not None else None,
        **values,
    )


def share(minutes: float, *, started: bool = True, **values: Any) -> commands.RecordSharing:
    return commands.RecordSharing(
        meeting_id=values.pop("meeting_id", MEETING),
        event_time=at(minutes),
        who=values.pop("who", ASHA),
        started=started,
        content=values.pop("content", "desktop"),
        share_time=at(minutes),
        **values,
    )


def into_room(minutes: float, room: str = ROOM, **values: Any) -> commands.RecordBreakoutRoomJoined:
    return commands.RecordBreakoutRoomJoined(
        meeting_id=values.pop("meeting_id", MEETING),
        event_time=at(minutes),
        who=values.pop("who", ASHA),
        breakout_room_uuid=room,
        join_time=at(minutes),
        **values,
    )


def out_of_room(minutes: float, room: str = ROOM, **values: Any) -> commands.RecordBreakoutRoomLeft:
    return commands.RecordBreakoutRoomLeft(
        meeting_id=values.pop("meeting_id", MEETING),
        event_time=at(minutes),
        who=values.pop("who", ASHA),
        breakout_room_uuid=room,
        leave_time=at(minutes),
        leave_reason=values.pop("leave_reason", "left breakout room"),
        **values,
    )


def asha_joined(minutes: float, **values: Any) -> commands.RecordParticipantJoined:
    return joined(at(minutes), customer_key="student-1", **values)


def asha_left(minutes: float, **values: Any) -> commands.RecordParticipantLeft:
    return left(at(minutes), customer_key="student-1", **values)


def room_stay(start: datetime | None, end: datetime | None = None, **values: Any) -> Interval:
    return Interval("p-1", start, end, breakout_room_uuid=ROOM, **values)


# ---- Role changes ----


async def test_a_role_change_sets_the_role_and_older_or_repeated_ones_change_nothing(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    assert await apply(db, live_events.role_changed, role_change(10, "co-host"), clock)
    asha = only(db)
    assert (asha.role, asha.role_change_time) == (ParticipantRole.CO_HOST, at(10))
    with nothing_changed(db):  # the same change delivered again
        assert not await apply(db, live_events.role_changed, role_change(10, "co-host"), clock)
    with nothing_changed(db):  # an older change arriving late does not undo the newer one
        older = role_change(5, "attendee", old="co-host")
        assert not await apply(db, live_events.role_changed, older, clock)
    assert only(db).role is ParticipantRole.CO_HOST
    newer = role_change(20, "attendee", old="co-host")
    assert await apply(db, live_events.role_changed, newer, clock)
    assert (only(db).role, only(db).role_change_time) == (ParticipantRole.PARTICIPANT, at(20))
    assert await apply(db, live_events.role_changed, role_change(30, "host", old="attendee"), clock)
    assert only(db).role is ParticipantRole.HOST


async def test_a_role_change_without_its_time_is_ordered_by_the_event_time(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    assert await apply(
        db, live_events.role_changed, role_change(None, "co-host", event_time=at(12)), clock
    )
    assert only(db).role_change_time == at(12)


async def test_an_unknown_zoom_role_leaves_the_role_as_it_is(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    with nothing_changed(db):
        assert not await apply(db, live_events.role_changed, role_change(10, "panelist"), clock)
    assert (only(db).role, only(db).role_change_time) == (ParticipantRole.PARTICIPANT, None)
    assert live_events.role_of(" Co-Host ") is ParticipantRole.CO_HOST


async def test_a_role_change_finds_a_guest_by_zooms_per_meeting_id_of_their_stay(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    guest = joined(at(0), participant_uuid="g-1", name="Guest", meeting_user_id="16778240")
    await apply(db, lifecycle.participant_joined, guest, clock)
    named = role_change(10, "co-host", who=ZoomIdentity(name="Guest"), meeting_user_id="16778240")
    assert await apply(db, live_events.role_changed, named, clock)
    assert only(db).role is ParticipantRole.CO_HOST


async def test_a_role_change_naming_nobody_known_is_ignored(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    # Same display name, no identity: never Asha, and no new guest no later event could find.
    stranger = role_change(10, "co-host", who=ZoomIdentity(name="Asha"), meeting_user_id="7")
    with nothing_changed(db):
        assert not await apply(db, live_events.role_changed, stranger, clock)
    assert only(db).role is ParticipantRole.PARTICIPANT


async def test_the_host_handing_over_lands_on_the_teachers_host_record(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    teacher = await seed_participant(db, school.s1, user_id="teacher-1", role=ParticipantRole.HOST)
    handover = role_change(15, "attendee", old="host", who=ZoomIdentity(name="Teacher"))
    assert await apply(db, live_events.role_changed, handover, clock)
    stored = db.get("participants", teacher.id)
    assert (stored.role, stored.user_id) == (ParticipantRole.PARTICIPANT, "teacher-1")


async def test_role_changes_of_unknown_meetings_are_ignored(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    with nothing_changed(db):
        assert not await apply(
            db, live_events.role_changed, role_change(10, "co-host", meeting_id=5), clock
        )


# ---- Sharing ----


async def test_sharing_marks_the_presenter_and_keeps_the_first_share(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    assert await apply(db, live_events.sharing, share(10), clock)
    asha = only(db)
    assert (asha.shared_screen, asha.first_share_time, asha.first_share_content) == (
        True,
        at(10),
        "desktop",
    )
    with nothing_changed(db):  # delivered again
        assert not await apply(db, live_events.sharing, share(10), clock)
    with nothing_changed(db):  # a later share, and the end of a share
        assert not await apply(db, live_events.sharing, share(30, content="whiteboard"), clock)
        assert not await apply(db, live_events.sharing, share(40, started=False), clock)
    # An earlier share arriving late is the first one.
    assert await apply(db, live_events.sharing, share(5, content="application"), clock)
    asha = only(db)
    assert (asha.first_share_time, asha.first_share_content) == (at(5), "application")


async def test_the_end_of_a_share_whose_start_was_lost_still_says_they_presented(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    assert await apply(db, live_events.sharing, share(20, started=False), clock)
    asha = only(db)
    assert (asha.shared_screen, asha.first_share_time) == (True, None)


async def test_a_sharer_is_found_by_their_zoom_user_or_their_stays_per_meeting_id(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """Zoom names a sharer only by its per-meeting ``user_id`` and, when signed in, Zoom id."""
    await apply(db, lifecycle.participant_joined, asha_joined(0, meeting_user_id="100"), clock)
    signed_in = joined(at(1), participant_uuid="t-1", zoom_user_id="zoom-7", name="Ravi")
    await apply(db, lifecycle.participant_joined, signed_in, clock)
    by_device = share(10, who=ZoomIdentity(name="Asha"), meeting_user_id="100")
    assert await apply(db, live_events.sharing, by_device, clock)
    by_zoom_user = share(12, who=ZoomIdentity(zoom_user_id="zoom-7", name="Ravi"))
    assert await apply(db, live_events.sharing, by_zoom_user, clock)
    shared = {p.display_name: p.first_share_time for p in people(db)}
    assert shared == {"Asha": at(10), "Ravi": at(12)}


async def test_a_per_meeting_id_given_twice_names_whoever_had_it_at_the_time(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """Zoom reuses per-meeting ids (a restarted meeting): the stay covering the share wins."""
    first = joined(at(0), participant_uuid="g-1", name="Early", meeting_user_id="16")
    await apply(db, lifecycle.participant_joined, first, clock)
    await apply(
        db, lifecycle.participant_left, left(at(20), participant_uuid="g-1", name="Early"), clock
    )
    second = joined(at(30), participant_uuid="g-2", name="Late", meeting_user_id="16")
    await apply(db, lifecycle.participant_joined, second, clock)
    assert await apply(
        db, live_events.sharing, share(40, who=ZoomIdentity(), meeting_user_id="16"), clock
    )
    assert {p.display_name: p.shared_screen for p in people(db)} == {"Early": False, "Late": True}
    with nothing_changed(db):  # a time neither stay covers: nobody is sure
        assert not await apply(
            db, live_events.sharing, share(25, who=ZoomIdentity(), meeting_user_id="16"), clock
        )


async def test_a_share_naming_nobody_known_is_ignored(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, lifecycle.participant_joined, asha_joined(0, meeting_user_id="100"), clock)
    with nothing_changed(db):
        nobody = share(10, who=ZoomIdentity(name="Asha"), meeting_user_id="999")
        assert not await apply(db, live_events.sharing, nobody, clock)
        assert not await apply(db, live_events.sharing, share(10, meeting_id=5), clock)
    assert not only(db).shared_screen


# ---- Breakout rooms ----


async def test_a_move_to_a_breakout_room_and_back_keeps_the_student_present(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """Zoom's order: main left and room joined at the move, room left and main joined back."""
    await apply(db, lifecycle.meeting_started, started(at(0)), clock)
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    await apply(db, lifecycle.participant_left, asha_left(20), clock)
    assert await apply(db, live_events.breakout_room_joined, into_room(20), clock)
    assert await apply(db, live_events.breakout_room_left, out_of_room(50), clock)
    await apply(db, lifecycle.participant_joined, asha_joined(50), clock)
    await apply(db, lifecycle.participant_left, asha_left(90), clock)
    assert only(db).intervals == [
        Interval("p-1", at(0), at(20), "left"),
        room_stay(at(20), at(50), leave_reason="left breakout room"),
        Interval("p-1", at(50), at(90), "left"),
    ]
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    report = await attendance.attendance_report(
        school.s1.id, threshold=0, now=clock, **acting(db, TEACHER_1)
    )
    [row] = [r for r in report.rows if r.user_id == "student-1"]
    assert (row.minutes_attended, row.attendance_percentage, row.present) == (90, 100.0, True)


async def test_out_of_order_room_events_never_close_the_wrong_stay(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """The room's join before the main meeting's leave; the room's leave before its join."""
    await apply(db, lifecycle.participant_joined, asha_joined(0), clock)
    assert await apply(db, live_events.breakout_room_joined, into_room(20), clock)
    await apply(db, lifecycle.participant_left, asha_left(20), clock)  # closes the main stay
    assert only(db).intervals == [Interval("p-1", at(0), at(20), "left"), room_stay(at(20))]
    # A second room: its leave arrives first, is kept, and its join completes it.
    assert await apply(db, live_events.breakout_room_left, out_of_room(60, "room-2"), clock)
    assert await apply(db, live_events.breakout_room_left, out_of_room(40), clock)
    assert await apply(db, live_events.breakout_room_joined, into_room(40, "room-2"), clock)
    assert only(db).intervals == [
        Interval("p-1", at(0), at(20), "left"),
        room_stay(at(20), at(40), leave_reason="left breakout room"),
        Interval("p-1", at(40), at(60), "left breakout room", breakout_room_uuid="room-2"),
    ]
    with nothing_changed(db):  # every one of them delivered again
        assert not await apply(db, live_events.breakout_room_joined, into_room(20), clock)
        assert not await apply(db, live_events.breakout_room_left, out_of_room(40), clock)
        assert not await apply(db, live_events.breakout_room_left, out_of_room(60, "room-2"), clock)
        assert not await apply(db, live_events.breakout_room_joined, into_room(40, "room-2"), clock)


async def test_a_leave_of_a_room_before_any_join_is_not_lost(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    assert await apply(db, live_events.breakout_room_left, out_of_room(40), clock)
    asha = only(db)
    assert (asha.user_id, asha.enrolled) == ("student-1", True)
    assert asha.intervals == [room_stay(None, at(40), leave_reason="left breakout room")]
    assert await apply(db, live_events.breakout_room_joined, into_room(10), clock)
    assert only(db).intervals == [room_stay(at(10), at(40), leave_reason="left breakout room")]


async def test_a_student_seen_only_in_a_breakout_room_attends_and_overlaps_count_once(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """Asha's main-meeting webhooks were lost: 60 minutes in a room are 60 minutes attended.
    Ravi's main stay and room stay overlap by 10 minutes: counted once (0-30 and 20-60: 60)."""
    await apply(db, lifecycle.meeting_started, started(at(0)), clock)
    await apply(db, live_events.breakout_room_joined, into_room(10), clock)
    await apply(db, live_events.breakout_room_left, out_of_room(70), clock)
    ravi = ZoomIdentity(participant_uuid="r-1", customer_key="student-2", name="Ravi")
    await apply(db, lifecycle.participant_joined, joined(at(0), **_flat(ravi)), clock)
    await apply(db, lifecycle.participant_left, left(at(30), **_flat(ravi)), clock)
    await apply(db, live_events.breakout_room_joined, into_room(20, who=ravi), clock)
    await apply(db, live_events.breakout_room_left, out_of_room(60, who=ravi), clock)
    await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    report = await attendance.attendance_report(
        school.s1.id, threshold=0, now=clock, **acting(db, TEACHER_1)
    )
    rows = {r.user_id: r for r in report.rows}
    assert (rows["student-1"].minutes_attended, rows["student-1"].join_count) == (60, 1)
    assert rows["student-1"].attendance_percentage == round(60 / 90 * 100, 2)
    assert (rows["student-2"].minutes_attended, rows["student-2"].join_count) == (60, 1)


def _flat(who: ZoomIdentity) -> dict[str, Any]:
    return {
        "participant_uuid": who.participant_uuid,
        "customer_key": who.customer_key,
        "name": who.name,
    }


async def test_the_meeting_end_closes_open_room_stays(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    await apply(db, live_events.breakout_room_joined, into_room(30), clock)
    assert await apply(db, lifecycle.meeting_ended, ended(at(90)), clock)
    assert only(db).intervals == [room_stay(at(30), at(90), leave_reason=ENDED_WITH_MEETING)]
    # A room join reported after the end is closed at the end too.
    assert await apply(db, live_events.breakout_room_joined, into_room(60, "room-2"), clock)
    assert only(db).intervals[-1] == Interval(
        "p-1", at(60), at(90), ENDED_WITH_MEETING, breakout_room_uuid="room-2"
    )


async def test_a_guest_moving_to_a_room_is_found_by_their_main_meeting_id(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    """A guest has no identity; Zoom's ``parent_user_id`` is their id in the main meeting."""
    guest = joined(at(0), participant_uuid="g-1", name="Guest", meeting_user_id="200")
    await apply(db, lifecycle.participant_joined, guest, clock)
    moved = into_room(
        20,
        who=ZoomIdentity(participant_uuid="g-room", name="Guest"),
        meeting_user_id="300",
        parent_meeting_user_id="200",
    )
    assert await apply(db, live_events.breakout_room_joined, moved, clock)
    [stored] = people(db)
    assert stored.intervals[-1] == Interval(
        "g-room", at(20), breakout_room_uuid=ROOM, meeting_user_id="300"
    )


async def test_an_unknown_guest_in_a_room_is_a_new_guest_found_again_by_its_uuid(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    stranger = ZoomIdentity(participant_uuid="x-1", name="Asha")  # a name is nobody
    assert await apply(db, live_events.breakout_room_joined, into_room(10, who=stranger), clock)
    assert await apply(db, live_events.breakout_room_left, out_of_room(30, who=stranger), clock)
    guest = only(db)
    assert (guest.user_id, guest.enrolled) == ("", False)
    assert guest.intervals == [
        Interval("x-1", at(10), at(30), "left breakout room", breakout_room_uuid=ROOM)
    ]


async def test_room_events_without_a_room_or_of_unknown_meetings_are_ignored(
    db: FakeDatabase, school: School, clock: FakeClock
) -> None:
    with nothing_changed(db):
        assert not await apply(db, live_events.breakout_room_joined, into_room(10, ""), clock)
        assert not await apply(db, live_events.breakout_room_left, out_of_room(10, ""), clock)
        assert not await apply(
            db, live_events.breakout_room_joined, into_room(10, meeting_id=5), clock
        )
        assert not await apply(
            db, live_events.breakout_room_left, out_of_room(10, meeting_id=5), clock
        )


# ---- The consumer ----

LIVE_KEYS = {
    "zoom.participant.role_changed": zoom_pb.ZoomParticipantRoleChanged,
    "zoom.sharing.started": zoom_pb.ZoomSharingStarted,
    "zoom.sharing.ended": zoom_pb.ZoomSharingEnded,
    "zoom.participant.joined_breakout_room": zoom_pb.ZoomParticipantJoinedBreakoutRoom,
    "zoom.participant.left_breakout_room": zoom_pb.ZoomParticipantLeftBreakoutRoom,
}


def _stamp(message: Any, minutes: float) -> None:
    message.FromDatetime(at(minutes))


def _events() -> list[tuple[str, Message]]:
    """A class as Zoom tells it: Asha made co-host, shares, goes to a room and comes back."""
    meeting = zoom_pb.ZoomMeetingObject(meeting_id=MEETING, meeting_uuid="inst-1")
    context = zoom_pb.ZoomEventContext(tenant_id="default")
    person = zoom_pb.ZoomParticipant(
        participant_uuid="p-1", customer_key="student-1", name="Asha", meeting_user_id="100"
    )
    role = zoom_pb.ZoomParticipantRoleChanged(
        context=context,
        meeting=meeting,
        participant=person,
        old_role="attendee",
        new_role="co-host",
    )
    _stamp(role.change_time, 5)
    sharer = zoom_pb.ZoomParticipant(meeting_user_id="100", name="Asha")
    share_on = zoom_pb.ZoomSharingStarted(
        context=context,
        meeting=meeting,
        participant=sharer,
        sharing=zoom_pb.ZoomSharingDetails(content="whiteboard"),
    )
    _stamp(share_on.sharing.time, 8)
    share_off = zoom_pb.ZoomSharingEnded(
        context=context, meeting=meeting, participant=sharer, sharing=zoom_pb.ZoomSharingDetails()
    )
    _stamp(share_off.sharing.time, 9)
    entering = zoom_pb.ZoomParticipantJoinedBreakoutRoom(
        context=context,
        meeting=meeting,
        participant=zoom_pb.ZoomParticipant(
            participant_uuid="p-1", customer_key="student-1", meeting_user_id="400"
        ),
        breakout_room_uuid=ROOM,
        parent_meeting_user_id="100",
    )
    _stamp(entering.participant.join_time, 20)
    leaving = zoom_pb.ZoomParticipantLeftBreakoutRoom(
        context=context,
        meeting=meeting,
        participant=zoom_pb.ZoomParticipant(
            participant_uuid="p-1", customer_key="student-1", leave_reason="back to main"
        ),
        breakout_room_uuid=ROOM,
        parent_meeting_user_id="100",
    )
    _stamp(leaving.participant.leave_time, 50)
    joining = zoom_pb.ZoomParticipantJoined(context=context, meeting=meeting, participant=person)
    _stamp(joining.participant.join_time, 0)
    return [
        ("zoom.participant.joined", joining),
        ("zoom.participant.role_changed", role),
        ("zoom.sharing.started", share_on),
        ("zoom.sharing.ended", share_off),
        ("zoom.participant.joined_breakout_room", entering),
        ("zoom.participant.left_breakout_room", leaving),
    ]


def test_the_five_live_class_keys_are_routed_to_their_messages() -> None:
    for key, message in LIVE_KEYS.items():
        assert ROUTES[key].message is message, key


async def test_the_scheduler_queue_is_bound_to_the_live_class_keys() -> None:
    bound: list[str] = []

    class Bus:
        async def subscribe(
            self, name: str, keys: list[str], handler: Any, *, prefetch: int
        ) -> None:
            bound.extend(keys)

    consumer = Consumer(name="scheduler", uow=lambda **_: None)  # type: ignore[arg-type,return-value]
    await consumers.subscribe(Bus(), consumer, prefetch=1)  # type: ignore[arg-type]
    assert set(LIVE_KEYS) <= set(bound)


async def test_the_consumer_applies_each_live_class_event_once(
    db: FakeDatabase, school: School
) -> None:
    def uow(*, tenant: str) -> FakeUnitOfWork:
        return db.uow(tenant=tenant)

    consumer = Consumer(name="scheduler", uow=uow)
    for number, (key, message) in enumerate(_events()):
        envelope = Envelope.for_proto(key, message, f"m-{number}")
        await consumer(envelope)
        await consumer(envelope)  # redelivered: the inbox knows it
    assert (consumer.applied, consumer.skipped) == (6, 6)
    asha = only(db)
    assert (asha.role, asha.role_change_time) == (ParticipantRole.CO_HOST, at(5))
    assert (asha.shared_screen, asha.first_share_time, asha.first_share_content) == (
        True,
        at(8),
        "whiteboard",
    )
    assert asha.intervals == [
        Interval("p-1", at(0), meeting_user_id="100"),
        room_stay(at(20), at(50), leave_reason="back to main", meeting_user_id="400"),
    ]
