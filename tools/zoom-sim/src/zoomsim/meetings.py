"""REST handlers for users, meetings, past meetings and participant reports (sections 3, 5, 6).

Validation follows Zoom's limits: topic 200, agenda 2000, passcode 10 chars of
`[A-Za-z0-9@-_*]`, meeting types 1/2/3/8/10, start_time in either of Zoom's two formats, and a
duration of 1-1440 minutes. Every create or update counts against the host's 100/day limit.

Fidelity switches played here: `basic_user_type`, `breakout_preassign_setting`,
`past_meeting_retention` and `pmi_in_meetings` (see zoomsim.fidelity).
"""

from __future__ import annotations

import builtins
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response

from zoomsim.routing import ZoomError, json_response, validation_error
from zoomsim.state import (
    DEFAULT_SETTINGS,
    Instance,
    Meeting,
    Participant,
    User,
    copy_json,
    iso,
)

if TYPE_CHECKING:
    from zoomsim.app import Api

PASSCODE = re.compile(r"^[A-Za-z0-9@\-_*]{1,10}$")
TYPES = (1, 2, 3, 8, 10)
EXPIRED_PAST_MEETING = "Cannot access a meeting a year ago."


def _same(value: Any) -> Any:
    return value


def not_found(meeting_id: str) -> ZoomError:
    return ZoomError(404, 3001, f"Meeting does not exist: {meeting_id}.")


def parse_start(value: Any, tz: str) -> float:
    if not isinstance(value, str):
        raise validation_error("start_time")
    for fmt, utc in (("%Y-%m-%dT%H:%M:%SZ", True), ("%Y-%m-%dT%H:%M:%S", False)):
        try:
            dt = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if utc:
            return dt.replace(tzinfo=UTC).timestamp()
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return dt.replace(tzinfo=zone).timestamp()
    raise validation_error("start_time")


def occurrences(rec: dict[str, Any], start: float, duration: int, cap: int) -> list[dict[str, Any]]:
    """Expand a type-8 recurrence into Zoom's `occurrences[]`."""
    rtype = rec.get("type")
    interval = int(rec.get("repeat_interval") or 1)
    end_times = rec.get("end_times")
    end_dt = rec.get("end_date_time")
    if end_times is not None and end_dt is not None:
        raise validation_error(
            "recurrence.end_times", "Cannot set both end_times and end_date_time."
        )
    if rtype not in (1, 2, 3):
        raise validation_error("recurrence.type")
    if not isinstance(interval, int) or interval < 1:
        raise validation_error("recurrence.repeat_interval")
    limit = int(end_times) if end_times is not None else (cap if end_dt else 7)
    if limit < 1 or limit > cap:
        raise validation_error("recurrence.end_times")
    until = parse_start(end_dt, "UTC") if end_dt else None
    first = datetime.fromtimestamp(start, UTC)
    out: list[datetime] = []
    if rtype == 1:
        day = first
        while len(out) < limit:
            out.append(day)
            day += timedelta(days=interval)
            if until and day.timestamp() > until:
                break
    elif rtype == 2:
        raw_days = str(rec.get("weekly_days") or str((first.isoweekday() % 7) + 1))
        try:
            days = sorted({int(x) for x in raw_days.split(",")})
        except ValueError:
            raise validation_error("recurrence.weekly_days") from None
        if any(d < 1 or d > 7 for d in days):
            raise validation_error("recurrence.weekly_days")
        week_start = first - timedelta(days=first.isoweekday() % 7)  # Sunday
        w = 0
        while len(out) < limit and w < 520:
            for d in days:
                cand = week_start + timedelta(weeks=w, days=d - 1)
                if cand >= first and len(out) < limit and not (until and cand.timestamp() > until):
                    out.append(cand)
            w += interval
    else:
        mday = int(rec.get("monthly_day") or first.day)
        y, m = first.year, first.month
        while len(out) < limit and y < first.year + 20:
            try:
                cand = first.replace(year=y, month=m, day=mday)
                if cand >= first and not (until and cand.timestamp() > until):
                    out.append(cand)
            except ValueError:
                pass
            m += interval
            while m > 12:
                m -= 12
                y += 1
    return [
        {
            "occurrence_id": str(int(d.timestamp() * 1000)),
            "start_time": iso(d.timestamp()),
            "duration": duration,
            "status": "available",
        }
        for d in out[:limit]
    ]


def _validate(body: dict[str, Any], current: Meeting | None, cap: int) -> dict[str, Any]:
    """Checked field values (partial for PATCH); raises Zoom's 300 errors."""
    out: dict[str, Any] = {}
    if "topic" in body:
        if not isinstance(body["topic"], str) or len(body["topic"]) > 200:
            raise validation_error("topic", "Topic cannot exceed 200 characters.")
        out["topic"] = body["topic"]
    if "agenda" in body:
        if not isinstance(body["agenda"], str) or len(body["agenda"]) > 2000:
            raise validation_error("agenda", "Agenda cannot exceed 2000 characters.")
        out["agenda"] = body["agenda"]
    if "type" in body:
        if body["type"] not in TYPES or isinstance(body["type"], bool):
            raise validation_error("type")
        out["type"] = body["type"]
    if "password" in body:
        pw = body["password"]
        if not isinstance(pw, str) or (pw and not PASSCODE.match(pw)):
            raise validation_error(
                "password",
                "Password can only have a maximum length of 10 characters and only "
                "contain alphanumeric characters and the @, -, _, or * characters.",
            )
        out["password"] = pw
    if "duration" in body:
        d = body["duration"]
        if not isinstance(d, int) or isinstance(d, bool) or d < 1 or d > 1440:
            raise validation_error("duration")
        out["duration"] = d
    if "timezone" in body:
        try:
            ZoneInfo(str(body["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise validation_error("timezone") from None
        out["timezone"] = body["timezone"]
    tz = out.get("timezone") or (current.timezone if current else "UTC")
    if "start_time" in body:
        out["start_time"] = parse_start(body["start_time"], tz)
    if "settings" in body:
        if not isinstance(body["settings"], dict):
            raise validation_error("settings")
        s = body["settings"]
        if "auto_recording" in s and s["auto_recording"] not in ("local", "cloud", "none"):
            raise validation_error("settings.auto_recording")
        if "jbh_time" in s and s["jbh_time"] not in (0, 5, 10, 15):
            raise validation_error("settings.jbh_time")
        if "approval_type" in s and s["approval_type"] not in (0, 1, 2):
            raise validation_error("settings.approval_type")
        if "registration_type" in s and s["registration_type"] not in (1, 2, 3):
            raise validation_error("settings.registration_type")
        out["settings"] = s
    if "recurrence" in body:
        if not isinstance(body["recurrence"], dict):
            raise validation_error("recurrence")
        out["recurrence"] = body["recurrence"]
    for k in ("pre_schedule", "tracking_fields", "default_password", "schedule_for"):
        if k in body:
            out[k] = body[k]
    return out


class MeetingsApi:
    """Users, meetings, past meetings, participants."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.sim = api.sim
        self.state = api.sim.state

    # -- JSON --------------------------------------------------------------------------------
    def meeting_json(
        self, m: Meeting, *, base: str, listing: bool = False, snapshot: bool = True
    ) -> dict[str, Any]:
        """The meeting as `GET /meetings/{id}` shows it. `snapshot=False` shares the nested
        settings/recurrence objects instead of copying them: for a body encoded at once."""
        cp = copy_json if snapshot else _same
        host = self.state.users[m.host_id]
        d: dict[str, Any] = {"uuid": m.uuid, "id": m.id, "host_id": m.host_id}
        if listing:
            d.update({"topic": m.topic, "type": m.type})
            if m.start_time is not None and m.type != 1:
                d["start_time"] = iso(m.start_time)
            d.update(
                {
                    "duration": m.duration,
                    "timezone": m.timezone,
                    "agenda": m.agenda,
                    "created_at": iso(m.created_at),
                    "join_url": self._join_url(m, base),
                }
            )
            if self.sim.config.fidelity.pmi_in_meetings:
                d["pmi"] = self._pmi(m)
            return d
        zak = secrets.token_urlsafe(60)  # a new start_url on every GET, as Zoom does
        d.update(
            {
                "host_email": host.email,
                "assistant_id": "",
                "topic": m.topic,
                "type": m.type,
                "status": m.status,
            }
        )
        if m.start_time is not None and m.type not in (1, 3):
            d["start_time"] = iso(m.start_time)
        d.update(
            {
                "duration": m.duration,
                "timezone": m.timezone,
                "agenda": m.agenda,
                "created_at": iso(m.created_at),
                "start_url": f"{base}/s/{m.id}?zak={zak}",
                "join_url": self._join_url(m, base),
                "password": m.password,
                "h323_password": m.h323_password,
                "pstn_password": m.h323_password,
                "encrypted_password": m.encrypted_password,
                "pre_schedule": m.pre_schedule,
                "settings": cp(m.settings),
                "creation_source": "open_api",
            }
        )
        if m.recurrence is not None:
            d["recurrence"] = cp(m.recurrence)
        if m.occurrences:
            d["occurrences"] = cp(m.occurrences)
        if m.tracking_fields:
            d["tracking_fields"] = m.tracking_fields
        return d

    def _pmi(self, m: Meeting) -> str:
        """The host's personal meeting ID when the meeting uses it, else "" (as Zoom lists)."""
        return str(self.state.users[m.host_id].pmi) if m.settings.get("use_pmi") else ""

    def _rooms_allowed(self, account_id: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Settings as Zoom keeps them: pre-assigned breakout rooms are dropped, silently and
        with a 2xx, unless the account lets hosts assign rooms when scheduling."""
        room = settings.get("breakout_room")
        if (
            not self.sim.config.fidelity.breakout_preassign_setting
            or not isinstance(room, dict)
            or "rooms" not in room
            or self.state.accounts[account_id].settings.get("breakout_room_schedule")
        ):
            return settings
        return {**settings, "breakout_room": {k: v for k, v in room.items() if k != "rooms"}}

    def _check_alternative_hosts(self, account_id: str, settings: dict[str, Any]) -> None:
        """Zoom takes as alternative hosts only licensed users of the host's own account; one
        that is not fails the whole create or update, with 400/1114 naming that email (a
        third-party client's capture; Zoom's help: licensed, same account). Zoom's separator
        is `;`; a `,` is read too."""
        raw = settings.get("alternative_hosts")
        if not self.sim.config.fidelity.alternative_host_rules or not raw:
            return
        for email in (e.strip() for e in str(raw).replace(",", ";").split(";")):
            if not email:
                continue
            user = self.state.find_user(account_id, email, None)
            if user is None or user.type != 2 or "@" not in email:
                raise ZoomError(
                    400,
                    1114,
                    f"Unable to assign '{email}' as an alternative host because the user "
                    "cannot be selected at this time.",
                )

    def _registration_allowed(self, m: Meeting) -> None:
        """Zoom keeps no registration for an instant meeting, a recurring meeting with no fixed
        time or one on the host's PMI: approval_type 0 or 1 is stored as 2, with the usual
        201/204 (`registration_meeting_types`; seen for type 3)."""
        if not self.sim.config.fidelity.registration_meeting_types:
            return
        if m.type in (1, 3) or m.settings.get("use_pmi"):
            m.settings["approval_type"] = 2

    @staticmethod
    def _join_url(m: Meeting, base: str) -> str:
        return f"{base}/j/{m.id}" + (f"?pwd={m.encrypted_password}" if m.password else "")

    def _meeting(self, account_id: str, raw: str) -> Meeting:
        if not raw.isdigit():
            raise not_found(raw)
        m = self.state.meeting(account_id, int(raw))
        if m is None:
            raise not_found(raw)
        return m

    def _user(self, account_id: str, key: str, me: str | None) -> User:
        u = self.state.find_user(account_id, key, me)
        if u is None:
            raise ZoomError(404, 1001, f"User does not exist: {key}.")
        return u

    # -- users -------------------------------------------------------------------------------
    async def get_user(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        u = self._user(tok.account_id, p["user_id"], tok.user_id)
        acc = self.state.accounts[tok.account_id]
        d = u.as_json(acc.number)
        if self.sim.config.fidelity.basic_user_type and acc.plan in ("free", "basic"):
            d["type"] = 1  # a Basic account has no licensed users
        return json_response(d)

    # -- meetings ----------------------------------------------------------------------------
    async def create(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        host = self._user(tok.account_id, p["user_id"], tok.user_id)
        body = await self.api.json_body(request)
        v = _validate(body, None, self.sim.config.max_recurrence_end_times)
        now = self.state.clock.now()
        mtype = v.get("type", 2)
        tz = v.get("timezone", host.timezone)
        start = v.get("start_time")
        if start is None and mtype in (2, 8):
            start = now
        if mtype in (1, 3):
            start = now if mtype == 1 else None
        self._check_alternative_hosts(tok.account_id, v.get("settings", {}))
        self.api.limiter.count_host_write(host.id, now)
        password = v.get("password")
        if password is None:
            password = secrets.token_urlsafe(6)[:6].replace("-", "a").replace("_", "b")
        settings = self._rooms_allowed(
            tok.account_id, {**DEFAULT_SETTINGS, **v.get("settings", {})}
        )
        m = Meeting(
            id=self.state.new_meeting_id(),
            uuid=self.state.new_uuid(),
            account_id=tok.account_id,
            host_id=host.id,
            topic=v.get("topic", "Zoom meeting"),
            type=mtype,
            start_time=start,
            duration=v.get("duration", 60),
            timezone=tz,
            agenda=v.get("agenda", ""),
            password=password,
            settings=settings,
            created_at=now,
            pre_schedule=bool(v.get("pre_schedule", False)),
            tracking_fields=list(v.get("tracking_fields") or []),
            encrypted_password=secrets.token_urlsafe(24) if password else "",
            h323_password="".join(str(self.state.rng.randint(0, 9)) for _ in range(6)),
        )
        if mtype in (3, 8):
            m.recurrence = v.get("recurrence") or {"type": 1, "repeat_interval": 1}
            if mtype == 8:
                assert start is not None
                m.occurrences = occurrences(
                    m.recurrence, start, m.duration, self.sim.config.max_recurrence_end_times
                )
        self._registration_allowed(m)
        self.state.meetings[m.id] = m
        base = self.api.base(request)
        created = self.meeting_json(m, base=base)
        if self.sim.config.fidelity.pmi_in_meetings:
            created["pmi"] = self._pmi(m)
        self.sim.webhooks.emit(
            "meeting.created",
            self._operator(
                tok,
                {
                    "object": {
                        k: v
                        for k, v in created.items()
                        if k
                        in (
                            "uuid",
                            "id",
                            "host_id",
                            "topic",
                            "type",
                            "start_time",
                            "duration",
                            "timezone",
                            "join_url",
                            "password",
                            "settings",
                            "recurrence",
                            "occurrences",
                            "pmi",
                        )
                    }
                },
            ),
        )
        return json_response(self.meeting_json(m, base=base), 201)

    def _operator(self, tok: Any, extra: dict[str, Any]) -> dict[str, Any]:
        owner = (
            self.state.users.get(tok.user_id or "") or self.state.accounts[tok.account_id].users[0]
        )
        return {
            "account_id": tok.account_id,
            "operator": owner.email,
            "operator_id": owner.id,
            **extra,
        }

    async def get(self, request: Request, p: dict[str, str]) -> Response:
        m = self._meeting(request.state.token.account_id, p["meeting_id"])
        d = self.meeting_json(m, base=self.api.base(request), snapshot=False)
        occ = request.query_params.get("occurrence_id") if request.scope["query_string"] else None
        if occ:
            one = next((o for o in m.occurrences if o["occurrence_id"] == occ), None)
            if one is None:
                raise ZoomError(400, 3000, "Invalid occurrence_id.")
            d["start_time"] = one["start_time"]
        return json_response(d)

    async def update(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        m = self._meeting(tok.account_id, p["meeting_id"])
        body = await self.api.json_body(request)
        v = _validate(body, m, self.sim.config.max_recurrence_end_times)
        occ = request.query_params.get("occurrence_id")
        if occ and not any(o["occurrence_id"] == occ for o in m.occurrences):
            raise ZoomError(400, 3000, "Invalid occurrence_id.")
        self._check_alternative_hosts(tok.account_id, v.get("settings", {}))
        self.api.limiter.count_host_write(m.host_id, self.state.clock.now())
        if "settings" in v:
            v["settings"] = self._rooms_allowed(tok.account_id, v["settings"])
        old = self.meeting_json(m, base=self.api.base(request))
        if occ:
            o = next(o for o in m.occurrences if o["occurrence_id"] == occ)
            if "start_time" in v:
                o["start_time"] = iso(v["start_time"])
            if "duration" in v:
                o["duration"] = v["duration"]
        else:
            for k in (
                "topic",
                "agenda",
                "type",
                "password",
                "duration",
                "timezone",
                "start_time",
                "pre_schedule",
            ):
                if k in v:
                    setattr(m, k, v[k])
            if "settings" in v:
                m.settings.update(v["settings"])
            self._registration_allowed(m)
            if "recurrence" in v:
                m.recurrence = v["recurrence"]
            if m.type == 8 and ("recurrence" in v or "start_time" in v or "duration" in v):
                m.occurrences = occurrences(
                    m.recurrence or {},
                    m.start_time or 0,
                    m.duration,
                    self.sim.config.max_recurrence_end_times,
                )
        new = self.meeting_json(m, base=self.api.base(request))
        changed = {k: new[k] for k in body if k in new and new[k] != old.get(k)}
        self.sim.webhooks.emit(
            "meeting.updated",
            self._operator(
                tok,
                {
                    "scope": "single" if occ else "all",
                    "object": {"id": m.id, **changed},
                    "old_object": {"id": m.id, **{k: old.get(k) for k in changed}},
                    "time_stamp": int(self.state.clock.now() * 1000),
                },
            ),
        )
        return Response(status_code=204)

    async def delete(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        m = self._meeting(tok.account_id, p["meeting_id"])
        occ = request.query_params.get("occurrence_id")
        if self.sim.config.count_deletes_in_host_limit:
            self.api.limiter.count_host_write(m.host_id, self.state.clock.now())
        if m.live is not None:
            raise ZoomError(
                400, 3002, "Sorry, you cannot delete this meeting since it is in progress."
            )
        obj = {
            "uuid": m.uuid,
            "id": m.id,
            "host_id": m.host_id,
            "topic": m.topic,
            "type": m.type,
            "duration": m.duration,
            "timezone": m.timezone,
        }
        if m.start_time is not None:
            obj["start_time"] = iso(m.start_time)
        if occ:
            o = next((o for o in m.occurrences if o["occurrence_id"] == occ), None)
            if o is None:
                raise ZoomError(400, 3000, "Invalid occurrence_id.")
            o["status"] = "deleted"
            obj["occurrences"] = [{"occurrence_id": occ, "start_time": o["start_time"]}]
        else:
            m.deleted = True
        self.sim.webhooks.emit(
            "meeting.deleted",
            self._operator(tok, {"operation": "single" if occ else "all", "object": obj}),
        )
        return Response(status_code=204)

    async def list(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        host = self._user(tok.account_id, p["user_id"], tok.user_id)
        q = request.query_params
        kind = q.get("type", "scheduled")
        now = self.state.clock.now()
        ms = [
            m
            for m in self.state.meetings.values()
            if m.host_id == host.id and not m.deleted and m.type != 1
        ]
        if kind == "live":
            ms = [m for m in ms if m.live is not None]
        elif kind in ("upcoming", "upcoming_meetings"):
            ms = [m for m in ms if m.type in (3, 8) or (m.start_time or 0) + m.duration * 60 >= now]
        elif kind == "previous_meetings":
            ms = [m for m in ms if m.ended_instances()]
        elif kind != "scheduled":
            raise validation_error("type")
        ms.sort(key=lambda m: (m.start_time or m.created_at, m.id))
        items = [self.meeting_json(m, base=self.api.base(request), listing=True) for m in ms]
        page = self.api.paginate(request, f"meetings:{host.id}:{kind}", items, "meetings")
        return json_response(page)

    async def status(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        raw = p["meeting_id"]
        m = self.state.meetings.get(int(raw)) if raw.isdigit() else None
        if m is None or m.account_id != tok.account_id:
            raise not_found(raw)
        body = await self.api.json_body(request)
        action = body.get("action")
        if action == "end":
            if m.deleted:
                raise not_found(raw)
            if m.live is not None:
                self.sim.lifecycle.end(m)
        elif action == "recover":
            m.deleted = False
        else:
            raise validation_error("action")
        return Response(status_code=204)

    # -- past meetings and participants --------------------------------------------------------
    def _paid(self, account_id: str) -> None:
        if self.state.accounts[account_id].plan in ("free", "basic"):
            raise ZoomError(400, 200, f"Only available for paid account: {account_id}.")

    def _ended(self, account_id: str, key: str, message: str | None = None) -> Instance:
        inst = self.state.instance_for(account_id, key, ended=True)
        if inst is None:
            raise ZoomError(404, 3001, message or f"Meeting does not exist: {key}.")
        if self._expired(inst):
            raise ZoomError(400, 12702, EXPIRED_PAST_MEETING)
        return inst

    def _expired(self, inst: Instance) -> bool:
        """Zoom keeps past meetings about 15 months (`past_meeting_retention`)."""
        fid = self.sim.config.fidelity
        if not fid.past_meeting_retention or inst.end_time is None:
            return False
        return self.state.clock.now() - inst.end_time > fid.past_meeting_retention_days * 86400

    async def past_meeting(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        self._paid(tok.account_id)
        inst = self._ended(tok.account_id, p["meeting_id"])
        return json_response(self._past_json(inst))

    def _past_json(self, inst: Instance) -> dict[str, Any]:
        m = self.state.meetings[inst.meeting_id]
        host = self.state.users[m.host_id]
        end = inst.end_time or self.state.clock.now()
        total = sum(((pp.leave_time or end) - pp.join_time) for pp in inst.participants)
        return {
            "uuid": inst.uuid,
            "id": m.id,
            "host_id": m.host_id,
            "type": m.type,
            "topic": m.topic,
            "user_name": f"{host.first_name} {host.last_name}",
            "user_email": host.email,
            "start_time": iso(inst.start_time),
            "end_time": iso(end),
            "duration": max(1, round((end - inst.start_time) / 60)),
            "total_minutes": round(total / 60),
            "participants_count": len(inst.participants),
            "source": "Zoom",
            "dept": "",
        }

    async def past_instances(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        raw = p["meeting_id"]
        m = self.state.meetings.get(int(raw)) if raw.isdigit() else None
        if m is None or m.account_id != tok.account_id:
            raise not_found(raw)
        return json_response(
            {
                "meetings": [
                    {"uuid": i.uuid, "start_time": iso(i.start_time)}
                    for i in m.ended_instances()
                    if not self._expired(i)
                ]
            }
        )

    # `builtins.list`: in this class `list` is the GET /users/{id}/meetings handler
    def _rows(
        self, inst: Instance, report: bool, request: Request | None = None
    ) -> builtins.list[dict[str, Any]]:
        """One row per join session and per breakout-room stay (`bo_mtg_id`, report only).
        The report shows `registrant_id` only with `include_fields=registrant_id`, as Zoom."""
        fields = request.query_params.get("include_fields", "") if request is not None else ""
        with_registrant = not report or "registrant_id" in fields.split(",")
        return [self._row(inst, pp, report, with_registrant) for pp in inst.participants]

    def _row(
        self, inst: Instance, pp: Participant, report: bool, with_registrant: bool
    ) -> dict[str, Any]:
        leave = pp.leave_time or inst.end_time or self.state.clock.now()
        row: dict[str, Any] = {
            "id": pp.zoom_user_id,
            "user_id": pp.user_id,
            "name": pp.name,
            "user_email": pp.email,
            "join_time": iso(pp.join_time),
            "leave_time": iso(leave),
            "duration": round(leave - pp.join_time),
            "failover": False,
            "status": "in_meeting",
        }
        if with_registrant:
            row["registrant_id"] = pp.registrant_id
        if report:
            row["customer_key"] = pp.customer_key
            if pp.room:
                row["bo_mtg_id"] = pp.room
            row["participant_user_id"] = pp.zoom_user_id
        else:
            row["internal_user"] = bool(pp.zoom_user_id)
        return row

    async def past_participants(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        self._paid(tok.account_id)
        inst = self._ended(tok.account_id, p["meeting_id"])
        page = self.api.paginate(
            request, f"pp:{inst.uuid}", self._rows(inst, False, request), "participants"
        )
        return json_response(page)

    async def report_participants(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        self._paid(tok.account_id)
        inst = self._ended(tok.account_id, p["meeting_id"], "Meeting ID is invalid or not end.")
        rows = self._rows(inst, True, request)
        page = self.api.paginate(request, f"rp:{inst.uuid}", rows, "participants")
        return json_response(page)

    async def report_meeting(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        self._paid(tok.account_id)
        inst = self._ended(tok.account_id, p["meeting_id"], "Meeting ID is invalid or not end.")
        d = self._past_json(inst)
        d.update({"custom_keys": [], "tracking_fields": []})
        return json_response(d)
