"""The control API under `/_sim/...` (JSON): add accounts (tenants) and rotate their secrets,
script a meeting's life, configure webhooks, inject faults, move the clock, inspect deliveries
and requests, and set the fidelity switches (`GET|PATCH /_sim/fidelity`). The control API itself
sees every account; only /v2 is confined to one.

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

from zoomsim.config import AppSeed, WebhookTarget, account_seed
from zoomsim.fidelity import switch_names
from zoomsim.registration import join_url, registrant_json
from zoomsim.roles import role_of
from zoomsim.routing import json_response
from zoomsim.state import (
    DEFAULT_SETTINGS,
    Account,
    Conflict,
    Instance,
    Meeting,
    Participant,
    Registrant,
    iso,
)

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
    "host_daily_limit",
    "registrant_limit",
    "cdn_url_ttl",
    "enforce_scopes",
    "scope_error_code",
)
# settings that became fidelity switches, still accepted by PATCH /_sim/config
LEGACY_SETTINGS = {"reject_token_query_params": "token_params_in_body"}


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

    def account(request: Request) -> Account:
        acc = st.accounts.get(request.path_params["account_id"])
        if acc is None:
            raise ControlError(404, f"no account {request.path_params['account_id']}")
        return acc

    def targets_of(body: dict[str, Any]) -> list[WebhookTarget]:
        try:
            return [WebhookTarget(**t) for t in body.get("targets", [])]
        except TypeError as exc:
            raise ControlError(400, f"bad webhook target: {exc}") from None

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
            except Conflict as exc:
                return json_response({"error": str(exc)}, 409)
            except LookupError as exc:
                return json_response({"error": str(exc).strip("'\"")}, 409)
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)
            if isinstance(result, Response):
                return result
            return json_response(result)

        return wrapped

    def identity_json(inst: Instance, p: Participant) -> dict[str, Any]:
        """What names a participant beyond their name: registrant, key, phone, role, room."""
        return {
            "registrant_id": p.registrant_id,
            "customer_key": p.customer_key,
            "phone_number": p.phone_number,
            "device": p.device,
            "role": p.role,
            "breakout_room_uuid": p.room,
            "breakout_room": sim.breakout_rooms.room_name(inst, p.room) if p.room else "",
            "parent_user_id": p.parent_user_id,
            "sharing": None if p.sharing is None else p.sharing["content"],
        }

    def registrant_state(m: Meeting, r: Registrant) -> dict[str, Any]:
        """A registrant as the control API shows it: Zoom's fields, and its link whatever its
        status (a test joins with it to see Zoom refuse)."""
        return {
            **registrant_json(m, r, sim.base_url()),
            "registrant_id": r.id,
            "join_url": join_url(m, r, sim.base_url()),
        }

    def meeting_state(m: Meeting) -> dict[str, Any]:
        st.purge_trash()
        instances: list[dict[str, Any]] = []
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
            "registrants": [registrant_state(m, r) for r in m.registrants.values()],
            "instances": instances,
        }
        for inst in m.instances:
            rec = inst.recording
            instances.append(
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
                            **identity_json(inst, p),
                        }
                        for p in inst.participants
                    ],
                    "breakout_rooms": dict(inst.rooms),
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
        acc = st.default_account
        if body.get("account_id"):
            found = st.accounts.get(str(body["account_id"]))
            if found is None:
                raise ControlError(404, f"no account {body['account_id']}")
            acc = found
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
        acc = request.query_params.get("account_id")
        return {
            "meetings": [
                meeting_state(m) for m in st.meetings.values() if not acc or m.account_id == acc
            ]
        }

    async def start(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        inst = sim.lifecycle.start(m, _at(body))
        return {"uuid": inst.uuid, "start_time": iso(inst.start_time)}

    def participant_json(m: Meeting, p: Participant) -> dict[str, Any]:
        inst = m.live or (m.instances[-1] if m.instances else None)
        return {
            "user_id": p.user_id,
            "participant_uuid": p.participant_uuid,
            "name": p.name,
            "email": p.email,
            "id": p.zoom_user_id,
            "join_time": iso(p.join_time),
            "leave_time": iso(p.leave_time) if p.leave_time else None,
            "uuid": inst.uuid if inst else None,
            "waiting": inst is not None and p in inst.waiting,
            **(identity_json(inst, p) if inst is not None else {}),
        }

    def joining(m: Meeting, body: dict[str, Any]) -> dict[str, Any]:
        """Who a join body names, as `Lifecycle.join` takes it. A registrant (by
        `registrant_id`, `join_url` or `participant_pin_code`) joins under their registered
        name and email unless the body gives others; only an approved one gets in, as on Zoom.
        `device: "phone"` dials in: no email, a phone number for a name (liberal: a registrant
        who dials in with their code is still named by `registrant_id`). `host: true` is the
        meeting's host user."""
        name = str(body.get("name") or "")
        email = str(body.get("email") or "")
        internal = bool(body.get("internal", False))
        identity = {
            "customer_key": str(body.get("customer_key") or ""),
            "device": str(body.get("device") or ""),
            "phone_number": str(body.get("phone_number") or ""),
            "role": role_of(str(body["role"])) if body.get("role") else "",
        }
        if body.get("host"):
            host = st.users[m.host_id]
            name = name or f"{host.first_name} {host.last_name}"
            email, internal = host.email, True
        wanted = {k: str(body.get(k) or "") for k in ("registrant_id", "join_url")}
        pin = body.get("participant_pin_code")
        if any(wanted.values()) or pin:
            r = sim.registrations.find_for_join(
                m,
                registrant_id=wanted["registrant_id"],
                link=wanted["join_url"],
                pin_code=str(pin or ""),
            )
            if r is None:
                raise ControlError(404, "no such registrant for this meeting")
            if r.status != "approved":
                raise ControlError(409, f"registrant {r.id} is {r.status}: Zoom refuses the link")
            identity["registrant_id"] = r.id
            name = name or r.name
            email = email or r.email
        if identity["device"].lower() == "phone":
            identity["phone_number"] = identity["phone_number"] or phone_number()
            email = str(body.get("email") or "") if not identity.get("registrant_id") else ""
            name = str(body.get("name") or "") or identity["phone_number"]
        return {"name": name or "Guest", "email": email, "internal": internal, **identity}

    def phone_number() -> str:
        """A dial-in caller's number as Zoom shows it for a name (a reserved 555 number)."""
        return f"+1 415 555 0{st.rng.randint(100, 199)}"

    async def join(request: Request, body: dict[str, Any]) -> Any:
        """A participant joins; `"wait": true` leaves them in the waiting room (meetings with
        one, `waiting_room_events`) until `.../participants/{user_id}/admit`;
        `"breakout_room": "Room 1"` sends them on into that room at once (a pre-assigned
        student: a main-meeting row of no length, then the room's)."""
        m = meeting(request)
        who = joining(m, body)
        p = sim.lifecycle.join(
            m,
            who.pop("name"),
            who.pop("email"),
            internal=who.pop("internal"),
            at=_at(body),
            wait=bool(body.get("wait", False)),
            **who,
        )
        live = m.live
        room = str(body.get("breakout_room") or "")
        if room and live is not None and p.leave_time is None and p not in live.waiting:
            p = sim.breakout_rooms.move(m, p.user_id, room, p.join_time)
        return participant_json(m, p)

    async def admit(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        p = sim.lifecycle.admit(m, request.path_params["user_id"], _at(body))
        return participant_json(m, p)

    async def leave(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        p = sim.lifecycle.leave(
            m,
            request.path_params["user_id"],
            _at(body),
            str(body.get("reason", "left the meeting")),
        )
        return {"user_id": p.user_id, "leave_time": iso(p.leave_time or 0)}

    async def role(request: Request, body: dict[str, Any]) -> Any:
        """`{"role": "co-host" | "host" | "attendee"}`: meeting.participant_role_changed."""
        m = meeting(request)
        if not body.get("role"):
            raise ControlError(400, "role is required (host, co-host, attendee)")
        p = sim.roles.change(m, request.path_params["user_id"], str(body["role"]), _at(body))
        return participant_json(m, p)

    async def sharing(request: Request, body: dict[str, Any]) -> Any:
        """`.../sharing/start` (`content`, `source`, `link_source`, `file_link`) and
        `.../sharing/end`: meeting.sharing_started / _ended."""
        m = meeting(request)
        user_id, action = request.path_params["user_id"], request.path_params["action"]
        if action == "start":
            details = {
                k: body[k] for k in ("content", "source", "link_source", "file_link") if k in body
            }
            p = sim.sharing.start(m, user_id, _at(body), **details)
        elif action in ("end", "stop"):
            p = sim.sharing.end(m, user_id, _at(body))
        else:
            raise ControlError(404, f"unknown sharing action {action}")
        return participant_json(m, p)

    async def breakout(request: Request, body: dict[str, Any]) -> Any:
        """`{"room": "Room 1"}`: into that breakout room (from the main meeting or another
        room); answers the new row (a new user_id)."""
        m = meeting(request)
        if not body.get("room"):
            raise ControlError(400, "room is required (a name, or a room's uuid)")
        p = sim.breakout_rooms.move(m, request.path_params["user_id"], str(body["room"]), _at(body))
        return participant_json(m, p)

    async def breakout_leave(request: Request, body: dict[str, Any]) -> Any:
        """Back from the room to the main meeting; answers the new row."""
        m = meeting(request)
        p = sim.breakout_rooms.back(m, request.path_params["user_id"], _at(body))
        return participant_json(m, p)

    async def breakout_close(request: Request, body: dict[str, Any]) -> Any:
        """The host closes every room: all come back to the main meeting."""
        m = meeting(request)
        rows = sim.breakout_rooms.close_all(m, _at(body))
        return {"participants": [participant_json(m, p) for p in rows]}

    async def registrants_add(request: Request, body: dict[str, Any]) -> Any:
        """Register someone without the REST API (no scopes, no rate limit): `email`,
        `first_name` (default: the email's local part), `last_name`, `auto_approve`. The
        meeting must take registrations (approval_type 0 or 1), as on Zoom."""
        m = meeting(request)
        if not m.registration_open:
            raise ControlError(409, f"registration is not enabled for meeting {m.id}")
        email = str(body.get("email") or "").strip()
        if "@" not in email:
            raise ControlError(400, "email is required")
        first = str(body.get("first_name") or email.split("@", 1)[0])
        r, _new = sim.registrations.add(
            m,
            email,
            first,
            str(body.get("last_name") or ""),
            auto_approve=bool(body.get("auto_approve", False)),
        )
        return registrant_state(m, r)

    async def registrants_get(request: Request, body: dict[str, Any]) -> Any:
        m = meeting(request)
        return {"registrants": [registrant_state(m, r) for r in m.registrants.values()]}

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
            inst = sim.lifecycle.end(
                m, _at(body), recording=rec, summary=bool(body.get("summary", False))
            )
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
        if action in ("start", "stop", "pause", "resume"):  # the host's recording buttons
            if m.live is None:
                raise ControlError(409, "the meeting is not live")
            return {"uuid": m.live.uuid, "state": sim.recorder.act(m, m.live, action)}
        if action not in ("trash", "delete", "recover"):
            raise ControlError(404, f"unknown action {action}")
        inst = instance(m, body.get("uuid"))
        n = sim.lifecycle.change_files(inst, action, body.get("file_id"))
        return {"files": n}

    def webhooks_state(acc: Account) -> dict[str, Any]:
        return {
            "account_id": acc.id,
            "targets": [t.__dict__ for t in acc.webhooks],
            "validations": sim.webhooks.validations_for(acc.id),
            "disabled": sim.webhooks.disabled_urls(acc.id),
            "next_validation_at": {
                url: at for (a, url), at in sim.webhooks.revalidator.next_at.items() if a == acc.id
            },
        }

    async def get_webhooks(request: Request, body: dict[str, Any]) -> Any:
        return webhooks_state(st.default_account)

    async def put_webhooks(request: Request, body: dict[str, Any]) -> Any:
        targets = targets_of(body)
        await sim.webhooks.configure(targets, body.get("validate"))
        return {"targets": [t.__dict__ for t in targets]}

    async def validate(request: Request, body: dict[str, Any]) -> Any:
        acc = st.default_account
        return {"results": [await sim.webhooks.validate(t, acc.id) for t in acc.webhooks]}

    # -- accounts (tenants) --------------------------------------------------------------------
    async def accounts_get(request: Request, body: dict[str, Any]) -> Any:
        return {"accounts": sim.credentials()}

    async def account_get(request: Request, body: dict[str, Any]) -> Any:
        return sim.account_json(account(request))

    async def accounts_add(request: Request, body: dict[str, Any]) -> Any:
        try:
            fields = {k: v for k, v in body.items() if k != "validate"}
            seed = account_seed(fields, default_apps=("s2s",))
        except TypeError as exc:
            raise ControlError(400, f"bad account: {exc}") from None
        acc = st.add_account(seed)  # ValueError (a clash) -> 400
        if acc.webhooks and body.get("validate", sim.config.validate_on_configure):
            await sim.webhooks.configure(list(acc.webhooks), True, acc.id)
        return sim.account_json(acc)

    async def account_webhooks_get(request: Request, body: dict[str, Any]) -> Any:
        return webhooks_state(account(request))

    async def account_webhooks_put(request: Request, body: dict[str, Any]) -> Any:
        acc = account(request)
        targets = targets_of(body)
        await sim.webhooks.configure(targets, body.get("validate"), acc.id)
        return {"account_id": acc.id, "targets": [t.__dict__ for t in targets]}

    async def account_webhooks_validate(request: Request, body: dict[str, Any]) -> Any:
        acc = account(request)
        return {"results": [await sim.webhooks.validate(t, acc.id) for t in acc.webhooks]}

    def app_of(request: Request) -> Any:
        acc = account(request)
        cid = request.path_params["client_id"]
        app = next((a for a in acc.apps if a.client_id == cid), None)
        if app is None:
            raise ControlError(404, f"no app {cid} in account {acc.id}")
        return app

    def app_json(app: Any) -> dict[str, Any]:
        return {
            "account_id": app.account_id,
            "kind": app.kind,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scopes": app.scopes,
            "enabled": app.enabled,
        }

    async def rotate(request: Request, body: dict[str, Any]) -> Any:
        app = app_of(request)
        st.rotate_secret(app.account_id, app.client_id, body.get("client_secret"))
        revoked = 0
        if body.get("revoke_tokens"):
            for t in st.access_tokens.values():
                if t.client_id == app.client_id and not t.revoked:
                    t.revoked = True
                    revoked += 1
            for rt in st.refresh_tokens.values():
                if rt.client_id == app.client_id:
                    rt.revoked = True
        return {**app_json(app), "revoked_tokens": revoked}

    async def app_patch(request: Request, body: dict[str, Any]) -> Any:
        """Change what an app grants (`scopes`, for tokens issued from now on, as when an
        admin edits the Marketplace app) or switch it off (`enabled`)."""
        app = app_of(request)
        for k, v in body.items():
            if k == "scopes":
                app.scopes = " ".join(str(v).split())
            elif k == "enabled":
                app.enabled = bool(v)
            else:
                raise ControlError(400, f"{k} cannot be changed (scopes, enabled)")
        return app_json(app)

    async def deauthorize(request: Request, body: dict[str, Any]) -> Any:
        """A user removes the app (`user_id`, default the app's user): their tokens stop
        working, and with `app_deauthorized_event` the account is sent app_deauthorized."""
        app = app_of(request)
        user_id = body.get("user_id")
        if user_id is not None and st.find_user(app.account_id, str(user_id), None) is None:
            raise ControlError(404, f"no user {user_id} in account {app.account_id}")
        return sim.oauth.deauthorize(app, str(user_id) if user_id else None)

    async def account_settings(request: Request, body: dict[str, Any]) -> Any:
        """Change account settings (`breakout_room_schedule`: hosts may pre-assign breakout
        rooms when scheduling)."""
        acc = account(request)
        acc.settings.update(body)
        return {"account_id": acc.id, "settings": acc.settings}

    async def fidelity_get(request: Request, body: dict[str, Any]) -> Any:
        return sim.config.fidelity.as_json()

    async def fidelity_patch(request: Request, body: dict[str, Any]) -> Any:
        """Switch behaviours on or off (`{"scopes": true}`; `{"all": true}` for every one)."""
        fid = sim.config.fidelity
        values = dict(body)
        if "all" in values:
            every = values.pop("all")
            if not isinstance(every, bool):
                raise ControlError(400, "all takes true or false")
            fid.update(dict.fromkeys(switch_names(), every))
        fid.update(values)  # ValueError -> 400
        if not fid.webhook_at_least_once:
            sim.webhooks.release_held()
        return fid.as_json()

    async def cdn_requests(request: Request, body: dict[str, Any]) -> Any:
        return {"requests": list(sim.cdn_requests), "cdn_base_url": sim.cdn_base()}

    async def app_add(request: Request, body: dict[str, Any]) -> Any:
        """Add an app to an existing account (e.g. a user-managed app for a tenant)."""
        acc = account(request)
        try:
            ap = AppSeed(**body)
        except TypeError as exc:
            raise ControlError(400, f"bad app: {exc}") from None
        return app_json(st.add_app(acc, ap))

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
            and (not q.get("account_id") or d.account_id == q["account_id"])
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
        return {"expired": sim.oauth.expire_all(body.get("token"), body.get("account_id"))}

    async def clock_get(request: Request, body: dict[str, Any]) -> Any:
        return {"now": st.clock.now(), "iso": iso(st.clock.now()), "offset": st.clock.offset}

    async def clock_advance(request: Request, body: dict[str, Any]) -> Any:
        sim.webhooks.revalidator.note_targets()  # the 72 hours count from before the jump
        st.clock.advance(float(body.get("seconds", 0)))
        validations = await sim.webhooks.revalidator.run_due()
        return {**(await clock_get(request, body)), "validations": validations}

    async def config_patch(request: Request, body: dict[str, Any]) -> Any:
        for k, v in body.items():
            if k in LEGACY_SETTINGS:
                sim.config.fidelity.update({LEGACY_SETTINGS[k]: bool(v)})
                continue
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
        r("/meetings/{meeting_id}/participants/{user_id}/admit", admit),
        r("/meetings/{meeting_id}/participants/{user_id}/role", role),
        r("/meetings/{meeting_id}/participants/{user_id}/sharing/{action}", sharing),
        r("/meetings/{meeting_id}/participants/{user_id}/breakout_room", breakout),
        r("/meetings/{meeting_id}/participants/{user_id}/breakout_room/leave", breakout_leave),
        r("/meetings/{meeting_id}/breakout_rooms/close", breakout_close),
        r("/meetings/{meeting_id}/registrants", registrants_add),
        r("/meetings/{meeting_id}/registrants", registrants_get, "GET"),
        r("/meetings/{meeting_id}/end", end),
        r("/meetings/{meeting_id}/recording", record),
        r("/meetings/{meeting_id}/recording/ready", ready),
        r("/meetings/{meeting_id}/recording/{action}", files_action),
        r("/webhooks", get_webhooks, "GET"),
        r("/webhooks", put_webhooks, "PUT"),
        r("/webhooks/validate", validate),
        r("/webhooks/release", release),
        r("/webhooks/drain", drain),
        r("/accounts", accounts_get, "GET"),
        r("/accounts", accounts_add),
        r("/accounts/{account_id}", account_get, "GET"),
        r("/accounts/{account_id}/webhooks", account_webhooks_get, "GET"),
        r("/accounts/{account_id}/webhooks", account_webhooks_put, "PUT"),
        r("/accounts/{account_id}/webhooks/validate", account_webhooks_validate),
        r("/accounts/{account_id}/apps", app_add),
        r("/accounts/{account_id}/apps/{client_id}", app_patch, "PATCH"),
        r("/accounts/{account_id}/apps/{client_id}/rotate", rotate),
        r("/accounts/{account_id}/apps/{client_id}/deauthorize", deauthorize),
        r("/accounts/{account_id}/settings", account_settings, "PATCH"),
        r("/fidelity", fidelity_get, "GET"),
        r("/fidelity", fidelity_patch, "PATCH"),
        r("/cdn/requests", cdn_requests, "GET"),
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
