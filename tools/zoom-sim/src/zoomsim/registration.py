"""Meeting registration as Zoom keeps it: registrants, their statuses, their own join links, and
the `meeting.registration_*` events. Shared by the REST endpoints (zoomsim.registrants) and the
control API, so a registrant made either way joins, lists and reports the same.

What Zoom does, and where it was read:
- registration is on when `settings.approval_type` is 0 (automatic) or 1 (manual); 2 (Zoom's
  default) is none [docs]. A new registrant is `approved` under automatic approval, `pending`
  under manual approval unless `auto_approve` [docs];
- the same email registered again answers the registrant it already is [docs, seen: Zoom
  compares emails without regard to case], `join_url` and all;
- each registrant's `join_url` is their own, `https://…/w/{meeting}?tk={token}` [docs]:
  whoever opens it joins under the registered name, signed in or not [seen];
  `participant_pin_code` names them when they dial in [docs];
- `cancel` takes an approved registration away and lists it as `denied`, like a denial [seen,
  Zoom community]; a deleted registrant is gone and their link stops working [docs];
- the events' shapes are Zoom's SDK types (zoom/rivet-javascript): `object` is the meeting with
  `id` a number, `registrant` the person; approvals, denials and cancellations name the operator.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from zoomsim.state import Meeting, Registrant, b64id, iso

if TYPE_CHECKING:
    from zoomsim.app import Simulator

APPROVED, PENDING, DENIED = "approved", "pending", "denied"
STATUSES = (APPROVED, PENDING, DENIED)
# what PUT .../registrants/status does to a registration, and the event it sends
ACTIONS = {
    "approve": (APPROVED, "meeting.registration_approved"),
    "deny": (DENIED, "meeting.registration_denied"),
    "cancel": (DENIED, "meeting.registration_cancelled"),
}
# registration fields kept as given and shown back (Zoom's add-registrant body)
DETAIL_FIELDS = (
    "address",
    "city",
    "country",
    "zip",
    "state",
    "phone",
    "industry",
    "org",
    "job_title",
    "purchasing_time_frame",
    "role_in_purchase_process",
    "no_of_employees",
    "comments",
)


def join_url(m: Meeting, r: Registrant, base: str) -> str:
    """The registrant's own link: the meeting's `/w/` address with their `tk` token (and the
    passcode, as the meeting's own join_url carries it)."""
    pwd = f"&pwd={m.encrypted_password}" if m.password and m.encrypted_password else ""
    return f"{base}/w/{m.id}?tk={r.token}{pwd}"


def registrant_json(m: Meeting, r: Registrant, base: str) -> dict[str, Any]:
    """A registrant as `GET /meetings/{id}/registrants[/{registrantId}]` shows one; only an
    approved registrant has a `join_url` that lets them in."""
    d: dict[str, Any] = {
        "id": r.id,
        "email": r.email,
        "first_name": r.first_name,
        "last_name": r.last_name,
    }
    d.update({k: str(r.details.get(k, "")) for k in DETAIL_FIELDS})
    d["custom_questions"] = list(r.details.get("custom_questions") or [])
    d.update({"status": r.status, "create_time": iso(r.create_time)})
    if r.status == APPROVED:
        d["join_url"] = join_url(m, r, base)
    d["participant_pin_code"] = r.pin_code
    return d


class Registrations:
    """The registrants of every meeting: add, change status, remove, find for a join."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state = sim.state

    # -- reading ----------------------------------------------------------------------------
    @staticmethod
    def by_email(m: Meeting, email: str) -> Registrant | None:
        key = email.strip().lower()
        return next((r for r in m.registrants.values() if r.email.lower() == key), None)

    @staticmethod
    def counted(m: Meeting) -> int:
        """Registrants that hold a place: approved and pending ones."""
        return sum(1 for r in m.registrants.values() if r.status != DENIED)

    def listed(self, m: Meeting, status: str) -> list[Registrant]:
        """One status's registrants, newest first (as Zoom lists them [seen])."""
        return [r for r in reversed(m.registrants.values()) if r.status == status]

    def find_for_join(
        self,
        m: Meeting,
        *,
        registrant_id: str = "",
        link: str = "",
        pin_code: str | int = "",
    ) -> Registrant | None:
        """The registrant a join names: by id, by their join link (its `tk`, or the bare
        token), or by the participant code they key in when dialling in."""
        if registrant_id:
            return m.registrants.get(registrant_id)
        if link:
            token = _token_of(link)
            return next((r for r in m.registrants.values() if r.token == token), None)
        if str(pin_code):
            return next(
                (r for r in m.registrants.values() if str(r.pin_code) == str(pin_code)), None
            )
        return None

    # -- changing ---------------------------------------------------------------------------
    def add(
        self,
        m: Meeting,
        email: str,
        first_name: str,
        last_name: str = "",
        *,
        details: dict[str, Any] | None = None,
        auto_approve: bool = False,
        occurrence_ids: Iterable[str] = (),
    ) -> tuple[Registrant, bool]:
        """Register `email` (the registrant it already is when registered: `False`), sending
        `meeting.registration_created` for a new one. The caller has checked the meeting takes
        registrations and has room."""
        known = self.by_email(m, email)
        if known is not None:
            return known, False
        manual = m.settings.get("approval_type") == 1 and not auto_approve
        used = {r.pin_code for r in m.registrants.values()}
        pin = self.state.rng.randint(100000, 999999)
        while pin in used:
            pin = self.state.rng.randint(100000, 999999)
        r = Registrant(
            id=b64id(secrets.token_bytes(16)),
            meeting_id=m.id,
            email=email.strip(),
            first_name=first_name,
            last_name=last_name,
            status=PENDING if manual else APPROVED,
            create_time=self.state.clock.now(),
            token=secrets.token_urlsafe(48),
            pin_code=pin,
            details=dict(details or {}),
            occurrence_ids=list(occurrence_ids),
        )
        m.registrants[r.id] = r
        self._emit("meeting.registration_created", m, r, None)
        return r, True

    def set_status(
        self, m: Meeting, action: str, refs: Iterable[dict[str, Any]], operator: Any
    ) -> list[Registrant]:
        """`approve`, `deny` or `cancel` the registrants named by `id` or `email` (others are
        skipped, as Zoom does); each change sends its event, naming `operator` (a User)."""
        status, event = ACTIONS[action]
        changed = []
        for ref in refs:
            r = m.registrants.get(str(ref.get("id") or "")) or self.by_email(
                m, str(ref.get("email") or "")
            )
            if r is None or r.status == status or (action == "cancel" and r.status != APPROVED):
                continue
            r.status = status
            changed.append(r)
            self._emit(event, m, r, operator)
        return changed

    def remove(self, m: Meeting, registrant_id: str) -> Registrant | None:
        return m.registrants.pop(registrant_id, None)

    # -- events -----------------------------------------------------------------------------
    def _emit(self, event: str, m: Meeting, r: Registrant, operator: Any) -> None:
        obj: dict[str, Any] = {
            "uuid": m.uuid,
            "id": m.id,
            "host_id": m.host_id,
            "topic": m.topic,
            "type": m.type,
            "start_time": iso(m.start_time or m.created_at),
            "duration": m.duration,
            "timezone": m.timezone,
        }
        if m.occurrences:
            obj["occurrences"] = [
                {"occurrence_id": o["occurrence_id"], "start_time": o["start_time"]}
                for o in m.occurrences
                if not r.occurrence_ids or o["occurrence_id"] in r.occurrence_ids
            ]
        person: dict[str, Any] = {
            "id": r.id,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "email": r.email,
        }
        base = self.sim.base_url()
        if event == "meeting.registration_created":
            person.update({k: r.details[k] for k in DETAIL_FIELDS if k in r.details})
            person.update({"status": r.status, "join_url": join_url(m, r, base)})
            person["participant_pin_code"] = r.pin_code
            person["create_time"] = iso(r.create_time)
        elif event == "meeting.registration_approved":
            person.update({"join_url": join_url(m, r, base), "participant_pin_code": r.pin_code})
        payload: dict[str, Any] = {"account_id": m.account_id}
        if operator is not None:
            payload.update({"operator": operator.email, "operator_id": operator.id})
        payload["object"] = {**obj, "registrant": person}
        self.sim.webhooks.emit(event, payload)


def _token_of(link: str) -> str:
    """The `tk` of a registrant link; a string without one is taken as the token itself."""
    if "?" in link or "://" in link:
        return (parse_qs(urlsplit(link).query).get("tk") or [""])[0]
    return link
