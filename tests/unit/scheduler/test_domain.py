"""The scheduler's domain rules, without I/O: timing, lifecycle ordering, attendance."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from classbridge_common.errors import FailedPrecondition, InvalidArgument
from scheduler.domain import attendance
from scheduler.domain.model import (
    BatchType,
    Interaction,
    InteractionType,
    Participant,
    Session,
    SessionStatus,
    find_participant,
)
from scheduler.domain.timing import InstantTiming, LocalTiming, resolve, zoom_duration

T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def a_session(**overrides: object) -> Session:
    values: dict[str, object] = {
        "id": "s1",
        "batch_id": "b1",
        "course_id": "c1",
        "batch_type": BatchType.GROUP,
        "title": "Intro",
        "scheduled_start": T0,
        "scheduled_end": at(90),
        "timezone": "UTC",
    }
    values.update(overrides)
    return Session(**values)  # type: ignore[arg-type]


def test_local_time_is_read_in_the_timezone() -> None:
    start, end = resolve(LocalTiming(date(2024, 1, 15), time(10), time(11, 30)), "Asia/Kolkata")
    assert start == datetime(2024, 1, 15, 4, 30, tzinfo=UTC)
    assert end - start == timedelta(minutes=90)


def test_local_end_before_start_means_the_next_day() -> None:
    start, end = resolve(LocalTiming(date(2024, 1, 15), time(23), time(0, 30)), "UTC")
    assert end - start == timedelta(minutes=90)


def test_instants_ending_before_they_start_are_rejected_with_a_field_violation() -> None:
    with pytest.raises(InvalidArgument) as caught:
        resolve(InstantTiming(at(60), at(0)), "UTC")
    assert caught.value.violations[0].field == "time_range.end_time"


def test_unknown_timezone_is_invalid() -> None:
    with pytest.raises(InvalidArgument):
        resolve(LocalTiming(date(2024, 1, 15), time(10), time(11)), "Mars/Olympus")


@pytest.mark.parametrize(("minutes", "expected"), [(0, 30), (10, 30), (30, 30), (90, 90)])
def test_zoom_duration_is_at_least_thirty_minutes(minutes: int, expected: int) -> None:
    assert zoom_duration(minutes) == expected


def test_started_then_ended_moves_through_the_statuses() -> None:
    session = a_session()
    assert session.apply_started(event_time=at(1), start_time=at(1))
    assert session.status is SessionStatus.IN_PROGRESS
    assert session.apply_ended(event_time=at(80), end_time=at(80), start_time=at(1))
    assert (session.status, session.actual_start, session.actual_end) == (
        SessionStatus.ENDED,
        at(1),
        at(80),
    )


def test_a_late_started_after_ended_does_not_reopen_the_session() -> None:
    session = a_session()
    session.apply_ended(event_time=at(80), end_time=at(80), start_time=None)
    session.apply_started(event_time=at(1), start_time=at(1))
    assert session.status is SessionStatus.ENDED
    assert session.actual_start == at(1)  # the late event still tells when it started
    assert session.actual_end == at(80)


def test_a_newer_started_after_ended_is_a_restart() -> None:
    session = a_session()
    session.apply_started(event_time=at(0), start_time=at(0))
    session.apply_ended(event_time=at(10), end_time=at(10), start_time=at(0))
    session.apply_started(event_time=at(20), start_time=at(20))
    assert session.status is SessionStatus.IN_PROGRESS
    assert session.actual_start == at(0)
    assert session.actual_end is None


def test_an_ended_twice_keeps_the_first_answer_when_it_is_older() -> None:
    session = a_session()
    session.apply_ended(event_time=at(80), end_time=at(80), start_time=at(0))
    assert not session.apply_ended(event_time=at(70), end_time=at(70), start_time=at(0))
    assert session.actual_end == at(80)


def test_cancel_is_refused_once_the_meeting_runs() -> None:
    session = a_session()
    session.apply_started(event_time=at(0), start_time=at(0))
    with pytest.raises(FailedPrecondition):
        session.cancel(reason="", by="t", at=at(1))


def test_a_cancelled_session_ignores_zoom() -> None:
    session = a_session()
    session.cancel(reason="ill", by="t", at=at(-60))
    assert not session.apply_started(event_time=at(0), start_time=at(0))
    assert session.status is SessionStatus.CANCELLED


def test_overlapping_intervals_count_once() -> None:
    spans = [(at(0), at(30)), (at(20), at(40)), (at(50), at(60))]
    assert attendance.attended(spans, until=at(90)) == timedelta(minutes=50)


def test_open_intervals_run_until_the_end_and_leaves_without_joins_are_ignored() -> None:
    spans = [(at(0), None), (None, at(5))]
    assert attendance.attended(spans, until=at(45)) == timedelta(minutes=45)


def test_percentage_is_capped_and_rounded() -> None:
    assert attendance.percentage(timedelta(minutes=45), timedelta(minutes=90)) == 50.0
    assert attendance.percentage(timedelta(minutes=100), timedelta(minutes=90)) == 100.0
    assert attendance.percentage(timedelta(minutes=1), timedelta(0)) == 0.0


def test_rejoins_with_new_stays_add_up() -> None:
    person = Participant(id="p", session_id="s1", display_name="Asha")
    person.joined(participant_uuid="u1", at=at(0))
    person.left(participant_uuid="u1", at=at(20))
    person.joined(participant_uuid="u2", at=at(30))
    person.left(participant_uuid="u2", at=at(60))
    assert person.join_count == 2
    assert attendance.whole_minutes(person.time_attended(until=at(90))) == 50


def test_a_left_before_its_joined_is_completed_when_the_join_arrives() -> None:
    person = Participant(id="p", session_id="s1")
    person.left(participant_uuid="u1", at=at(40))
    person.joined(participant_uuid="u1", at=at(10))
    assert len(person.intervals) == 1
    assert person.time_attended(until=at(90)) == timedelta(minutes=30)


def test_repeated_join_and_leave_events_change_nothing() -> None:
    person = Participant(id="p", session_id="s1")
    assert person.joined(participant_uuid="u1", at=at(0))
    assert not person.joined(participant_uuid="u1", at=at(0))
    assert person.left(participant_uuid="u1", at=at(10))
    assert not person.left(participant_uuid="u1", at=at(10))
    assert len(person.intervals) == 1


def test_people_are_matched_by_user_then_zoom_id_then_stay_never_by_name_or_email() -> None:
    student = Participant(id="s", session_id="s", user_id="student-1", display_name="Asha")
    known = Participant(id="a", session_id="s", zoom_user_id="z1", email="a@x.org")
    guest = Participant(id="g", session_id="s", display_name="Guest 7")
    guest.joined(participant_uuid="pu-g", at=at(0))
    people = [student, known, guest]

    def find(**who: str) -> Participant | None:
        keys = {"user_id": "", "zoom_user_id": "", "participant_uuid": ""} | who
        return find_participant(people, **keys)

    assert find(user_id="student-1") is student
    assert find(zoom_user_id="z1") is known
    assert find(participant_uuid="pu-g") is guest
    assert find(user_id="student-1", participant_uuid="pu-g") is student
    # A record Zoom ties by its ids is taken over by the user only when it is nobody else's.
    assert find(user_id="student-2", zoom_user_id="z1") is known
    student.zoom_user_id = "z-asha"
    assert find(user_id="student-2", zoom_user_id="z-asha") is None
    # Nothing else ties anyone: not a name, not an email.
    assert find() is None
    assert find(participant_uuid="new") is None


def test_anonymous_authors_stay_hidden_from_other_students() -> None:
    post = Interaction(
        id="i",
        session_id="s",
        type=InteractionType.QUESTION,
        author_id="stu1",
        content="?",
        anonymous=True,
    )
    assert post.visible_to(viewer="stu2", privileged=False).author_id == ""
    assert post.visible_to(viewer="stu1", privileged=False).author_id == "stu1"
    assert post.visible_to(viewer="teacher", privileged=True).author_id == "stu1"
