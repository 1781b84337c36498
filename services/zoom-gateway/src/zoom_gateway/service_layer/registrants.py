"""Meeting registrants: register enrolled students, remove them, list them.

**Idempotent adds, by asking first.** Zoom answers a re-registered email with the registration
it already has [docs], but counts every add: a fourth add of one person to one meeting in a UTC
day is refused with 429 [seen], so a caller that re-registers a class on every sync would lock
its students out by the afternoon. The meeting's registrations are therefore listed first
(approved, then pending, then denied — each only while some emails are still unaccounted for)
and Zoom is asked to add only the emails it does not have. Two adds racing for one email may
both reach Zoom; Zoom then answers both with the same registration.

**Batch when it fits.** New people go to ``POST /meetings/{id}/batch_registrants`` 30 at a time
(one Medium call instead of 30 Light ones); Zoom takes it only for scheduled meetings without
occurrences, so a refusal of the batch (code 303), a recurring meeting's ``occurrence_ids`` or a
per-user grant without the batch scope send them one by one to ``POST …/registrants``. The adds
are not one transaction at Zoom: a call that fails half-way leaves the first ones registered,
and the retry finds them in the listing.

**Removal** deletes each registration (``DELETE …/registrants/{id}``), which also kills its join
link; one Zoom no longer has is skipped. The gateway keeps no registrant state of its own: no
unit of work is opened here.

Join URLs identify a student (their ``tk`` token lets anyone in under that name): nothing here
logs them, and :class:`~zoom_gateway.domain.registrants.Registration` keeps them out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from classbridge_common.errors import FieldViolation, InvalidArgument
from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain import registrants as reg
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.ratelimits import Category
from zoom_gateway.domain.scopes import allows
from zoom_gateway.domain.uuids import encode_meeting_ref, encode_path_segment
from zoom_gateway.domain.zoom_errors import ZoomApiError, to_classbridge_error
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.calls import zoom_call
from zoom_gateway.service_layer.pages import collect_pages

NO_SUCH_MEETING = 3001
PAGE_SIZE = 300  # Zoom's largest


def _invalid(err: reg.RegistrantValidationError) -> InvalidArgument:
    return InvalidArgument(str(err), violations=[FieldViolation(err.field, err.description)])


class Registrants:
    def __init__(self, *, zoom: ZoomClient) -> None:
        self._zoom = zoom

    # ---- list -------------------------------------------------------------------------------

    async def listed(
        self, *, actor: Actor, meeting_id: int, status: str, deadline: Deadline
    ) -> list[reg.Registration]:
        """Every registration of ``status`` ("" = approved), all of Zoom's pages."""
        try:
            reg.check_meeting_id(meeting_id)
            wanted = reg.list_status(status)
        except reg.RegistrantValidationError as err:
            raise _invalid(err) from None
        return await self._fetch(actor, meeting_id, wanted, deadline)

    async def _fetch(
        self, actor: Actor, meeting_id: int, status: str, deadline: Deadline
    ) -> list[reg.Registration]:
        items, _, _ = await collect_pages(
            lambda token: zoom_call(
                self._zoom,
                actor,
                "GET",
                f"/meetings/{encode_meeting_ref(meeting_id)}/registrants",
                template="/meetings/{meeting}/registrants",
                category=Category.MEDIUM,
                deadline=deadline,
                operation="list_registrants",
                params={
                    "status": status,
                    "page_size": PAGE_SIZE,
                    **({"next_page_token": token} if token else {}),
                },
                resource_id=str(meeting_id),
            ),
            key="registrants",
            all_pages=True,
            deadline=deadline,
        )
        return [reg.registration_of(item, status=status) for item in items]

    # ---- add --------------------------------------------------------------------------------

    async def add(
        self,
        *,
        actor: Actor,
        meeting_id: int,
        specs: Sequence[tuple[str, str, str]],
        occurrence_ids: str,
        deadline: Deadline,
    ) -> list[reg.Registration]:
        """One registration per spec, in the request's order: the existing one for an email
        Zoom already has, a new one otherwise."""
        try:
            reg.check_meeting_id(meeting_id)
            people = reg.people(specs)
        except reg.RegistrantValidationError as err:
            raise _invalid(err) from None
        actor.require("add_registrants")
        actor.require("list_registrants")
        known = await self._existing(actor, meeting_id, {p.key for p in people}, deadline)
        new = list({p.key: p for p in people if p.key not in known}.values())
        if new:
            known.update(await self._register(actor, meeting_id, new, occurrence_ids, deadline))
        return [known[p.key] for p in people]

    async def _existing(
        self, actor: Actor, meeting_id: int, keys: set[str], deadline: Deadline
    ) -> dict[str, reg.Registration]:
        """The registrations Zoom has for these emails, by email: each status listed only while
        some email is still unaccounted for (a class being resynced is all approved)."""
        found: dict[str, reg.Registration] = {}
        for status in (reg.APPROVED, reg.PENDING, reg.DENIED):
            listed = reg.by_email(await self._fetch(actor, meeting_id, status, deadline))
            found.update({k: r for k, r in listed.items() if k in keys and k not in found})
            if keys <= found.keys():
                break
        return found

    async def _register(
        self,
        actor: Actor,
        meeting_id: int,
        people: list[reg.Person],
        occurrence_ids: str,
        deadline: Deadline,
    ) -> dict[str, reg.Registration]:
        out: dict[str, reg.Registration] = {}
        batch = not occurrence_ids.strip() and len(people) > 1 and self._may_batch(actor)
        rest = people
        while batch and rest:
            chunk, later = rest[: reg.BATCH_MAX], rest[reg.BATCH_MAX :]
            added = await self._batch(actor, meeting_id, chunk, deadline)
            if added is None:
                break  # not a scheduled meeting: one by one
            out.update(added)
            rest = later
        for person in rest:
            out[person.key] = await self._one(actor, meeting_id, person, occurrence_ids, deadline)
        return out

    @staticmethod
    def _may_batch(actor: Actor) -> bool:
        """A per-user grant known to lack the batch scope adds one by one (the single add
        needs only the scope already checked); unknown grants and S2S apps may batch."""
        return not actor.is_user or not actor.scopes or allows(actor.scopes, "batch_registrants")

    async def _batch(
        self, actor: Actor, meeting_id: int, people: list[reg.Person], deadline: Deadline
    ) -> dict[str, reg.Registration] | None:
        """Up to 30 new registrations in one call; ``None`` when Zoom takes no batch for this
        meeting. Zoom's rows carry email, registrant_id and (approved only) join_url."""
        try:
            response = await zoom_call(
                self._zoom,
                actor,
                "POST",
                f"/meetings/{encode_meeting_ref(meeting_id)}/batch_registrants",
                template="/meetings/{meeting}/batch_registrants",
                category=Category.MEDIUM,
                deadline=deadline,
                operation="batch_registrants",
                json={"registrants": [p.body() for p in people]},
                resource_id=str(meeting_id),
                raw_errors=(ZoomApiError,),
            )
        except ZoomApiError as err:
            if reg.batch_refused(err.code, err.message):
                return None
            raise to_classbridge_error(err) from None
        rows = reg.by_email(
            reg.registration_of(row, status=reg.status_of_new(row))
            for row in (response.body or {}).get("registrants") or []
            if isinstance(row, dict)
        )
        out = {}
        for person in people:
            row = rows.get(person.key)
            if row is None:  # Zoom left someone out: ask for that one alone
                out[person.key] = await self._one(actor, meeting_id, person, "", deadline)
            else:
                out[person.key] = reg.Registration(
                    registrant_id=row.registrant_id,
                    email=person.email,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    join_url=row.join_url,
                    status=row.status,
                )
        return out

    async def _one(
        self,
        actor: Actor,
        meeting_id: int,
        person: reg.Person,
        occurrence_ids: str,
        deadline: Deadline,
    ) -> reg.Registration:
        params: dict[str, Any] = {}
        if occurrence_ids.strip():
            params["occurrence_ids"] = occurrence_ids.strip()
        response = await zoom_call(
            self._zoom,
            actor,
            "POST",
            f"/meetings/{encode_meeting_ref(meeting_id)}/registrants",
            template="/meetings/{meeting}/registrants",
            category=Category.LIGHT,
            deadline=deadline,
            operation="add_registrants",
            params=params or None,
            json=person.body(),
            resource_id=str(meeting_id),
        )
        answer = dict(response.body or {})
        return reg.Registration(
            registrant_id=str(answer.get("registrant_id") or answer.get("id") or ""),
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            join_url=str(answer.get("join_url") or ""),
            status=reg.status_of_new(answer),
        )

    # ---- remove -----------------------------------------------------------------------------

    async def remove(
        self, *, actor: Actor, meeting_id: int, registrant_ids: Sequence[str], deadline: Deadline
    ) -> int:
        """How many of ``registrant_ids`` were registered and are removed now.

        Zoom answers an id it does not have with 400 / 300 "invalid Registrant ID" [seen] (or
        404): skipped, so a retried removal is harmless. A meeting Zoom does not have is still
        NOT_FOUND, and a meeting without registration FAILED_PRECONDITION.
        """
        try:
            reg.check_meeting_id(meeting_id)
        except reg.RegistrantValidationError as err:
            raise _invalid(err) from None
        actor.require("delete_registrants")
        removed = 0
        for registrant_id in dict.fromkeys(i.strip() for i in registrant_ids if i.strip()):
            try:
                await zoom_call(
                    self._zoom,
                    actor,
                    "DELETE",
                    f"/meetings/{encode_meeting_ref(meeting_id)}/registrants/"
                    f"{encode_path_segment(registrant_id)}",
                    template="/meetings/{meeting}/registrants/{registrant}",
                    category=Category.LIGHT,
                    deadline=deadline,
                    operation="delete_registrants",
                    resource_id=str(meeting_id),
                    raw_errors=(ZoomApiError,),
                )
            except ZoomApiError as err:
                if _gone(err):
                    continue
                raise to_classbridge_error(err) from None
            removed += 1
        return removed


def _gone(err: ZoomApiError) -> bool:
    """Zoom's answer for a registrant it does not have (as opposed to a missing meeting, no
    registration, or any other refusal)."""
    if err.code == NO_SUCH_MEETING or reg.says_registration_off(err.message):
        return False
    invalid_id = err.status == 400 and err.code == 300 and "registrant" in err.message.lower()
    return invalid_id or err.status == 404
