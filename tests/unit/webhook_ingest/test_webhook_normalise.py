"""Zoom's JSON → Classbridge's typed events, with Zoom's quirks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.webhook_ingest import zoom_samples as z
from webhook_ingest.domain import events as ev
from webhook_ingest.domain.fields import epoch_ms, integer, text
from webhook_ingest.domain.normalise import normalise, raw_routing_key

STARTED_MS = 1741618803000  # 2025-03-10T15:00:03Z


def test_meeting_started_reads_string_id_and_iso_times() -> None:
    result = normalise(z.meeting_started())
    assert result.routing_key == "zoom.meeting.started"
    assert isinstance(result.event, ev.MeetingStarted)
    meeting = result.event.meeting
    assert meeting.meeting_id == "85746065432"
    assert meeting.meeting_uuid == z.MEETING_UUID
    assert meeting.start_time_ms == STARTED_MS
    assert meeting.scheduled_duration_minutes == 60
    assert result.event.delivery.event_ts_ms == 1741618803000
    assert result.event.delivery.account_id == "AAAA"


def test_meeting_started_accepts_a_numeric_id_and_seconds_timestamps() -> None:
    body = z.meeting_started(event_ts=1741618803)
    body["payload"]["object"]["id"] = 85746065432
    body["payload"]["object"]["start_time"] = 1741618803
    result = normalise(body)
    assert isinstance(result.event, ev.MeetingStarted)
    assert result.event.meeting.meeting_id == "85746065432"
    assert result.event.meeting.start_time_ms == STARTED_MS
    assert result.event.delivery.event_ts_ms == 1741618803000


def test_meeting_ended_carries_the_real_end_and_length() -> None:
    result = normalise(z.meeting_ended())
    assert result.routing_key == "zoom.meeting.ended"
    assert isinstance(result.event, ev.MeetingEnded)
    assert result.event.end_time_ms == epoch_ms("2025-03-10T15:41:10Z")
    assert result.event.actual_duration_seconds == 41 * 60 + 7
    assert result.event.meeting.scheduled_duration_minutes == 60


def test_meeting_ended_without_end_time_has_unknown_length() -> None:
    body = z.meeting_ended()
    del body["payload"]["object"]["end_time"]
    result = normalise(body)
    assert isinstance(result.event, ev.MeetingEnded)
    assert result.event.end_time_ms == 0
    assert result.event.actual_duration_seconds == 0


def test_participant_joined_guest_has_no_zoom_user_and_no_email() -> None:
    result = normalise(z.participant_joined())
    assert result.routing_key == "zoom.participant.joined"
    assert isinstance(result.event, ev.ParticipantJoined)
    p = result.event.participant
    assert p.is_guest
    assert p.zoom_user_id == ""
    assert p.email == ""
    assert p.name == "Jill Chill"
    assert p.user_id == "16778240"
    assert result.event.join_time_ms == epoch_ms("2025-03-10T15:01:02Z")


def test_participant_joined_signed_in_user_is_not_a_guest() -> None:
    result = normalise(z.participant_joined(id="abcUser", email="jill@example.com"))
    assert isinstance(result.event, ev.ParticipantJoined)
    assert not result.event.participant.is_guest
    assert result.event.participant.zoom_user_id == "abcUser"
    assert result.event.participant.email == "jill@example.com"


def test_participant_rejoin_keeps_participant_uuid_with_a_new_user_id() -> None:
    first = normalise(z.participant_joined())
    again = normalise(z.participant_joined(user_id=16778241, join_time="2025-03-10T15:20:00Z"))
    assert isinstance(first.event, ev.ParticipantJoined)
    assert isinstance(again.event, ev.ParticipantJoined)
    assert first.event.participant.participant_uuid == again.event.participant.participant_uuid
    assert again.event.participant.user_id == "16778241"  # a number in the JSON: still text
    assert again.event.join_time_ms > first.event.join_time_ms


def test_participant_left_has_leave_time_and_reason() -> None:
    result = normalise(z.participant_left())
    assert result.routing_key == "zoom.participant.left"
    assert isinstance(result.event, ev.ParticipantLeft)
    assert result.event.leave_time_ms == epoch_ms("2025-03-10T15:30:00Z")
    assert result.event.leave_reason == "left the meeting"


def test_participant_event_without_participant_object_still_types() -> None:
    body = z.participant_joined()
    del body["payload"]["object"]["participant"]
    result = normalise(body)
    assert isinstance(result.event, ev.ParticipantJoined)
    assert result.event.participant == ev.Participant()


def test_recording_completed_lists_every_file_with_token_sizes_and_types() -> None:
    result = normalise(z.recording())
    assert result.routing_key == "zoom.recording.completed"
    assert isinstance(result.event, ev.RecordingCompleted)
    rec = result.event.recording
    assert result.event.download_token.startswith("eyJ")
    assert rec.meeting.meeting_id == "95945730983"  # a number in recording events
    assert rec.meeting.meeting_uuid == z.RECORDING_UUID
    assert rec.total_size == 559850
    assert [f.file_type for f in rec.files] == ["MP4", "TIMELINE"]
    mp4, timeline = rec.files
    assert mp4.file_size == 290761
    assert mp4.download_url.endswith("/x")
    assert mp4.recording_start_ms == epoch_ms("2024-11-29T16:49:20Z")
    assert timeline.play_url == ""  # TIMELINE files may have no play_url
    assert timeline.recording_start_ms == 0


def test_recording_passcodes_are_not_carried() -> None:
    result = normalise(z.recording())
    assert "s3cret" not in repr(result.event)
    assert "passcode-secret" not in repr(result.event)


def test_recording_participant_audio_files_are_marked() -> None:
    body = z.recording()
    body["payload"]["object"]["participant_audio_files"] = [
        {"id": "pa1", "file_type": "M4A", "file_size": "1234"}
    ]
    result = normalise(body)
    assert isinstance(result.event, ev.RecordingCompleted)
    audio = result.event.recording.files[-1]
    assert audio.participant_audio
    assert audio.file_size == 1234


@pytest.mark.parametrize(
    ("event", "routing_key", "cls"),
    [
        (
            "recording.transcript_completed",
            "zoom.recording.transcript_completed",
            ev.RecordingTranscriptCompleted,
        ),
        ("recording.trashed", "zoom.recording.trashed", ev.RecordingTrashed),
        ("recording.deleted", "zoom.recording.deleted", ev.RecordingDeleted),
        ("recording.recovered", "zoom.recording.recovered", ev.RecordingRecovered),
    ],
)
def test_other_recording_events(event: str, routing_key: str, cls: type) -> None:
    body = z.recording(event)
    body["payload"]["operator"] = "admin@example.com"
    result = normalise(body)
    assert result.routing_key == routing_key
    assert isinstance(result.event, cls)
    assert result.event.delivery.operator == "admin@example.com"
    assert len(result.event.recording.files) == 2


def test_recording_trashed_without_files() -> None:
    body = z.recording("recording.trashed")
    del body["payload"]["object"]["recording_files"]
    result = normalise(body)
    assert isinstance(result.event, ev.RecordingTrashed)
    assert result.event.recording.files == ()


def test_meeting_updated_names_changed_fields_and_both_values() -> None:
    result = normalise(z.meeting_updated())
    assert result.routing_key == "zoom.meeting.updated"
    event = result.event
    assert isinstance(event, ev.MeetingUpdated)
    assert event.meeting_id == "85746065432"
    assert event.scope == "single"
    assert event.occurrence_id == "1741618800000"
    assert event.changed_fields == (
        "settings.auto_recording",
        "settings.waiting_room",
        "start_time",
        "topic",
    )
    assert event.new_values.topic == "New topic"
    assert event.new_values.auto_recording == "cloud"
    assert event.old_values.topic == "Weekly sync"
    assert event.updated_at_ms == 1741600000123
    assert event.delivery.operator_id == "op123"


def test_meeting_deleted_with_occurrences() -> None:
    result = normalise(z.meeting_deleted())
    assert result.routing_key == "zoom.meeting.deleted"
    assert isinstance(result.event, ev.MeetingDeleted)
    assert result.event.operation == "single"
    assert result.event.meeting.meeting_id == "85746065432"
    assert result.event.occurrences == (
        ev.Occurrence("1741618800000", epoch_ms("2025-03-10T15:00:00Z")),
    )


def test_unknown_event_becomes_raw_without_download_token() -> None:
    body = {
        "event": "meeting.summary_completed",
        "event_ts": 1,
        "download_token": "tok",
        "payload": {"object": {"meeting_uuid": "u1", "meeting_id": 5}},
    }
    result = normalise(body)
    assert result.is_raw
    assert result.routing_key == "zoom.raw.meeting.summary_completed"
    assert isinstance(result.event, ev.RawEvent)
    assert result.event.reason == "unknown_event_type"
    assert result.event.meeting_uuid == "u1"
    assert result.event.meeting_id == "5"
    assert "tok" not in result.event.payload_json


@pytest.mark.parametrize(
    "payload",
    [None, [], "text", 42, {"object": None}, {"object": []}, {"object": {"participant": "x"}}],
)
def test_known_event_with_broken_payload_never_raises(payload: Any) -> None:
    for event in (
        "meeting.started",
        "meeting.participant_left",
        "recording.completed",
        "meeting.updated",
        "meeting.deleted",
    ):
        result = normalise({"event": event, "event_ts": "garbage", "payload": payload})
        assert result.event.delivery.zoom_event == event
        assert result.event.delivery.event_ts_ms == 0


def test_every_field_of_a_meeting_may_have_the_wrong_type() -> None:
    body = z.meeting_started()
    body["payload"]["object"] = {
        "id": 1.0,
        "uuid": 7,
        "host_id": None,
        "topic": ["x"],
        "type": "2",
        "start_time": "not a time",
        "duration": "sixty",
    }
    result = normalise(body)
    assert isinstance(result.event, ev.MeetingStarted)
    m = result.event.meeting
    assert (m.meeting_id, m.meeting_uuid, m.topic, m.meeting_type) == ("1", "7", "", 2)
    assert (m.start_time_ms, m.scheduled_duration_minutes) == (0, 0)


def test_raw_routing_key_is_safe_for_a_topic_exchange() -> None:
    assert raw_routing_key("Weird Event/Name#*") == "zoom.raw.weird_event_name_"
    assert raw_routing_key("") == "zoom.raw.unknown"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-10T15:00:03Z", 1741618803000),
        ("2025-03-10T15:00:03+00:00", 1741618803000),
        ("2025-03-10T15:00:03", 1741618803000),
        (1741618803, 1741618803000),
        (1741618803000, 1741618803000),
        ("1741618803000", 1741618803000),
        (1741618803.5, 1741618803000),
        (None, 0),
        ("", 0),
        ("yesterday", 0),
        (-5, 0),
        (True, 0),
    ],
)
def test_epoch_ms_accepts_seconds_milliseconds_and_iso(value: Any, expected: int) -> None:
    assert epoch_ms(value) == expected


def test_text_and_integer_readers() -> None:
    assert text(85746065432) == "85746065432"
    assert text(1.0) == "1"
    assert text(True) == ""
    assert text(float("nan")) == ""
    assert integer("85746065432") == 85746065432
    assert integer("12a") == 0
    assert integer(2.0**70) == 0
    assert integer("9" * 30) == 0
