"""A meeting's life as Zoom plays it: started, participants joining and leaving, ended, the cloud
recording processed after a delay (`recording.completed`), the transcript later
(`recording.transcript_completed`). Each step changes the state and emits the webhook.

With fidelity switches, also the waiting room (zoomsim.waiting_room), the recorder's
`recording.started|paused|resumed|stopped` (zoomsim.recording_events) and the meeting summary
after the end (zoomsim.summaries). Inside the meeting: roles (zoomsim.roles), sharing
(zoomsim.sharing) and breakout rooms (zoomsim.breakout_rooms); who a participant is in every
event (registrant, customer key, phone): zoomsim.participants.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from zoomsim import participants
from zoomsim.recordings import RecordingsApi
from zoomsim.state import Instance, Meeting, Participant, iso

if TYPE_CHECKING:
    from zoomsim.app import Simulator

DEFAULT_FILES = ("MP4", "M4A", "CHAT", "TIMELINE", "TRANSCRIPT", "CC")


class Lifecycle:
    """Scripted meeting events; used by the control API and by `PUT /meetings/{id}/status`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state
        self._tasks: set[asyncio.Task[None]] = set()

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await t

    def _meeting_object(self, m: Meeting, inst: Instance) -> dict[str, Any]:
        return {
            "id": str(m.id),
            "uuid": inst.uuid,
            "host_id": m.host_id,
            "topic": m.topic,
            "type": m.type,
            "start_time": iso(inst.start_time),
            "timezone": m.timezone,
            "duration": m.duration if m.type != 1 else 0,
        }

    def emit_meeting(self, event: str, m: Meeting, inst: Instance, **obj: Any) -> None:
        """A meeting event (`object.id` a string) to the meeting's account."""
        self.sim.webhooks.emit(
            event, {"account_id": m.account_id, "object": {**self._meeting_object(m, inst), **obj}}
        )

    def start(self, m: Meeting, at: float | None = None) -> Instance:
        if m.live is not None:
            return m.live
        inst = self.state.start_instance(m, at if at is not None else self.state.clock.now())
        self.emit_meeting("meeting.started", m, inst)
        self.sim.recorder.on_start(m, inst)
        return inst

    def join(
        self,
        m: Meeting,
        name: str,
        email: str = "",
        *,
        internal: bool = False,
        at: float | None = None,
        wait: bool = False,
        **identity: str,
    ) -> Participant:
        """Someone joins (starting the meeting if needed). In a meeting with a waiting room
        (`waiting_room_events`) they pass through it: admitted at once, or left waiting with
        `wait` until `admit`. `identity`: what else names them (`registrant_id`,
        `customer_key`, `phone_number`, `device`, `role`); the host's own user joins as `host`
        unless a role is given."""
        inst = m.live or self.start(m, at)
        zoom_user_id = ""
        if internal or email:
            user = next(
                (
                    u
                    for u in self.state.accounts[m.account_id].users
                    if email and u.email.lower() == email.lower()
                ),
                None,
            )
            if user is not None:
                zoom_user_id = user.id
        if not identity.get("role"):
            identity["role"] = "host" if zoom_user_id and zoom_user_id == m.host_id else "attendee"
        when = at if at is not None else self.state.clock.now()
        if not self.sim.waiting_room.applies(m):
            p = self.state.join(inst, name, email, zoom_user_id, when, **identity)
            return self.joined(m, inst, p)
        p = self.state.new_participant(inst, name, email, zoom_user_id, when, **identity)
        self.sim.waiting_room.enter(m, inst, p, when)
        return p if wait else self.admit(m, p.user_id, when)

    def admit(self, m: Meeting, user_id: str, at: float | None = None) -> Participant:
        """The host admits a participant from the waiting room."""
        inst = m.live
        p = self.sim.waiting_room.waiting(inst, user_id) if inst is not None else None
        if inst is None or p is None:
            raise LookupError(f"no participant {user_id} in the waiting room")
        when = at if at is not None else self.state.clock.now()
        self.sim.waiting_room.admit(m, inst, p, when)
        p.join_time = when
        inst.participants.append(p)
        return self.joined(m, inst, p)

    def joined(self, m: Meeting, inst: Instance, p: Participant) -> Participant:
        """`meeting.participant_joined` for a main-meeting row that has just begun."""
        self.emit_meeting("meeting.participant_joined", m, inst, participant=participants.joined(p))
        return p

    def present(self, inst: Instance, user_id: str) -> Participant:
        """The participant in the meeting now under `user_id`; liberal: an earlier `user_id`
        of the same device (before a breakout-room move) finds its current row."""
        rows = inst.participants
        p = next((x for x in rows if x.user_id == user_id and x.leave_time is None), None)
        if p is None:
            old = next((x for x in rows if x.user_id == user_id), None)
            if old is not None:
                p = next(
                    (
                        x
                        for x in reversed(rows)
                        if x.participant_uuid == old.participant_uuid and x.leave_time is None
                    ),
                    None,
                )
        if p is None:
            raise LookupError(f"no participant {user_id} in the meeting")
        return p

    def leave(
        self, m: Meeting, user_id: str, at: float | None = None, reason: str = "left the meeting"
    ) -> Participant:
        inst = m.live
        if inst is None:
            raise LookupError("meeting is not live")
        waiting = self.sim.waiting_room.waiting(inst, user_id)
        if waiting is not None:  # never admitted: out of the waiting room only
            waiting.leave_time = at if at is not None else self.state.clock.now()
            self.sim.waiting_room.leave(m, inst, waiting, waiting.leave_time)
            return waiting
        p = self.present(inst, user_id)
        when = at if at is not None else self.state.clock.now()
        self.sim.sharing.stop(m, inst, p, when)
        p.leave_time = when
        p.leave_reason = reason
        self.gone(m, inst, p)
        return p

    def gone(self, m: Meeting, inst: Instance, p: Participant) -> None:
        """The events of a row that ended with the person leaving the meeting."""
        if p.room:
            self.sim.breakout_rooms.left_meeting(m, inst, p)
        else:
            self.left_event(m, inst, p)

    def left_event(self, m: Meeting, inst: Instance, p: Participant) -> None:
        """`meeting.participant_left` for a main-meeting row that has ended."""
        self.emit_meeting("meeting.participant_left", m, inst, participant=participants.left(p))

    def end(
        self,
        m: Meeting,
        at: float | None = None,
        *,
        recording: dict[str, Any] | None = None,
        summary: bool = False,
    ) -> Instance:
        inst = m.live
        if inst is None:
            raise LookupError("meeting is not live")
        when = at if at is not None else self.state.clock.now()
        self.sim.waiting_room.close(m, inst, when)
        self.sim.recorder.on_end(m, inst)
        for p in inst.participants:
            if p.leave_time is None:
                self.sim.sharing.stop(m, inst, p, when)
        for p in self.state.end_instance(m, inst, when):
            p.leave_reason = "host ended the meeting"
            self.gone(m, inst, p)
        self.emit_meeting("meeting.ended", m, inst, end_time=iso(when))
        if recording is not None or m.settings.get("auto_recording") == "cloud":
            self.record(inst, **(recording or {}))
        self.sim.summaries.after_end(m, inst, requested=summary)
        return inst

    # -- recordings ----------------------------------------------------------------------------
    def default_files(self, inst: Instance) -> list[dict[str, Any]]:
        minutes = max(1, round(((inst.end_time or inst.start_time) - inst.start_time) / 60))
        per = self.sim.config.mp4_bytes_per_minute
        vtt = 8 + 160 * 15 * minutes  # WebVTT: one 160-byte cue every 4 s of the class
        sizes = {
            "MP4": per * minutes,
            "M4A": per * minutes // 8,
            "CHAT": 128 * max(32, 2 * minutes),  # two chat lines a minute, 32 at least
            "TIMELINE": 8192,
            "TRANSCRIPT": vtt,
            "CC": vtt,
        }
        return [{"file_type": t, "size": sizes[t]} for t in DEFAULT_FILES]

    def record(
        self,
        inst: Instance,
        files: list[dict[str, Any]] | None = None,
        delay: float | None = None,
        transcript_delay: float | None = None,
    ) -> None:
        """Create the recording now; it becomes visible (and is announced) after `delay`."""
        cfg = self.sim.config
        spec = files or self.default_files(inst)
        self.state.add_recording(inst, spec)
        length = (inst.end_time or self.state.clock.now()) - inst.start_time
        auto = 2 * length * cfg.time_factor
        d = (
            delay
            if delay is not None
            else (cfg.recording_delay_seconds if cfg.recording_delay_seconds is not None else auto)
        )
        td = (
            transcript_delay
            if transcript_delay is not None
            else (cfg.transcript_delay_seconds if cfg.transcript_delay_seconds is not None else d)
        )
        self.later(max(0.0, d), lambda: self.recording_ready(inst))
        if any(str(f.get("file_type", "")).upper() == "TRANSCRIPT" for f in spec):
            self.later(max(0.0, d) + max(0.0, td), lambda: self.transcript_ready(inst))

    def later(self, delay: float, fn: Any) -> None:
        """Run `fn` after `delay` real seconds (cancelled when the simulator stops)."""

        async def run() -> None:
            if delay > 0:
                await asyncio.sleep(delay)
            fn()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _recordings(self) -> RecordingsApi:
        return self.sim.api.recordings

    def recording_ready(self, inst: Instance) -> None:
        rec = inst.recording
        if rec is None or rec.ready_at is not None:
            return
        rec.ready_at = self.state.clock.now()
        m = self.state.meetings[inst.meeting_id]
        files = [f for f in rec.files if f.state == "active"]
        obj = self._recordings().meeting_json(inst, files, self.sim.base_url(), webhook=True)
        token = self._recordings().new_download_token(m.account_id, inst)
        self.sim.webhooks.emit(
            "recording.completed", {"account_id": m.account_id, "object": obj}, download_token=token
        )

    def transcript_ready(self, inst: Instance) -> None:
        rec = inst.recording
        if rec is None or rec.transcript_ready_at is not None:
            return
        if rec.ready_at is None:
            self.recording_ready(inst)
        rec.transcript_ready_at = self.state.clock.now()
        files = [f for f in rec.files if f.file_type == "TRANSCRIPT" and f.state == "active"]
        for f in files:
            f.status = "completed"
        m = self.state.meetings[inst.meeting_id]
        obj = self._recordings().meeting_json(inst, files, self.sim.base_url(), webhook=True)
        token = self._recordings().new_download_token(m.account_id, inst)
        self.sim.webhooks.emit(
            "recording.transcript_completed",
            {"account_id": m.account_id, "object": obj},
            download_token=token,
        )

    def change_files(self, inst: Instance, action: str, file_id: str | None = None) -> int:
        """trash | delete | recover from the web portal (the owner is the operator)."""
        rec = inst.recording
        if rec is None:
            raise LookupError("no recording")
        m = self.state.meetings[inst.meeting_id]
        owner = self.state.accounts[m.account_id].users[0]
        want = {"trash": ("active",), "delete": ("active", "trashed"), "recover": ("trashed",)}
        files = [
            f for f in rec.files if f.state in want[action] and (file_id is None or f.id == file_id)
        ]
        if not files:
            raise LookupError("no matching files")
        base = self.sim.base_url()
        api = self._recordings()
        if action == "recover":
            api.recover_files(inst, files, m.account_id, owner.id, base)
            return len(files)
        now = self.state.clock.now()
        for f in files:
            if action == "trash":
                self.state.trash_file(f, now, whole_meeting=file_id is None)
            else:
                f.state, f.deleted_time = "deleted", now
        event = "recording.trashed" if action == "trash" else "recording.deleted"
        self.sim.webhooks.emit(
            event,
            {
                "account_id": m.account_id,
                "operator": owner.email,
                "operator_id": owner.id,
                "object": api.meeting_json(inst, files, base, webhook=True),
            },
        )
        return len(files)
