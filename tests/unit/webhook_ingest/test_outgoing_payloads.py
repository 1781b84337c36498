"""The payload of every public event type: built from a bus event with every field set (and
from an empty one), it has the documented shape — `type`, an RFC 3339 `timestamp`, and a
`data` object whose keys never change, ids as strings, absent values null — and events that
platforms are not told of produce nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from google.protobuf import message as pb_message

from tests.unit.protos.test_generated import _fill
from webhook_ingest.adapters import outgoing_payloads as p

NOW = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("routing_key", sorted(p.BY_ROUTING_KEY))
def test_every_event_has_a_stable_shape_full_or_empty(routing_key: str) -> None:
    mapping = p.BY_ROUTING_KEY[routing_key]
    full: pb_message.Message = mapping.message()
    _fill(full)
    empty: pb_message.Message = mapping.message()
    shapes = []
    for msg in (full, empty):
        event = p.from_bus(routing_key, msg.SerializeToString(), received_at=NOW)
        assert event is not None
        document = json.loads(event.body)
        assert set(document) == {"type", "timestamp", "data"}
        assert document["type"] == mapping.event_type
        assert document["timestamp"].endswith("Z")
        shapes.append(set(document["data"]))
    assert shapes[0] == shapes[1]  # the same keys whatever is set
    filled = p.from_bus(routing_key, full.SerializeToString(), received_at=NOW)
    assert filled is not None
    assert filled.tenant_id == "value-of-tenant_id"
    data = json.loads(filled.body)["data"]
    for key, value in data.items():
        if key.endswith("_id"):
            assert isinstance(value, str), key
    empty_event = p.from_bus(routing_key, b"", received_at=NOW)
    assert empty_event is not None
    assert empty_event.tenant_id == "default"
    assert json.loads(empty_event.body)["timestamp"] == "2027-01-15T09:30:00Z"


def test_enum_values_are_lower_case_names() -> None:
    from classbridge.common.v1 import common_pb2
    from classbridge.events.v1 import recording_events_pb2 as rec

    msg = rec.RecordingSynced(
        recording_id="r-1",
        source=common_pb2.RECORDING_SOURCE_ZOOM_AUTO_SYNC,
        files=[rec.SyncedFile(file_id="f", file_type=common_pb2.RECORDING_FILE_TYPE_MP4)],
    )
    event = p.from_bus("recording.synced", msg.SerializeToString(), received_at=NOW)
    assert event is not None
    data = json.loads(event.body)["data"]
    assert data["source"] == "zoom_auto_sync"
    assert data["files"][0]["file_type"] == "mp4"


def test_other_bus_events_are_not_sent_to_platforms() -> None:
    assert p.from_bus("session.meeting_unlinked", b"", received_at=NOW) is None
    assert p.from_bus("zoom.meeting.ended", b"", received_at=NOW) is None
    assert set(p.EVENT_TYPES) == {
        "session.scheduled",
        "session.updated",
        "session.cancelled",
        "session.started",
        "session.ended",
        "attendance.ready",
        "recording.ready",
        "recording.deleted",
        "recording.sync_failed",
    }
