"""REST handlers for meeting registrants: add one (`POST /meetings/{id}/registrants`), add up to
30 (`POST /meetings/{id}/batch_registrants`), list, get, delete, and approve/deny/cancel
(`PUT /meetings/{id}/registrants/status`). The registrants themselves: zoomsim.registration.

Zoom's refusals, as its reference and captured answers give them (README, "Registrants"):
- another account's or a deleted meeting: 404 `3001` "Meeting does not exist: {id}.";
- a Basic (free) account, registration needing a licensed host: 400 `200`;
- registration off (approval_type 2): `404` "Registration has not been enabled for this
  meeting: {id}." — HTTP 400 from the single-registrant endpoints, 404 from the batch one,
  the statuses of Zoom's reference;
- the meeting ended (a scheduled meeting that ran): 400 `3038`; the host's own email: 400
  `3027` "Host can not register"; a bad email or name: 400 `300` with `errors[]`;
- more than the meeting holds (`registrant_limit`, 4,999 per meeting [docs]): 400 `3043`
  "Meeting has reached maximum attendee capacity." (404 from the batch endpoint);
- a fourth add for the same email in a UTC day: 429 "You have exceeded the daily rate limit of
  (3) for Add meeting registrant API requests for the registrant ({email}). …" [seen], with
  rate limits on.
"""

from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomsim.registration import (
    ACTIONS,
    DETAIL_FIELDS,
    STATUSES,
    Registrations,
    join_url,
    registrant_json,
)
from zoomsim.routing import ZoomError, json_response, validation_error
from zoomsim.state import Meeting, Registrant, iso

if TYPE_CHECKING:
    from zoomsim.app import Api

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 64
MAX_EMAIL = 128
BATCH_MAX = 30
INVALID_REGISTRANT = (
    "The value that you entered for the Registrant ID field is invalid. "
    "Enter a valid value and try again."
)
CAPACITY = "Meeting has reached maximum attendee capacity."
MEETING_OVER = (
    "Meeting is over, you can not register now. "
    "If you have any questions, please contact the Meeting host."
)


def registration_off(meeting_id: int, status: int = 400) -> ZoomError:
    return ZoomError(
        status, 404, f"Registration has not been enabled for this meeting: {meeting_id}."
    )


def _person(body: dict[str, Any], prefix: str = "") -> tuple[str, str, str]:
    """(email, first_name, last_name) of a registrant body, checked as Zoom checks them."""
    email = body.get("email")
    if not isinstance(email, str) or not EMAIL.match(email.strip()) or len(email) > MAX_EMAIL:
        raise validation_error(prefix + "email")
    first = body.get("first_name")
    if not isinstance(first, str) or not first.strip() or len(first) > MAX_NAME:
        raise validation_error(prefix + "first_name")
    last = body.get("last_name") or ""
    if not isinstance(last, str) or len(last) > MAX_NAME:
        raise validation_error(prefix + "last_name")
    return email.strip(), first.strip(), last.strip()


class RegistrantsApi:
    """`/meetings/{meetingId}/registrants…` and `/meetings/{meetingId}/batch_registrants`."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.sim = api.sim
        self.state = api.sim.state

    @property
    def reg(self) -> Registrations:
        return self.sim.registrations

    def _open_meeting(self, request: Request, p: dict[str, str], *, batch: bool = False) -> Meeting:
        """The token's meeting, taking registrations now; else Zoom's refusal."""
        tok = request.state.token
        m = self.api.meetings._meeting(tok.account_id, p["meeting_id"])
        if self.state.accounts[tok.account_id].plan in ("free", "basic"):
            raise ZoomError(400, 200, f"Only available for paid users: {m.id}.")
        if not m.registration_open:
            raise registration_off(m.id, 404 if batch else 400)
        if batch and m.type != 2:
            raise ZoomError(
                400,
                303,
                "This API can only be used for scheduled meeting(meeting type: 2). "
                "Batch registration is not supported for other meeting types.",
            )
        if m.type == 2 and m.live is None and m.ended_instances():
            raise ZoomError(400, 3038, MEETING_OVER)
        return m

    def _check_person(self, m: Meeting, email: str) -> None:
        host = self.state.users[m.host_id]
        if email.lower() == host.email.lower():
            raise ZoomError(400, 3027, "Host can not register")

    def _occurrences(self, m: Meeting, raw: str | None) -> builtins.list[str]:
        if not raw:
            return []
        wanted = [x.strip() for x in raw.split(",") if x.strip()]
        known = {o["occurrence_id"] for o in m.occurrences}
        if any(x not in known for x in wanted):
            raise ZoomError(400, 300, "Invalid occurrence_ids.")
        return wanted

    def _created_json(self, m: Meeting, r: Registrant, base: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": m.id}
        if r.status == "approved":  # manual approval: no link until approved [docs]
            out["join_url"] = join_url(m, r, base)
        out.update(
            {
                "registrant_id": r.id,
                "start_time": iso(m.start_time or m.created_at),
                "topic": m.topic,
                "occurrences": [
                    dict(o)
                    for o in m.occurrences
                    if not r.occurrence_ids or o["occurrence_id"] in r.occurrence_ids
                ],
                "participant_pin_code": r.pin_code,
            }
        )
        return out

    # `builtins.list` in annotations: in this class `list` is the GET handler
    # -- handlers -----------------------------------------------------------------------------
    async def add(self, request: Request, p: dict[str, str]) -> Response:
        m = self._open_meeting(request, p)
        body = await self.api.json_body(request)
        email, first, last = _person(body)
        self._check_person(m, email)
        occ = self._occurrences(m, request.query_params.get("occurrence_ids"))
        self.api.limiter.count_registrant_add(m.id, email, self.state.clock.now())
        if self.reg.by_email(m, email) is None and self.reg.counted(m) >= self._limit():
            raise ZoomError(400, 3043, CAPACITY)
        details = {
            k: body[k] for k in (*DETAIL_FIELDS, "custom_questions", "language") if k in body
        }
        r, _new = self.reg.add(
            m,
            email,
            first,
            last,
            details=details,
            auto_approve=body.get("auto_approve") is True,
            occurrence_ids=occ,
        )
        return json_response(self._created_json(m, r, self.api.base(request)), 201)

    async def batch(self, request: Request, p: dict[str, str]) -> Response:
        m = self._open_meeting(request, p, batch=True)
        body = await self.api.json_body(request)
        people = body.get("registrants")
        if not isinstance(people, list) or not people or len(people) > BATCH_MAX:
            raise validation_error("registrants", f"Between 1 and {BATCH_MAX} registrants.")
        checked = []
        for i, one in enumerate(people):
            if not isinstance(one, dict):
                raise validation_error(f"registrants[{i}]")
            checked.append(_person(one, f"registrants[{i}]."))
        for email, _first, _last in checked:
            self._check_person(m, email)
        new = {e.lower() for e, _, _ in checked if self.reg.by_email(m, e) is None}
        if self.reg.counted(m) + len(new) > self._limit():
            raise ZoomError(404, 3043, CAPACITY)
        base = self.api.base(request)
        out = []
        for email, first, last in checked:
            r, _new = self.reg.add(
                m, email, first, last, auto_approve=body.get("auto_approve") is True
            )
            row: dict[str, Any] = {"email": r.email}
            if r.status == "approved":
                row["join_url"] = join_url(m, r, base)
            row.update({"registrant_id": r.id, "participant_pin_code": r.pin_code})
            out.append(row)
        return json_response({"registrants": out}, 201)

    async def list(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        m = self.api.meetings._meeting(tok.account_id, p["meeting_id"])
        status = request.query_params.get("status") or "approved"
        if status not in STATUSES:
            raise validation_error("status")
        base = self.api.base(request)
        items = [registrant_json(m, r, base) for r in self.reg.listed(m, status)]
        page = self.api.paginate(request, f"registrants:{m.id}:{status}", items, "registrants")
        return json_response(page)

    def _one(self, request: Request, p: dict[str, str]) -> tuple[Meeting, Registrant]:
        tok = request.state.token
        m = self.api.meetings._meeting(tok.account_id, p["meeting_id"])
        r = m.registrants.get(p["registrant_id"])
        if r is None:
            raise ZoomError(400, 300, INVALID_REGISTRANT)
        return m, r

    async def get(self, request: Request, p: dict[str, str]) -> Response:
        m, r = self._one(request, p)
        return json_response(registrant_json(m, r, self.api.base(request)))

    async def delete(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        m = self.api.meetings._meeting(tok.account_id, p["meeting_id"])
        if not m.registration_open:
            raise registration_off(m.id)
        m, r = self._one(request, p)
        self.reg.remove(m, r.id)
        return Response(status_code=204)

    async def status(self, request: Request, p: dict[str, str]) -> Response:
        tok = request.state.token
        m = self.api.meetings._meeting(tok.account_id, p["meeting_id"])
        if not m.registration_open:
            raise registration_off(m.id)
        body = await self.api.json_body(request)
        action = body.get("action")
        if action not in ACTIONS:
            raise validation_error("action")
        refs = body.get("registrants")
        if not isinstance(refs, list) or not all(isinstance(x, dict) for x in refs):
            raise validation_error("registrants")
        operator = (
            self.state.users.get(tok.user_id or "") or self.state.accounts[tok.account_id].users[0]
        )
        self.reg.set_status(m, str(action), refs, operator)
        return Response(status_code=204)

    def _limit(self) -> int:
        return int(self.sim.config.registrant_limit)
