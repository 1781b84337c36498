"""REST handlers for cloud recordings (reference section 4): per meeting, per user (with the
one-month window and expiring page tokens), trash/delete and recover.

With the `recording_list_filters` fidelity switch the user list honours `trash_type`
(`meeting_recordings`, the default: meetings trashed whole; `recording_file`: files trashed one
by one), `meeting_id` (a meeting number, or liberally an instance UUID) and `mc` (`true` asks
for recordings made through an on-premise meeting connector: the simulator has none).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomsim.content import FILE_TYPES
from zoomsim.routing import ZoomError, json_response, validation_error
from zoomsim.state import Instance, RecordingFile, iso

if TYPE_CHECKING:
    from zoomsim.app import Api

NO_RECORDING = "There is no recording for this meeting."


def file_json(
    inst: Instance, f: RecordingFile, base: str, *, webhook: bool = False
) -> dict[str, Any]:
    """One `recording_files[]` entry; TIMELINE and CC carry no play_url, as observed."""
    ext = FILE_TYPES.get(f.file_type, ("MP4", "", ""))[0]
    d: dict[str, Any] = {
        "id": f.id,
        "meeting_id": inst.uuid,
        "recording_start": iso(f.recording_start),
        "recording_end": iso(f.recording_end),
        "file_type": f.file_type,
        "file_extension": ext,
        "file_size": f.size,
    }
    if f.file_type not in ("TIMELINE", "CC"):
        d["play_url"] = f"{base}/rec/play/{f.path_token}"
    d["download_url"] = f"{base}/rec/download/{f.path_token}"
    d["status"] = f.status
    d["recording_type"] = f.recording_type
    if f.state == "trashed" and f.deleted_time is not None:
        d["deleted_time"] = iso(f.deleted_time)
    if webhook:
        d["file_name"] = f"{f.recording_type}.{ext.lower()}"
    return d


class RecordingsApi:
    """The recording endpoints; they share visibility rules with the webhook payloads."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.sim = api.sim
        self.state = api.sim.state

    def visible(self, inst: Instance, *, trash: bool = False) -> list[RecordingFile]:
        rec = inst.recording
        now = self.state.clock.now()
        if rec is None or rec.ready_at is None or rec.ready_at > now:
            return []
        want = "trashed" if trash else "active"
        out = []
        for f in rec.files:
            if f.state != want:
                continue
            if f.file_type == "TRANSCRIPT" and (
                rec.transcript_ready_at is None or rec.transcript_ready_at > now
            ):
                continue
            out.append(f)
        return out

    def meeting_json(
        self, inst: Instance, files: list[RecordingFile], base: str, *, webhook: bool = False
    ) -> dict[str, Any]:
        m = self.state.meetings[inst.meeting_id]
        host = self.state.users[m.host_id]
        rec = inst.recording
        assert rec is not None
        end = inst.end_time or self.state.clock.now()
        d: dict[str, Any] = {
            "uuid": inst.uuid,
            "id": m.id,
            "account_id": m.account_id,
            "host_id": m.host_id,
            "topic": m.topic,
            "type": m.type,
            "start_time": iso(inst.start_time),
            "timezone": m.timezone,
            "duration": max(1, round((end - inst.start_time) / 60)),
            "total_size": sum(f.size for f in files),
            "recording_count": len(files),
            "share_url": f"{base}/rec/share/{rec.share_token}",
            "password": "",
            "recording_play_passcode": rec.play_passcode,
        }
        if webhook:
            d["host_email"] = host.email
            d["on_prem"] = False
        d["recording_files"] = [file_json(inst, f, base, webhook=webhook) for f in files]
        d["participant_audio_files"] = []
        return d

    def _instance(self, account_id: str, key: str) -> Instance:
        self._paid(account_id)
        inst = self.state.instance_for(account_id, key, ended=False)
        if inst is None:
            if key.isdigit() and self.state.meeting(account_id, int(key)) is None:
                raise ZoomError(404, 3301, NO_RECORDING)
            raise ZoomError(404, 3301, NO_RECORDING)
        if key.isdigit():  # the most recent instance that has a recording
            m = self.state.meetings[inst.meeting_id]
            with_rec = [i for i in m.instances if i.recording is not None]
            inst = with_rec[-1] if with_rec else inst
        return inst

    def _paid(self, account_id: str) -> None:
        if self.state.accounts[account_id].plan in ("free", "basic"):
            raise ZoomError(400, 200, f"Only available for paid account: {account_id}.")

    async def get(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        inst = self._instance(tok.account_id, p["meeting_id"])
        files = self.visible(inst)
        if not files:
            raise ZoomError(404, 3301, NO_RECORDING)
        d = self.meeting_json(inst, files, self.api.base(request))
        q = request.query_params
        if "download_access_token" in q.get("include_fields", "").split(","):
            try:
                ttl = int(q.get("ttl", "86400"))
            except ValueError:
                raise validation_error("ttl") from None
            if ttl < 0 or ttl > 604800:
                raise validation_error("ttl")
            token = self.state.new_token()
            self.state.download_tokens[token] = (
                tok.account_id,
                inst.uuid,
                self.state.clock.now() + (ttl or 86400),
            )
            d = {
                **{k: v for k, v in d.items() if k != "recording_files"},
                "download_access_token": token,
                "recording_files": d["recording_files"],
            }
        return json_response(d)

    async def list_user(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        self._paid(tok.account_id)
        user = self.state.find_user(tok.account_id, p["user_id"], tok.user_id)
        if user is None:
            raise ZoomError(404, 1001, f"User does not exist: {p['user_id']}.")
        q = request.query_params
        today = datetime.fromtimestamp(self.state.clock.now(), UTC).date()
        try:
            frm = date.fromisoformat(q["from"]) if q.get("from") else today
            to = date.fromisoformat(q["to"]) if q.get("to") else today
        except ValueError:
            raise validation_error("from") from None
        trash = q.get("trash", "false").lower() == "true"
        picks = self._list_filters(request)
        if not trash:
            if to < frm:
                raise validation_error("to", "The to date must be after the from date.")
            limit = _add_month(frm)
            if to > limit:
                raise ZoomError(400, 300, "The date range must be within one month.")
        lo = datetime(frm.year, frm.month, frm.day, tzinfo=UTC).timestamp()
        hi = (datetime(to.year, to.month, to.day, tzinfo=UTC) + timedelta(days=1)).timestamp()
        base = self.api.base(request)
        items = []
        for m in self.state.meetings.values():
            if m.host_id != user.id:
                continue
            for inst in m.instances:
                files = self.visible(inst, trash=trash)
                if picks is not None:
                    files = picks.apply(m.id, inst, files, trash)
                if not files or (not trash and not lo <= inst.start_time < hi):
                    continue
                items.append(self.meeting_json(inst, files, base))
        items.sort(key=lambda d: d["start_time"], reverse=True)
        key = f"rec:{user.id}:{frm}:{to}:{trash}:{picks}"
        page = self.api.paginate(request, key, items, "meetings", legacy=False)
        return json_response({"from": frm.isoformat(), "to": to.isoformat(), **page})

    def _list_filters(self, request: Request) -> ListFilters | None:
        if not self.sim.config.fidelity.recording_list_filters:
            return None
        q = request.query_params
        trash_type = q.get("trash_type", "meeting_recordings")
        if trash_type not in ("meeting_recordings", "recording_file"):
            raise validation_error("trash_type")
        mc = q.get("mc", "false").lower()
        if mc not in ("true", "false"):
            raise validation_error("mc")
        return ListFilters(trash_type, q.get("meeting_id", "").strip(), mc == "true")

    def _action(self, request: Request) -> str:
        action = request.query_params.get("action", "trash")
        if action not in ("trash", "delete"):
            raise validation_error("action")
        return action

    def _event_object(
        self, inst: Instance, files: list[RecordingFile], base: str
    ) -> dict[str, Any]:
        return self.meeting_json(inst, files, base, webhook=True)

    def _apply(
        self,
        inst: Instance,
        files: list[RecordingFile],
        action: str,
        tok: Any,
        base: str,
        *,
        whole_meeting: bool = True,
    ) -> None:
        now = self.state.clock.now()
        for f in files:
            if action == "trash":
                self.state.trash_file(f, now, whole_meeting)
            else:
                f.state, f.deleted_time = "deleted", now
        owner = (
            self.state.users.get(tok.user_id or "") or self.state.accounts[tok.account_id].users[0]
        )
        event = "recording.trashed" if action == "trash" else "recording.deleted"
        self.sim.webhooks.emit(
            event,
            {
                "account_id": tok.account_id,
                "operator": owner.email,
                "operator_id": owner.id,
                "object": self._event_object(inst, files, base),
            },
        )

    async def delete(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        action = self._action(request)
        inst = self._instance(tok.account_id, p["meeting_id"])
        files = self.visible(inst) + (self.visible(inst, trash=True) if action == "delete" else [])
        if not files:
            raise ZoomError(404, 3301, NO_RECORDING)
        self._apply(inst, files, action, tok, self.api.base(request))
        return Response(status_code=204)

    async def delete_file(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        action = self._action(request)
        inst = self._instance(tok.account_id, p["meeting_id"])
        entry = self.state.files_by_id.get(p["recording_id"])
        if entry is None or entry[0] is not inst or entry[1].state == "deleted":
            raise ZoomError(404, 3301, "Recording file does not exist")
        f = entry[1]
        if f.status != "completed" or (inst.recording and inst.recording.ready_at is None):
            raise ZoomError(400, 3303, "Can not delete a uncompleted recording")
        if f.state == "trashed" and action == "trash":
            raise ZoomError(404, 3301, "Recording file does not exist")
        self._apply(inst, [f], action, tok, self.api.base(request), whole_meeting=False)
        return Response(status_code=204)

    async def recover(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        body = await self.api.json_body(request)
        if body.get("action") != "recover":
            raise validation_error("action")
        inst = self._instance(tok.account_id, p["meeting_id"])
        rid = p.get("recording_id")
        trashed = self.visible(inst, trash=True)
        files = [f for f in trashed if rid is None or f.id == rid]
        if not files:
            raise ZoomError(404, 3301, NO_RECORDING)
        self.recover_files(inst, files, tok.account_id, tok.user_id, self.api.base(request))
        return Response(status_code=204)

    def recover_files(
        self,
        inst: Instance,
        files: list[RecordingFile],
        account_id: str,
        user_id: str | None,
        base: str,
    ) -> None:
        for f in files:
            f.state = "active"
            f.deleted_time = None
            f.trash_type = ""
        owner = self.state.users.get(user_id or "") or self.state.accounts[account_id].users[0]
        self.sim.webhooks.emit(
            "recording.recovered",
            {
                "account_id": account_id,
                "operator": owner.email,
                "operator_id": owner.id,
                "object": self._event_object(inst, files, base),
            },
        )

    def new_download_token(self, account_id: str, inst: Instance) -> str:
        token = "eyJ" + secrets.token_urlsafe(96)
        self.state.download_tokens[token] = (
            account_id,
            inst.uuid,
            self.state.clock.now() + self.sim.config.download_token_ttl,
        )
        return token


@dataclass(frozen=True)
class ListFilters:
    """`trash_type`, `meeting_id` and `mc` of GET /users/{id}/recordings."""

    trash_type: str
    meeting_id: str
    on_prem: bool

    def apply(
        self, number: int, inst: Instance, files: list[RecordingFile], trash: bool
    ) -> list[RecordingFile]:
        """The files of one instance this listing shows."""
        if self.on_prem:
            return []  # every simulated recording is a cloud one
        if self.meeting_id and self.meeting_id not in (str(number), inst.uuid):
            return []
        if trash:
            return [f for f in files if (f.trash_type or "meeting_recordings") == self.trash_type]
        return files


def _add_month(d: date) -> date:
    y, m = (d.year, d.month + 1) if d.month < 12 else (d.year + 1, 1)
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return date(y, m, 28)
