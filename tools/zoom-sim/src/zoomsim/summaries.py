"""AI Companion meeting summaries, with the `meeting_summary` fidelity switch: some time after a
summarised meeting ends (its `settings.auto_start_meeting_summary`, or `"summary": true` on the
control API's end), Zoom sends `meeting.summary_completed` and serves the summary at
`GET /v2/meetings/{meetingId}/meeting_summary` (a UUID for one instance, a number for the latest
ended one). Without the switch neither exists (the endpoint answers 404, as an unknown path).

The reference names the event and a few fields (`meeting_uuid`, `meeting_id`, `summary_title`,
`summary_content`); the rest follows Zoom's published summary object. The text is generated
from the meeting, so it is stable for a given class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomsim.routing import ZoomError, json_response
from zoomsim.state import Instance, Meeting, iso

if TYPE_CHECKING:
    from zoomsim.app import Simulator

DEFAULT_DELAY = 120.0  # seconds after the end, times time_factor, unless configured


class Summaries:
    """Produces a meeting's summary after it ends and serves it."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    def after_end(self, m: Meeting, inst: Instance, *, requested: bool = False) -> None:
        """Schedule the summary of an instance that just ended, when it is summarised."""
        fid = self.sim.config.fidelity
        wanted = requested or bool(m.settings.get("auto_start_meeting_summary"))
        if not fid.meeting_summary or not wanted:
            return
        delay = fid.summary_delay_seconds
        if delay is None:
            delay = DEFAULT_DELAY * self.sim.config.time_factor
        self.sim.lifecycle.later(max(0.0, delay), lambda: self.complete(inst))

    def complete(self, inst: Instance) -> None:
        """The summary is ready: keep it and send meeting.summary_completed."""
        if inst.summary is not None:
            return
        m = self.state.meetings[inst.meeting_id]
        host = self.state.users[m.host_id]
        inst.summary = self.summary_json(m, inst)
        self.sim.webhooks.emit(
            "meeting.summary_completed",
            {
                "account_id": m.account_id,
                "operator": host.email,
                "operator_id": host.id,
                "object": {**inst.summary, "summary_content": _markdown(inst.summary)},
            },
        )

    def summary_json(self, m: Meeting, inst: Instance) -> dict[str, Any]:
        host = self.state.users[m.host_id]
        end = inst.end_time or self.state.clock.now()
        now = iso(self.state.clock.now())
        people = len({p.name for p in inst.participants})
        minutes = max(1, round((end - inst.start_time) / 60))
        return {
            "meeting_host_id": m.host_id,
            "meeting_host_email": host.email,
            "meeting_uuid": inst.uuid,
            "meeting_id": m.id,
            "meeting_topic": m.topic,
            "meeting_start_time": iso(inst.start_time),
            "meeting_end_time": iso(end),
            "summary_start_time": iso(inst.start_time),
            "summary_end_time": iso(end),
            "summary_created_time": now,
            "summary_last_modified_time": now,
            "summary_title": f"Meeting summary for {m.topic}",
            "summary_overview": f"{people} participants met for {minutes} minutes on {m.topic}.",
            "summary_details": [
                {"label": "Lesson", "summary": f"The class worked through {m.topic}."},
                {"label": "Questions", "summary": "Students asked about the exercises."},
            ],
            "next_steps": ["Finish the exercises before the next class."],
        }

    async def get(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        key = p["meeting_id"]
        if self.state.accounts[tok.account_id].plan in ("free", "basic"):
            raise ZoomError(400, 200, f"Only available for paid account: {tok.account_id}.")
        inst = self.state.instance_for(tok.account_id, key, ended=True)
        if inst is None:
            raise ZoomError(404, 3001, f"Meeting does not exist: {key}.")
        if inst.summary is None:
            raise ZoomError(404, 3001, "Meeting summary does not exist.")
        return json_response(inst.summary)


def _markdown(summary: dict[str, Any]) -> str:
    lines = [f"## {summary['summary_title']}", "", str(summary["summary_overview"]), ""]
    lines += [f"### {d['label']}\n{d['summary']}" for d in summary["summary_details"]]
    lines += ["", "### Next steps", *[f"- {s}" for s in summary["next_steps"]]]
    return "\n".join(lines)
