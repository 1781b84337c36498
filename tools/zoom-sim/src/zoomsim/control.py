"""The control API under `/_sim/...` (JSON): script a meeting's life, configure webhooks, inject
faults, move the clock, inspect deliveries and requests.

Protection: with `admin_token` set, every call needs `Authorization: Bearer <admin_token>` (or
`X-Sim-Admin-Token`); without it, only loopback clients are served.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from zoomsim.config import WebhookTarget
from zoomsim.routing import json_response
from zoomsim.state import DEFAULT_SETTINGS, Instance, Meeting, iso

if TYPE_CHECKING:
    from zoomsim.app import Simulator

LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")
RUNTIME_SETTINGS = (
    "rate_limits",
    "time_factor",
    "uuid_slash_probability",
    "refresh_grace_seconds",
    "webhook_key_shuffle_probability",
    "webhook_retry_on_4xx",
    "webhook_retry_schedule",
    "webhook_timeout",
    "recording_delay_seconds",
    "transcript_delay_seconds",
    "token_ttl",
    "strict_uuid_encoding",
    "ratelimit_headers_on_success",
    "reject_token_query_params",
    "host_daily_limit",
    "cdn_url_ttl",
)


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _at(body: dict[str, Any], key: str = "at") -> float | None:
    v = body.get(key)
    if v is None:
        return None
    if isinstance(v, int | float):
        return float(v)
    return datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp()


def control_routes(sim: Simulator) -> list[BaseRoute]:
    """Routes mounted at /_sim; see README for the reference."""
    st = sim.state

    def guard(request: Request) -> None:
        token = sim.config.admin_token
        if token:
            given = request.headers.get("x-sim-admin-token") or ""
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = given or auth[7:].strip()
            if not hmac.compare_digest(given, token):
                raise ControlError(401, "admin token required")
        elif request.client is None or request.client.host not in LOOPBACK:
            raise ControlError(403, "the control API answers loopback clients only")

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            import json

            data = json.loads(raw)
        except ValueError:
            raise ControlError(400, "body must be JSON") from None
        if not isinstance(data, dict):
            raise ControlError(400, "body must be a JSON object")
        return data

    def meeting(request: Request) -> Meeting:
        raw = request.path_params["meeting_id"]
        m = st.meetings.get(int(raw)) if raw.isdigit() else None
        if m is None:
            raise ControlError(404, f"no meeting {raw}")
        return m

    def instance(m: Meeting, uuid: str | None) -> Instance:
        if uuid:
            inst = st.instances.get(uuid)
            if inst is None or inst.meeting_id != m.id:
                raise ControlError(404, f"no instance {uuid}")
            return inst
        if not m.instances:
            raise ControlError(409, "the meeting has not run yet")
        return m.instances[-1]

    def handler(fn: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            try:
                guard(request)
                result = await fn(request, await body_of(request))
            except ControlError as exc:
                return json_response({"error": str(exc)}, exc.status)
            except LookupError as exc:
                return json_response({"error": str(exc).strip("'\"")}, 409)
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)
            if isinstance(result, Response):
                return result
            return json_response(result)

        return wrapped

    def meeting_state(m: Meeting) -> dict[str, Any]:
        st.purge_trash()
        out = {
            "id": m.id,
            "uuid": m.uuid,
            "account_id": m.account_id,
            "host_id": m.host_id,
            "topic": m.topic,
            "type": m.type,
            "status": m.status,
            "deleted": m.deleted,
            "settings": m.settings,
            "occurrences": m.occurrences,
            "instances": [],
        }
        for inst in m.instances:
            rec = inst.recording
            out["instances"].append(
                {
                    "uuid": inst.uuid,
                    "start_time": iso(inst.start_time),
                    "end_time": iso(inst.end_time) if inst.end_time else None,
                    "participants": [
                        {
                            "user_id": p.user_id,
                            "name": p.name,
                            "email": p.email,
                            "id": p.zoom_user_id,
                            "participant_uuid": p.participant_uuid,
                            "join_time": iso(p.join_time),
                            "leave_time": iso(p.leave_time) if p.leave_time else None,
                        }
                        for p in inst.participants
                    ],
                    "recording": None
                    if rec is None
                    else {
                        "ready": rec.ready_at is not None,
                        "transcript_ready": rec.transcript_ready_at is not None,
                        "files": [
                            {
                                "id": f.id,
                                "file_type": f.file_type,
                                "file_size": f.size,
                                "status": f.status,
                                "state": f.state,
                                "download_url": f"{sim.base_url()}/rec/download/{f.path_token}",
                            }
                            for f in rec.files
                        ],
                    },
                }
            )
        return out

    # -- handlers --------------------------------------------------------------------------
    async def health(request: Request, body: dict[str, Any]) -> Any:
        return {"status": "ok", "base_url": sim.base_url(), "clock": st.clock.now()}

    async def credentials(request: Request, body: dict[str, Any]) -> Any:
        return {"base_url": sim.base_url(), "accounts": sim.credentials()}

    async def create_meeting(request: Request, body: dict[str, Any]) -> Any:
        acc = next(iter(st.accounts.values()))
        if body.get("account_id"):
            acc = st.accounts[body["account_id"]]
        who = body.get("user") or acc.users[0].id
        host = st.find_user(acc.id, who, None)
        if host is None:
            raise ControlError(404, f"no user {who}")
        now = st.clock.now()
        m = Meeting(
            id=st.new_meeting_id(),
            uuid=st.new_uuid(),
            account_id=acc.id,
            host_id=host.id,
            topic=str(body.get("topic", "Class")),
            type=int(body.get("type", 2)),
            start_time=_at(body, "start_time") or now,
            duration=int(body.get("duration", 60)),
            timezone=str(body.get("timezone", host.timezone)),
            agenda="",
            password=str(body.get("password", "class1")),
            settings={**DEFAULT_SETTINGS, **body.get("settings", {"auto_recording": "cloud"})},
            created_at=now,
            encrypted_password=secrets.token_urlsafe(24),
            h323_password="123456",  # noqa: S106
        )
        st.meetings[m.id] = m
        return meeting_state(m)

    async def get_meeting(request: Request, body: dict[str, Any]) -> Any:
        return meeting_state(meeting(request))

    async def list_meetings(request: Request, body: dict[str, Any]) -> Any:
        return {"meetings": [meeting_state(m) for m in st.meetings.values()]}

    async def start(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        inst = sim.lifecycle.start(m, _at(body))
        return {"uuid": inst.uuid, "start_time": iso(inst.start_time)}

    async def join(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        p = sim.lifecycle.join(
            m,
            str(body.get("name", "Guest")),
            str(body.get("email", "")),
            internal=bool(body.get("internal", False)),
            at=_at(body),
        )
        return {
            "user_id": p.user_id,
            "participant_uuid": p.participant_uuid,
            "name": p.name,
            "email": p.email,
            "id": p.zoom_user_id,
            "join_time": iso(p.join_time),
            "uuid": m.live.uuid if m.live else None,
        }

    async def leave(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        p = sim.lifecycle.leave(
            m,
            request.path_params["user_id"],
            _at(body),
            str(body.get("reason", "left the meeting")),
        )
        return {"user_id": p.user_id, "leave_time": iso(p.leave_time or 0)}

    async def end(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        rec = body.get("recording")
        if body.get("no_recording"):
            saved = m.settings.get("auto_recording")
            m.settings["auto_recording"] = "none"
            try:
                inst = sim.lifecycle.end(m, _at(body))
            finally:
                m.settings["auto_recording"] = saved
        else:
            inst = sim.lifecycle.end(m, _at(body), recording=rec)
        return {
            "uuid": inst.uuid,
            "end_time": iso(inst.end_time or 0),
            "recording": meeting_state(m)["instances"][-1]["recording"],
        }

    async def record(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        inst = instance(m, body.get("uuid"))
        if inst.end_time is None:
            raise ControlError(409, "the meeting is still live")
        sim.lifecycle.record(
            inst, body.get("files"), body.get("delay"), body.get("transcript_delay")
        )
        return meeting_state(m)["instances"][m.instances.index(inst)]["recording"]

    async def ready(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        inst = instance(m, body.get("uuid"))
        if inst.recording is None:
            raise ControlError(409, "no recording")
        if body.get("transcript"):
            sim.lifecycle.transcript_ready(inst)
        else:
            sim.lifecycle.recording_ready(inst)
        return {"uuid": inst.uuid}

    async def files_action(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        action = request.path_params["action"]
        if action not in ("trash", "delete", "recover"):
            raise ControlError(404, f"unknown action {action}")
        inst = instance(m, body.get("uuid"))
        n = sim.lifecycle.change_files(inst, action, body.get("file_id"))
        return {"files": n}

    async def get_webhooks(request: Request, body: dict[str, Any]) -> Any:
        return {
            "targets": [t.__dict__ for t in sim.webhooks.targets],
            "validations": sim.webhooks.validations,
            "disabled": sorted(sim.webhooks.disabled),
        }

    async def put_webhooks(request: Request, body: dict[str, Any]) -> Any:
        targets = [WebhookTarget(**t) for t in body.get("targets", [])]
        await sim.webhooks.configure(targets, body.get("validate"))
        return {"targets": [t.__dict__ for t in targets]}

    async def validate(request: Request, body: dict[str, Any]) -> Any:
        return {"results": [await sim.webhooks.validate(t) for t in sim.webhooks.targets]}

    async def release(request: Request, body: dict[str, Any]) -> Any:
        sim.webhooks.release_held()
        return {"ok": True}

    async def drain(request: Request, body: dict[str, Any]) -> Any:
        await sim.webhooks.drain(float(body.get("timeout", 30)))
        return {"ok": True}

    async def deliveries(request: Request, body: dict[str, Any]) -> Any:
        q = request.query_params
        items = [
            d.as_json()
            for d in sim.webhooks.deliveries
            if (not q.get("event") or d.event == q["event"])
            and (not q.get("state") or d.state == q["state"])
        ]
        return {"deliveries": items}

    async def faults_get(request: Request, body: dict[str, Any]) -> Any:
        return {"faults": [f.as_json() for f in sim.faults.pending]}

    async def faults_add(request: Request, body: dict[str, Any]) -> Any:
        return sim.faults.add(body).as_json()

    async def faults_clear(request: Request, body: dict[str, Any]) -> Any:
        sim.faults.clear()
        return {"ok": True}

    async def requests_get(request: Request, body: dict[str, Any]) -> Any:
        return {"requests": list(sim.requests)}

    async def requests_clear(request: Request, body: dict[str, Any]) -> Any:
        sim.requests.clear()
        return {"ok": True}

    async def expire_tokens(request: Request, body: dict[str, Any]) -> Any:
        return {"expired": sim.oauth.expire_all(body.get("token"))}

    async def clock_get(request: Request, body: dict[str, Any]) -> Any:
        return {"now": st.clock.now(), "iso": iso(st.clock.now()), "offset": st.clock.offset}

    async def clock_advance(request: Request, body: dict[str, Any]) -> Any:
        st.clock.advance(float(body.get("seconds", 0)))
        return await clock_get(request, body)

    async def config_patch(request: Request, body: dict[str, Any]) -> Any:
        for k, v in body.items():
            if k not in RUNTIME_SETTINGS:
                raise ControlError(400, f"{k} cannot be changed at run time")
            setattr(sim.config, k, v)
        sim.api.router.strict = sim.config.strict_uuid_encoding
        return {k: getattr(sim.config, k) for k in RUNTIME_SETTINGS}

    async def ratelimit_reset(request: Request, body: dict[str, Any]) -> Any:
        sim.api.limiter.reset()
        return {"ok": True}

    def r(path: str, fn: Any, method: str = "POST") -> Route:
        return Route(path, handler(fn), methods=[method])

    return [
        r("/health", health, "GET"),
        r("/credentials", credentials, "GET"),
        r("/meetings", create_meeting),
        r("/meetings", list_meetings, "GET"),
        r("/meetings/{meeting_id}", get_meeting, "GET"),
        r("/meetings/{meeting_id}/start", start),
        r("/meetings/{meeting_id}/participants", join),
        r("/meetings/{meeting_id}/participants/{user_id}/leave", leave),
        r("/meetings/{meeting_id}/end", end),
        r("/meetings/{meeting_id}/recording", record),
        r("/meetings/{meeting_id}/recording/ready", ready),
        r("/meetings/{meeting_id}/recording/{action}", files_action),
        r("/webhooks", get_webhooks, "GET"),
        r("/webhooks", put_webhooks, "PUT"),
        r("/webhooks/validate", validate),
        r("/webhooks/release", release),
        r("/webhooks/drain", drain),
        r("/deliveries", deliveries, "GET"),
        r("/faults", faults_get, "GET"),
        r("/faults", faults_add),
        r("/faults", faults_clear, "DELETE"),
        r("/requests", requests_get, "GET"),
        r("/requests", requests_clear, "DELETE"),
        r("/tokens/expire", expire_tokens),
        r("/clock", clock_get, "GET"),
        r("/clock/advance", clock_advance),
        r("/config", config_patch, "PATCH"),
        r("/ratelimits/reset", ratelimit_reset),
    ]
