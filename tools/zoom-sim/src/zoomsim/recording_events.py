"""The cloud recorder of a live meeting: `recording.started`, `recording.paused`,
`recording.resumed` and `recording.stopped` (reference section 7.6 names them; their object is
the meeting's with `id` a number, as in every recording event, plus `recording_file`
`{recording_start, recording_end}` for the segment concerned).

A meeting whose `auto_recording` is `cloud` starts recording when it starts and stops when it
ends; the control API (`POST /_sim/meetings/{id}/recording/start|pause|resume|stop`) plays a host
pressing the buttons in between. The state is kept whatever the switches say; the events are
sent with the `recording_control_events` fidelity switch only, so Classbridge, which ignores
them today, is not sent events it never asked the simulator for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoomsim.state import Instance, Meeting, iso

if TYPE_CHECKING:
    from zoomsim.app import Simulator

# action -> (states it applies to, state after, event)
ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "start": (("", "stopped"), "recording", "recording.started"),
    "pause": (("recording",), "paused", "recording.paused"),
    "resume": (("paused",), "recording", "recording.resumed"),
    "stop": (("recording", "paused"), "stopped", "recording.stopped"),
}


class CloudRecorder:
    """Moves an instance's cloud recording through its states and announces each step."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def on_start(self, m: Meeting, inst: Instance) -> None:
        if m.settings.get("auto_recording") == "cloud":
            self.act(m, inst, "start")

    def on_end(self, m: Meeting, inst: Instance) -> None:
        if inst.cloud_recording in ("recording", "paused"):
            self.act(m, inst, "stop")

    def act(self, m: Meeting, inst: Instance, action: str) -> str:
        """Apply `action`; a LookupError when it does not apply now (the control API: 409)."""
        if action not in ACTIONS:
            raise LookupError(f"unknown recording action {action}")
        allowed, after, event = ACTIONS[action]
        if inst.end_time is not None:
            raise LookupError("the meeting is not live")
        if inst.cloud_recording not in allowed:
            now_in = inst.cloud_recording or "off"
            raise LookupError(f"cannot {action} a recording that is {now_in}")
        now = self.state.clock.now()
        segment: dict[str, str]
        if action in ("start", "resume"):
            inst.segment_start = now
            segment = {"recording_start": iso(now), "recording_end": ""}
        else:
            segment = {"recording_start": iso(inst.segment_start or now), "recording_end": iso(now)}
        inst.cloud_recording = after
        if self.sim.config.fidelity.recording_control_events:
            self._emit(event, m, inst, segment)
        return after

    def _emit(self, event: str, m: Meeting, inst: Instance, segment: dict[str, str]) -> None:
        host = self.state.users[m.host_id]
        obj: dict[str, Any] = {
            "id": m.id,
            "uuid": inst.uuid,
            "host_id": m.host_id,
            "account_id": m.account_id,
            "topic": m.topic,
            "type": m.type,
            "start_time": iso(inst.start_time),
            "timezone": m.timezone,
            "duration": m.duration,
            "recording_file": segment,
        }
        self.sim.webhooks.emit(
            event,
            {
                "account_id": m.account_id,
                "operator": host.email,
                "operator_id": host.id,
                "object": obj,
            },
        )
