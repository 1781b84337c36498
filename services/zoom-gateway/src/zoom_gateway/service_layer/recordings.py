"""Cloud recordings, past-meeting participants and download access."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from classbridge_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
    invalid_field,
)
from classbridge_common.paging import decode_cursor, encode_cursor
from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.paging import WindowCursor, host_allowed, month_windows
from zoom_gateway.domain.ratelimits import Category
from zoom_gateway.domain.uuids import encode_meeting_ref, encode_path_segment
from zoom_gateway.domain.zoom_errors import ZoomApiError, to_classbridge_error
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.calls import zoom_call
from zoom_gateway.service_layer.pages import collect_pages, page_token_for, zoom_token_of

NO_RECORDING = 3301


@dataclass(frozen=True)
class DownloadGrant:
    """Secret and short-lived: never log."""

    download_url: str
    access_token: str
    expires_at: datetime | None
    credential_hosts: list[str]
    redirect_hosts: list[str]
    file_size: int = 0
    file_name: str = ""

    def __repr__(self) -> str:
        return f"DownloadGrant(<hidden>, hosts={self.credential_hosts})"


@dataclass
class UserRecordingsPage:
    recordings: list[dict[str, Any]] = field(default_factory=list)
    next_page_token: str = ""


def _action(delete_permanently: bool) -> str:
    return "delete" if delete_permanently else "trash"


class Recordings:
    def __init__(
        self,
        *,
        zoom: ZoomClient,
        download_token_ttl: int,
        credential_hosts: list[str],
        redirect_hosts: list[str],
    ) -> None:
        self._zoom = zoom
        self._ttl = download_token_ttl
        self._credential_hosts = credential_hosts
        self._redirect_hosts = redirect_hosts

    async def meeting_recordings(
        self, *, actor: Actor, meeting: str | int, deadline: Deadline, download_token: bool = False
    ) -> dict[str, Any] | None:
        """The instance's recording, or ``None`` when Zoom has none (yet): 3301 is not an error."""
        params = (
            {"include_fields": "download_access_token", "ttl": self._ttl}
            if download_token
            else None
        )
        try:
            response = await zoom_call(
                self._zoom,
                actor,
                "GET",
                f"/meetings/{encode_meeting_ref(meeting)}/recordings",
                template="/meetings/{meeting}/recordings",
                category=Category.LIGHT,
                deadline=deadline,
                operation="read_recordings",
                params=params,
                resource_id=str(meeting),
                raw_errors=(ZoomApiError,),
            )
        except ZoomApiError as err:
            if err.code == NO_RECORDING:
                return None
            raise to_classbridge_error(err) from None
        return dict(response.body or {})

    async def user_recordings(
        self,
        *,
        actor: Actor,
        host: str,
        date_from: date | None,
        date_to: date | None,
        page_size: int,
        page_token: str,
        trash: bool,
        trash_type: str,
        meeting_id: int,
        all_pages: bool,
        deadline: Deadline,
    ) -> UserRecordingsPage:
        """A host's recordings over any range: one-month windows walked behind one token."""
        host = host or actor.default_host
        bound_to = {
            "list": "zoomgateway.ListUserRecordings",
            "tenant": actor.tenant.id,
            "host": host,
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "trash": trash,
            "trash_type": trash_type,
            "meeting_id": meeting_id,
        }
        found = decode_cursor(page_token, bound_to, shape=WindowCursor.SHAPE)
        if found is not None:
            try:
                cursor = WindowCursor.from_cursor(found)
            except ValueError:
                raise invalid_field("page_token", "not a token this method issued") from None
        else:
            start = date_from or datetime.now(UTC).date()
            end = date_to or datetime.now(UTC).date()
            if end < start:
                raise InvalidArgument(
                    "`to` is before `from`", violations=[FieldViolation("to", "before from")]
                )
            cursor = WindowCursor(start=start, end=end, window=0, zoom_token="")
        windows = [(cursor.start, cursor.end)] if trash else month_windows(cursor.start, cursor.end)
        page = UserRecordingsPage()
        window, token = cursor.window, cursor.zoom_token
        while window < len(windows):
            lo, hi = windows[window]
            params: dict[str, Any] = {"page_size": page_size}
            if trash:
                params["trash"] = "true"
                if trash_type:
                    params["trash_type"] = trash_type
            else:
                params["from"], params["to"] = lo.isoformat(), hi.isoformat()
            if meeting_id:
                params["meeting_id"] = meeting_id
            if token:
                params["next_page_token"] = token
            response = await zoom_call(
                self._zoom,
                actor,
                "GET",
                f"/users/{encode_path_segment(host)}/recordings",
                template="/users/{user}/recordings",
                category=Category.MEDIUM,
                deadline=deadline,
                operation="list_recordings",
                params=params,
                resource_id=host,
            )
            body = response.body or {}
            page.recordings.extend(body.get("meetings") or [])
            token = str(body.get("next_page_token") or "")
            if not token:
                window += 1
            more = window < len(windows)
            if not more:
                break
            if not all_pages and page.recordings:
                page.next_page_token = encode_cursor(
                    WindowCursor(cursor.start, cursor.end, window, token).to_cursor(), bound_to
                )
                break
        return page

    async def delete_meeting_recordings(
        self, *, actor: Actor, meeting: str | int, permanently: bool, deadline: Deadline
    ) -> None:
        await zoom_call(
            self._zoom,
            actor,
            "DELETE",
            f"/meetings/{encode_meeting_ref(meeting)}/recordings",
            template="/meetings/{meeting}/recordings",
            category=Category.LIGHT,
            deadline=deadline,
            operation="delete_recordings",
            params={"action": _action(permanently)},
            resource_id=str(meeting),
        )

    async def delete_recording_file(
        self,
        *,
        actor: Actor,
        meeting_uuid: str,
        file_id: str,
        permanently: bool,
        deadline: Deadline,
    ) -> None:
        if not meeting_uuid or not file_id:
            raise InvalidArgument(
                "meeting_uuid and recording_file_id are required",
                violations=[FieldViolation("recording_file_id", "required")],
            )
        await zoom_call(
            self._zoom,
            actor,
            "DELETE",
            f"/meetings/{encode_meeting_ref(meeting_uuid)}/recordings/{encode_path_segment(file_id)}",
            template="/meetings/{meeting}/recordings/{file}",
            category=Category.LIGHT,
            deadline=deadline,
            operation="delete_recording_file",
            params={"action": _action(permanently)},
            resource_id=file_id,
        )

    async def download_access(
        self,
        *,
        actor: Actor,
        meeting_uuid: str,
        file_id: str,
        download_url: str,
        download_token: str,
        deadline: Deadline,
    ) -> DownloadGrant:
        """URL + short-lived credential + allowed hosts, so bytes go Zoom → storage directly.

        Prefers, in order: the webhook's ``download_token`` the caller already has; Zoom's
        ``download_access_token`` (download-only, ``ttl`` seconds) from the recordings endpoint;
        the current OAuth access token.
        """
        now = datetime.now(UTC)
        file: dict[str, Any] = {}
        token = download_token
        expires: datetime | None = now + timedelta(hours=1) if token else None
        if not download_url or not token:
            if not meeting_uuid:
                raise InvalidArgument(
                    "meeting_uuid is required unless download_url and download_token are given",
                    violations=[FieldViolation("meeting_uuid", "required")],
                )
            recording = await self.meeting_recordings(
                actor=actor, meeting=meeting_uuid, deadline=deadline, download_token=not token
            )
            if recording is None:
                raise NotFound(resource_type="recording", resource_id=meeting_uuid)
            files = list(recording.get("recording_files") or []) + list(
                recording.get("participant_audio_files") or []
            )
            matches = [f for f in files if str(f.get("id", "")) == file_id] if file_id else []
            if file_id and not matches:
                raise NotFound(resource_type="recording_file", resource_id=file_id)
            file = matches[0] if matches else {}
            download_url = download_url or str(file.get("download_url", ""))
            if not token:
                token = str(recording.get("download_access_token") or "")
                expires = now + timedelta(seconds=self._ttl) if token else None
        if not download_url:
            raise InvalidArgument(
                "no download_url: give recording_file_id or download_url",
                violations=[FieldViolation("recording_file_id", "required")],
            )
        host = urlsplit(download_url).hostname or ""
        if not host_allowed(host, self._credential_hosts):
            raise FailedPrecondition(
                "download_url is not on a configured Zoom host",
                violations=[PreconditionViolation("DISALLOWED_HOST", host, "not a Zoom host")],
            )
        if not token:
            token = await actor.auth.token(deadline)
            expires = now + timedelta(minutes=50)
        return DownloadGrant(
            download_url=download_url,
            access_token=token,
            expires_at=expires,
            credential_hosts=list(self._credential_hosts),
            redirect_hosts=list(self._redirect_hosts),
            file_size=int(file.get("file_size") or 0),
            file_name=str(file.get("file_name") or ""),
        )

    async def past_participants(
        self,
        *,
        actor: Actor,
        meeting_uuid: str,
        page_size: int,
        page_token: str,
        use_report: bool,
        all_pages: bool,
        deadline: Deadline,
    ) -> tuple[list[dict[str, Any]], str, int]:
        if not meeting_uuid:
            raise InvalidArgument(
                "meeting_uuid is required", violations=[FieldViolation("meeting_uuid", "required")]
            )
        ref = encode_meeting_ref(meeting_uuid)
        if use_report:
            path, template, category = (
                f"/report/meetings/{ref}/participants",
                "/report/meetings/{meeting}/participants",
                Category.HEAVY,
            )
        else:
            path, template, category = (
                f"/past_meetings/{ref}/participants",
                "/past_meetings/{meeting}/participants",
                Category.MEDIUM,
            )
        # The report leaves `registrant_id` out unless asked for it: without it a registered
        # student's rows could only be matched by email, which a student may not share.
        extra = {"include_fields": "registrant_id"} if use_report else {}
        bound_to = {
            "list": "zoomgateway.ListPastMeetingParticipants",
            "tenant": actor.tenant.id,
            "meeting_uuid": meeting_uuid,
            "use_report": use_report,
        }
        items, zoom_token, total = await collect_pages(
            lambda token: zoom_call(
                self._zoom,
                actor,
                "GET",
                path,
                template=template,
                category=category,
                deadline=deadline,
                operation="report_participants" if use_report else "list_participants",
                params={
                    "page_size": page_size,
                    **extra,
                    **({"next_page_token": token} if token else {}),
                },
                resource_id=meeting_uuid,
            ),
            key="participants",
            first_token=zoom_token_of(page_token, bound_to),
            all_pages=all_pages,
            deadline=deadline,
        )
        return items, page_token_for(zoom_token, bound_to), total

    async def past_meeting(
        self, *, actor: Actor, meeting: str | int, deadline: Deadline
    ) -> dict[str, Any]:
        response = await zoom_call(
            self._zoom,
            actor,
            "GET",
            f"/past_meetings/{encode_meeting_ref(meeting)}",
            template="/past_meetings/{meeting}",
            category=Category.LIGHT,
            deadline=deadline,
            operation="read_past_meeting",
            resource_id=str(meeting),
        )
        return dict(response.body or {})
