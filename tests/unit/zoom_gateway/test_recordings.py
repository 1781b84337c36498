"""Recordings, participants and download access through the gateway."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import httpx
from google.type import date_pb2

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from tests.unit.zoom_gateway.helpers import (
    Gateway,
    Zoom,
    gateway_settings,
    rpc_error,
    spec,
    zoom_gateway,
    zoom_simulator,
)


async def held_meeting(
    gw: Gateway, zoom: Zoom, request_id: str, *, guests: int = 0
) -> tuple[pb.Meeting, str]:
    """A meeting created through the gateway, held, ended, its recording ready: (meeting, uuid)."""
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id=request_id, meeting=spec(topic="Held")), timeout=10
    )
    started = await zoom.ctl.start(meeting.id)
    for i in range(guests):
        await zoom.ctl.join(meeting.id, f"Guest {i}")
    await zoom.ctl.end(
        meeting.id,
        recording={
            "files": [{"file_type": "MP4", "size": 4096}, {"file_type": "CHAT", "size": 100}],
            "delay": 0,
        },
    )
    await zoom.ctl.recording_ready(meeting.id)
    uuid = started.get("uuid") or (await zoom.ctl.meeting(meeting.id))["instances"][-1]["uuid"]
    return meeting, uuid


async def test_no_recording_yet_is_a_normal_answer(gw: Gateway) -> None:
    meeting = await gw.stub.CreateMeeting(
        pb.CreateMeetingRequest(request_id="none-yet", meeting=spec(topic="Empty")), timeout=10
    )
    answer = await gw.stub.ListMeetingRecordings(
        pb.ListMeetingRecordingsRequest(meeting_id=meeting.id), timeout=10
    )
    assert not answer.has_recording


async def test_a_finished_recording_lists_its_files_and_grants_download(
    gw: Gateway, zoom: Zoom
) -> None:
    meeting, uuid = await held_meeting(gw, zoom, "rec-files")
    answer = await gw.stub.ListMeetingRecordings(
        pb.ListMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
    )
    assert answer.has_recording
    files = {f.file_type: f for f in answer.recording.recording_files}
    mp4 = files[common_pb2.RECORDING_FILE_TYPE_MP4]
    assert mp4.file_size_bytes == 4096
    assert mp4.download_url
    assert answer.recording.meeting_id == meeting.id
    access = await gw.stub.GetDownloadAccess(
        pb.GetDownloadAccessRequest(meeting_uuid=uuid, recording_file_id=mp4.id), timeout=10
    )
    assert access.download_url == mp4.download_url
    assert access.access_token
    assert access.file_size_bytes == 4096
    assert urlsplit(access.download_url).hostname in access.credential_hosts
    assert access.expire_time.seconds > datetime.now(UTC).timestamp()
    async with httpx.AsyncClient(follow_redirects=True) as http:
        response = await http.get(
            access.download_url, headers={"Authorization": f"Bearer {access.access_token}"}
        )
    assert response.status_code == 200
    assert len(response.content) == 4096


async def test_download_urls_off_the_zoom_hosts_are_refused(gw: Gateway) -> None:
    code, _ = await rpc_error(
        gw.stub.GetDownloadAccess(
            pb.GetDownloadAccessRequest(
                download_url="https://evil.example/rec/download/x", download_token="t"
            ),
            timeout=10,
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION


async def test_delete_a_file_then_all_recordings(gw: Gateway, zoom: Zoom) -> None:
    _, uuid = await held_meeting(gw, zoom, "rec-delete")
    answer = await gw.stub.ListMeetingRecordings(
        pb.ListMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
    )
    chat = next(f for f in answer.recording.recording_files if f.zoom_file_type == "CHAT")
    await gw.stub.DeleteRecordingFile(
        pb.DeleteRecordingFileRequest(meeting_uuid=uuid, recording_file_id=chat.id), timeout=10
    )
    after = await gw.stub.ListMeetingRecordings(
        pb.ListMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
    )
    assert chat.id not in {f.id for f in after.recording.recording_files}
    await gw.stub.DeleteMeetingRecordings(
        pb.DeleteMeetingRecordingsRequest(meeting_uuid=uuid, action=pb.DELETE_ACTION_DELETE),
        timeout=10,
    )
    gone = await gw.stub.ListMeetingRecordings(
        pb.ListMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
    )
    assert not gone.has_recording
    code, _ = await rpc_error(
        gw.stub.DeleteMeetingRecordings(
            pb.DeleteMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND


def _date(d: date) -> date_pb2.Date:
    return date_pb2.Date(year=d.year, month=d.month, day=d.day)


async def test_user_recordings_over_months_walk_one_month_windows(gw: Gateway, zoom: Zoom) -> None:
    await held_meeting(gw, zoom, "rec-range")
    today = datetime.now(UTC).date()
    request = pb.ListUserRecordingsRequest(page_size=30, all_pages=True)
    getattr(request, "from").CopyFrom(_date(today - timedelta(days=100)))
    request.to.CopyFrom(_date(today))
    answer = await gw.stub.ListUserRecordings(request, timeout=20)
    assert len(answer.recordings) == 1
    assert not answer.next_page_token
    windows = zoom.requests("GET", "/recordings")
    assert len([w for w in windows if "/users/" in w["path"]]) >= 4  # 100 days: 4 windows
    assert all(r["status"] == 200 for r in windows)


async def test_past_participants_follow_every_page(gw: Gateway, zoom: Zoom) -> None:
    meeting, uuid = await held_meeting(gw, zoom, "rec-people", guests=5)
    answer = await gw.stub.ListPastMeetingParticipants(
        pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, page_size=2, all_pages=True),
        timeout=10,
    )
    assert len(answer.participants) == 5
    assert not answer.next_page_token
    page = await gw.stub.ListPastMeetingParticipants(
        pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, page_size=2), timeout=10
    )
    assert len(page.participants) == 2
    assert page.next_page_token
    past = await gw.stub.GetPastMeeting(pb.GetPastMeetingRequest(meeting_uuid=uuid), timeout=10)
    assert past.id == meeting.id
    assert past.end_time.seconds > 0


async def test_past_participants_continue_behind_our_token(gw: Gateway, zoom: Zoom) -> None:
    _meeting, uuid = await held_meeting(gw, zoom, "rec-pages", guests=5)
    names: list[str] = []
    token = ""
    for _ in range(10):
        page = await gw.stub.ListPastMeetingParticipants(
            pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, page_size=2, page_token=token),
            timeout=10,
        )
        assert len(page.participants) <= 2
        names += [p.name for p in page.participants]
        token = page.next_page_token
        if not token:
            break
    assert len(names) == 5
    first = await gw.stub.ListPastMeetingParticipants(
        pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, page_size=2), timeout=10
    )
    for request in (
        pb.ListPastMeetingParticipantsRequest(
            meeting_uuid=uuid, page_token=first.next_page_token, use_report=True
        ),
        pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, page_token="garbage!"),
    ):
        code, _ = await rpc_error(gw.stub.ListPastMeetingParticipants(request, timeout=10))
        assert code == grpc.StatusCode.INVALID_ARGUMENT


async def test_user_recordings_page_behind_window_tokens(gw: Gateway, zoom: Zoom) -> None:
    for i in range(3):
        await held_meeting(gw, zoom, f"rec-window-{i}")
    today = datetime.now(UTC).date()

    def request(token: str = "", *, days: int = 40) -> pb.ListUserRecordingsRequest:
        out = pb.ListUserRecordingsRequest(page_size=1, page_token=token)
        getattr(out, "from").CopyFrom(_date(today - timedelta(days=days)))
        out.to.CopyFrom(_date(today))
        return out

    uuids: list[str] = []
    token = ""
    for _ in range(10):
        page = await gw.stub.ListUserRecordings(request(token), timeout=20)
        uuids += [r.meeting_uuid for r in page.recordings]
        token = page.next_page_token
        if not token:
            break
    assert len(uuids) == len(set(uuids)) == 3

    first = await gw.stub.ListUserRecordings(request(), timeout=20)
    assert first.next_page_token
    for bad in (
        request(first.next_page_token, days=41),  # other dates than the token's
        request("garbage!"),
        request(first.next_page_token[:-1]),
    ):
        code, err = await rpc_error(gw.stub.ListUserRecordings(bad, timeout=20))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "page_token" in err.message


async def test_uuids_needing_double_encoding_reach_zoom(tmp_path: Path) -> None:
    async with (
        zoom_simulator(uuid_slash_probability=1.0, strict_uuid_encoding=True) as zoom,
        zoom_gateway(gateway_settings(zoom, tmp_path)) as gw,
    ):
        _meeting, uuid = await held_meeting(gw, zoom, "slashy")
        assert uuid.startswith("/") or "//" in uuid
        answer = await gw.stub.ListMeetingRecordings(
            pb.ListMeetingRecordingsRequest(meeting_uuid=uuid), timeout=10
        )
        assert answer.has_recording
        assert answer.recording.meeting_uuid == uuid
        people = await gw.stub.ListPastMeetingParticipants(
            pb.ListPastMeetingParticipantsRequest(meeting_uuid=uuid, all_pages=True), timeout=10
        )
        assert people is not None
