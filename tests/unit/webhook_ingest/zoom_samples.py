"""Zoom webhook bodies as Zoom sends them (docs/zoom-api.md §4.6), for the webhook-ingest tests."""

from __future__ import annotations

import copy
import json
from typing import Any

MEETING_UUID = "4444AAAiAAAAAiAiAiiAii=="
RECORDING_UUID = "JK25FQzSStiZZBhwtBg/Uw=="

_MEETING_OBJECT = {
    "id": "85746065432",
    "uuid": MEETING_UUID,
    "host_id": "z8yCxjabcdEFGHfp8uQ",
    "topic": "Weekly sync",
    "type": 2,
    "start_time": "2025-03-10T15:00:03Z",
    "timezone": "America/New_York",
    "duration": 60,
}


def meeting_started(**changes: Any) -> dict[str, Any]:
    body = {
        "event": "meeting.started",
        "event_ts": 1741618803000,
        "payload": {"account_id": "AAAA", "object": copy.deepcopy(_MEETING_OBJECT)},
    }
    body.update(changes)
    return body


def meeting_ended(**changes: Any) -> dict[str, Any]:
    obj = copy.deepcopy(_MEETING_OBJECT) | {"end_time": "2025-03-10T15:41:10Z"}
    body = {
        "event": "meeting.ended",
        "event_ts": 1741621270000,
        "payload": {"account_id": "AAAA", "object": obj},
    }
    body.update(changes)
    return body


def participant_joined(**participant: Any) -> dict[str, Any]:
    p = {
        "user_id": "16778240",
        "user_name": "Jill Chill",
        "id": "",
        "participant_uuid": "3A0C6F1E-7B2D-4C1A-9E0F-123456789ABC",
        "join_time": "2025-03-10T15:01:02Z",
        "email": "",
        "registrant_id": "",
        "participant_user_id": "",
        "customer_key": "",
        "phone_number": "",
    } | participant
    obj = copy.deepcopy(_MEETING_OBJECT) | {"participant": p}
    return {
        "event": "meeting.participant_joined",
        "event_ts": 1741618862000,
        "payload": {"account_id": "AAAA", "object": obj},
    }


def participant_left(**participant: Any) -> dict[str, Any]:
    body = participant_joined()
    p = body["payload"]["object"]["participant"]
    del p["join_time"]
    p.update({"leave_time": "2025-03-10T15:30:00Z", "leave_reason": "left the meeting"})
    p.update(participant)
    body["event"] = "meeting.participant_left"
    body["event_ts"] = 1741620600000
    return body


BREAKOUT_ROOM_UUID = "FkQbpP2UR028mDrwzEahqw=="


def role_changed(**participant: Any) -> dict[str, Any]:
    """Zoom's `meeting.participant_role_changed`: the roles and `date_time` sit in
    `participant`, which has no `id` or `join_time` (Zoom's SDK types)."""
    p = {
        "user_id": "16778240",
        "user_name": "Jill Chill",
        "email": "jill@example.com",
        "participant_uuid": "3A0C6F1E-7B2D-4C1A-9E0F-123456789ABC",
        "participant_user_id": "",
        "registrant_id": "9tboDiHUQAeOnbmudzWa5g",
        "old_role": "attendee",
        "new_role": "co-host",
        "date_time": "2025-03-10T15:05:00Z",
    } | participant
    return {
        "event": "meeting.participant_role_changed",
        "event_ts": 1741619100000,
        "payload": {
            "account_id": "AAAA",
            "object": copy.deepcopy(_MEETING_OBJECT) | {"participant": p},
        },
    }


def sharing(event: str = "meeting.sharing_started", **details: Any) -> dict[str, Any]:
    """`meeting.sharing_started` / `_ended`: `sharing_details` inside `participant`, which
    carries only `id`, `user_id` and `user_name` (Zoom's SDK types and captured samples)."""
    d = {
        "content": "application",
        "link_source": "in_meeting",
        "file_link": "https://www.dropbox.com/s/private-lesson-notes",
        "source": "dropbox",
        "date_time": "2025-03-10T15:10:11Z",
    } | details
    p = {"id": "s0AAAASoSE1V8KIFOCYw", "user_id": "16778000", "user_name": "Arya Arya"}
    return {
        "event": event,
        "event_ts": 1741619411000,
        "payload": {
            "account_id": "AAAA",
            "object": copy.deepcopy(_MEETING_OBJECT) | {"participant": p | {"sharing_details": d}},
        },
    }


def breakout(
    event: str = "meeting.participant_joined_breakout_room", **participant: Any
) -> dict[str, Any]:
    """`meeting.participant_joined_breakout_room` / `_left_breakout_room`: the parent meeting
    with `breakout_room_uuid`, the participant as in `participant_joined` plus `parent_user_id`."""
    joined = event.endswith("joined_breakout_room")
    p = {
        "user_id": "31228928",
        "parent_user_id": "16778240",
        "user_name": "Jill Chill",
        "id": "",
        "participant_uuid": "3A0C6F1E-7B2D-4C1A-9E0F-123456789ABC",
        "email": "jill@example.com",
        "registrant_id": "9tboDiHUQAeOnbmudzWa5g",
        "participant_user_id": "",
        "customer_key": "stu1",
        "phone_number": "",
    }
    if joined:
        p["join_time"] = "2025-03-10T15:20:00Z"
    else:
        p["leave_time"] = "2025-03-10T15:35:00Z"
        p["leave_reason"] = "left the meeting. Reason : left the breakout room"
    obj = copy.deepcopy(_MEETING_OBJECT) | {
        "breakout_room_uuid": BREAKOUT_ROOM_UUID,
        "participant": p | participant,
    }
    return {
        "event": event,
        "event_ts": 1741620000000 if joined else 1741620900000,
        "payload": {"account_id": "AAAA", "object": obj},
    }


def recording(event: str = "recording.completed", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": event,
        "event_ts": 1732899098000,
        "download_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.abc.def",
        "payload": {
            "account_id": "AAAA",
            "object": {
                "id": 95945730983,
                "uuid": RECORDING_UUID,
                "host_id": "uET9c2fCR06UoPbeqKed4A",
                "account_id": "AAAA",
                "host_email": "host@example.com",
                "topic": "Weekly sync",
                "type": 2,
                "start_time": "2024-11-29T16:49:14Z",
                "timezone": "UTC",
                "duration": 1,
                "password": "s3cret",
                "share_url": "https://us06web.zoom.us/rec/share/abc",
                "total_size": 559850,
                "recording_count": 2,
                "recording_play_passcode": "passcode-secret",
                "on_prem": False,
                "recording_files": [
                    {
                        "id": "c871b6b0-b01b-408b-915a-b654e369a9e6",
                        "meeting_id": RECORDING_UUID,
                        "recording_start": "2024-11-29T16:49:20Z",
                        "recording_end": "2024-11-29T16:49:26Z",
                        "file_type": "MP4",
                        "file_extension": "MP4",
                        "file_size": 290761,
                        "play_url": "https://us06web.zoom.us/rec/play/x",
                        "download_url": "https://us06web.zoom.us/rec/download/x",
                        "status": "completed",
                        "recording_type": "shared_screen_with_speaker_view",
                    },
                    {
                        "id": "7800c6c4-76ce-434c-b6bf-9e1e1295900f",
                        "meeting_id": RECORDING_UUID,
                        "file_type": "TIMELINE",
                        "file_extension": "JSON",
                        "file_size": 93,
                        "download_url": "https://us06web.zoom.us/rec/download/y",
                        "recording_type": "timeline",
                    },
                ],
                "participant_audio_files": [],
            },
        },
    }
    body.update(changes)
    return body


def meeting_updated() -> dict[str, Any]:
    return {
        "event": "meeting.updated",
        "event_ts": 1741600000000,
        "payload": {
            "account_id": "AAAA",
            "operator": "admin@example.com",
            "operator_id": "op123",
            "scope": "single",
            "object": {
                "id": 85746065432,
                "occurrence_id": "1741618800000",
                "topic": "New topic",
                "start_time": "2025-03-11T15:00:00Z",
                "settings": {"auto_recording": "cloud", "waiting_room": True},
            },
            "old_object": {
                "id": 85746065432,
                "topic": "Weekly sync",
                "start_time": "2025-03-10T15:00:00Z",
                "settings": {"auto_recording": "none", "waiting_room": False},
            },
            "time_stamp": 1741600000123,
        },
    }


def meeting_deleted() -> dict[str, Any]:
    obj = copy.deepcopy(_MEETING_OBJECT) | {
        "id": 85746065432,
        "occurrences": [{"occurrence_id": "1741618800000", "start_time": "2025-03-10T15:00:00Z"}],
    }
    return {
        "event": "meeting.deleted",
        "event_ts": 1741600000000,
        "payload": {
            "account_id": "AAAA",
            "operator": "admin@example.com",
            "operator_id": "op123",
            "operation": "single",
            "object": obj,
        },
    }


def app_deauthorized(**payload: Any) -> dict[str, Any]:
    """A user removed the app (docs/zoom-api.md §2.5: payload{account_id, user_id, client_id,
    deauthorization_time, signature}, no object)."""
    body: dict[str, Any] = {
        "event": "app_deauthorized",
        "event_ts": 1741618900000,
        "payload": {
            "account_id": "AAAA",
            "user_id": "z8yCxjabcdEFGHfp8uQ",
            "signature": "f" * 64,
            "deauthorization_time": "2025-03-10T15:01:40.000Z",
            "client_id": "oauthClient123",
        },
    }
    body["payload"].update(payload)
    return body


def encode(body: dict[str, Any]) -> bytes:
    """Compact JSON, as Zoom sends it."""
    return json.dumps(body, separators=(",", ":")).encode()
