"""Meeting handlers: create (idempotent), get, update, delete, list.

**Idempotent create.** The caller's ``request_id`` is claimed in the gateway database before
Zoom is called (:mod:`zoom_gateway.adapters.repositories.meeting_creations`), so a retry — from
the same caller after a timeout, or through another replica — never creates a second meeting:

* the Zoom call runs in a task of its own with the gateway's create timeout, *not* the caller's
  deadline: a caller that gives up does not abandon a request Zoom may still complete; the task
  stores the result and a retry picks it up (a retry that arrives meanwhile waits for it);
* if the gateway dies mid-call, the claim's lease runs out and the next retry *reconciles*: it
  lists the host's upcoming meetings and looks for the request's marker, a hash of tenant and
  request id appended to the agenda (``[classbridge-ref:…]``). We chose the agenda because it is
  the only free-text field Zoom returns in meeting *lists* and accepts on every account; tracking
  fields would be cleaner but Zoom refuses them unless an admin has defined them for the account.
  Only when no meeting carries the marker is Zoom asked to create one.

The per-host daily ledger is charged before each create and update
(:mod:`zoom_gateway.service_layer.host_quota`); Zoom is never asked once a host has used its 100
writes for the UTC day. The ledger counts Zoom users, not spellings: the host is resolved to its
Zoom user id first (:mod:`zoom_gateway.service_layer.hosts`).

**Two units of work per create, on purpose.** The Zoom call sits between them and inside
neither: a transaction held open across it would keep the key's row (and, on SQLite, the only
write lock) for as long as Zoom takes, and a crash mid-call would roll the claim back, letting a
retry create a second meeting. On PostgreSQL each transaction costs several round trips, so a
create keeps to these two: the idempotency claim, the ledger charge and the rate-limit token in
the first (a refused charge rolls the claim back: nothing is left to clean up, and Zoom is not
asked), the result and the meeting's host in the second. Only the unusual paths (a takeover, a
refusal, an unknown outcome) add one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from classbridge_common.errors import (
    ClassbridgeError,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    Unavailable,
)
from zoom_gateway.adapters.rate_limiter import DbRateLimiter
from zoom_gateway.adapters.repositories.meeting_creations import Busy, Claim, Claimed, Done
from zoom_gateway.adapters.repositories.user_connections import ConnectionInfo
from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.adapters.zoom_client import (
    HostDailyLimitReached,
    ZoomClient,
    ZoomOutcomeUnknown,
    ZoomResponse,
)
from zoom_gateway.domain.alternative_hosts import FIELD as ALTERNATIVE_HOSTS
from zoom_gateway.domain.alternative_hosts import AlternativeHosts, Skip, SkippedHost
from zoom_gateway.domain.alternative_hosts import split as split_hosts
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.meetings import (
    MeetingDraft,
    MeetingValidationError,
    build_create_body,
    check_settings,
    fingerprint,
    has_marker,
    request_marker,
    rooms_kept,
    rooms_requested,
)
from zoom_gateway.domain.ratelimits import Category
from zoom_gateway.domain.uuids import encode_meeting_ref, encode_path_segment
from zoom_gateway.domain.zoom_errors import ZoomApiError, to_classbridge_error
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.calls import zoom_call
from zoom_gateway.service_layer.host_quota import HostQuota
from zoom_gateway.service_layer.hosts import HostKeys
from zoom_gateway.service_layer.pages import collect_pages, page_token_for, zoom_token_of

log = logging.getLogger("zoom_gateway.meetings")

BUSY_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class MeetingAnswer:
    """A meeting as Zoom has it after a create or an update, whether Zoom dropped the
    breakout rooms the caller pre-assigned, and the alternative hosts asked for by user id that
    it does not have (the caller should warn the teacher of both)."""

    meeting: dict[str, Any]
    breakout_rooms_dropped: bool = False
    skipped_alternative_hosts: tuple[SkippedHost, ...] = ()


def _unusable(actor: Actor, conn: ConnectionInfo | None) -> Skip | None:
    """Why a user's connection cannot name a Zoom user for the actor's meetings (as host or
    alternative host): none in the actor's tenant, or a Zoom user of another account; None
    when it can."""
    if conn is None or conn.tenant != actor.tenant.id or not conn.zoom_email:
        return Skip.NOT_CONNECTED
    account = actor.tenant.account_id
    if account and conn.zoom_account_id and conn.zoom_account_id != account:
        return Skip.OTHER_ACCOUNT
    return None


def _refusal(err: InvalidArgument) -> str | None:
    """Zoom's words when ``err`` is Zoom refusing an alternative host."""
    return next((v.description for v in err.violations if v.field == ALTERNATIVE_HOSTS), None)


def _kept_hosts(meeting: Mapping[str, Any]) -> list[str] | None:
    """The alternative hosts Zoom's answer lists; None when it says nothing of them."""
    settings = meeting.get("settings")
    if not isinstance(settings, Mapping) or "alternative_hosts" not in settings:
        return None
    return split_hosts(str(settings.get("alternative_hosts") or ""))


def _invalid(err: MeetingValidationError) -> InvalidArgument:
    return InvalidArgument(
        str(err), violations=[FieldViolation(f"meeting.{err.field}", err.description)]
    )


class Meetings:
    def __init__(
        self,
        *,
        zoom: ZoomClient,
        uow: UnitOfWorkFactory,
        quota: HostQuota,
        create_timeout: float,
        claim_lease: timedelta,
        limiter: DbRateLimiter | None = None,
        hosts: HostKeys | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._zoom = zoom
        self._uow = uow
        self._quota = quota
        self._limiter = limiter  # None when our buckets are off (the client takes none either)
        self.hosts = hosts or HostKeys(zoom=zoom)
        self._create_timeout = create_timeout
        self._claim_lease = claim_lease  # how long a claim stays ours without an answer
        self._now = now
        self._tasks: set[asyncio.Task[Any]] = set()
        self._owner = uuid.uuid4().hex

    async def drain(self, grace: float) -> None:
        """Let creates already sent to Zoom finish and be recorded (graceful shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)

    # ---- create ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        actor: Actor,
        request_id: str,
        host: str,
        draft: MeetingDraft,
        deadline: Deadline,
        alternative_host_user_ids: Sequence[str] = (),
        host_user_id: str = "",
    ) -> MeetingAnswer:
        """The meeting for ``request_id`` (made now, or the one made the first time), checked
        for breakout rooms Zoom dropped (a repeat reports it again: the request is the same).

        ``host_user_id`` names the host as a Classbridge user (:meth:`_user_host`), so that a
        course's meetings can be spread over its instructors' Zoom users, each with its own
        daily budget; the host is then never one of its own alternative hosts.

        Alternative hosts named by user id are best effort (``domain/alternative_hosts.py``):
        those Zoom refuses are left out and the create is made again without them (Zoom
        refused the whole request, so the claim was given back and the key may be used
        again). The idempotency fingerprint is of the request as the caller made it, user
        ids and all, so a repeat matches however its hosts resolve now.
        """
        if host_user_id:
            host = await self._user_host(actor, host_user_id)
            alternative_host_user_ids = [u for u in alternative_host_user_ids if u != host_user_id]
        hosts = await self._alternative_hosts(actor, draft.settings, alternative_host_user_ids)
        if hosts is None:
            meeting = await self._create(
                actor=actor, request_id=request_id, host=host, draft=draft, deadline=deadline
            )
            dropped = await self._rooms_dropped(actor, draft.settings, meeting, deadline)
            return MeetingAnswer(meeting, dropped)
        asked = replace(
            draft,
            settings={
                **draft.settings,
                "alternative_host_user_ids": sorted(set(alternative_host_user_ids)),
            },
        )
        while True:
            try:
                meeting = await self._create(
                    actor=actor,
                    request_id=request_id,
                    host=host,
                    draft=replace(draft, settings=hosts.settings_with(draft.settings)),
                    deadline=deadline,
                    fingerprint_of=asked,
                )
                break
            except InvalidArgument as err:
                refusal = _refusal(err)
                if refusal is None or not hosts.drop_refused(refusal):
                    raise
        kept = _kept_hosts(meeting)
        if kept is not None:
            hosts.missing_from(kept)
        dropped = await self._rooms_dropped(actor, draft.settings, meeting, deadline)
        return MeetingAnswer(meeting, dropped, tuple(hosts.skipped))

    async def _user_host(self, actor: Actor, user_id: str) -> str:
        """The Zoom email of the user ``user_id`` connected in the actor's tenant and Zoom
        account: who hosts a meeting named by Classbridge user. Refused (FAILED_PRECONDITION, its
        details naming the user and why) when there is none, before anything is charged or
        claimed."""
        async with self._uow() as uow:
            conn = await uow.connections.get(user_id)
        why = _unusable(actor, conn)
        if why is not None or conn is None:
            raise FailedPrecondition(
                f"user {user_id!r} cannot host the meeting: "
                + (
                    "their Zoom user belongs to another Zoom account"
                    if why is Skip.OTHER_ACCOUNT
                    else "they have not connected a Zoom user to Classbridge"
                ),
                details={"host_user_id": user_id, "why": str(why or Skip.NOT_CONNECTED)},
            )
        return conn.zoom_email

    async def _alternative_hosts(
        self, actor: Actor, settings: Mapping[str, Any], user_ids: Sequence[str]
    ) -> AlternativeHosts | None:
        """The alternative hosts of a request that names some by Classbridge user id (None
        when it names none): each resolved through the user's per-user Zoom connection in the
        actor's tenant, to the email Zoom reported for them, unless that Zoom user belongs to
        another account than the tenant's (Zoom would refuse them). Only the database is read.
        """
        wanted = list(dict.fromkeys(u.strip() for u in user_ids if u.strip()))
        if not wanted:
            return None
        hosts = AlternativeHosts(
            given=split_hosts(str(settings.get("alternative_hosts") or "")),
            resolved={},
            skipped=[],
        )
        async with self._uow() as uow:
            found = {user_id: await uow.connections.get(user_id) for user_id in wanted}
        for user_id in wanted:
            conn = found[user_id]
            why = _unusable(actor, conn)
            if conn is None or why is Skip.NOT_CONNECTED:
                hosts.skipped.append(SkippedHost(user_id, "", Skip.NOT_CONNECTED))
            elif why is not None:
                hosts.skipped.append(SkippedHost(user_id, conn.zoom_email, why))
            else:
                hosts.resolved.setdefault(conn.zoom_email, user_id)
        return hosts

    async def _create(
        self,
        *,
        actor: Actor,
        request_id: str,
        host: str,
        draft: MeetingDraft,
        deadline: Deadline,
        fingerprint_of: MeetingDraft | None = None,
    ) -> dict[str, Any]:
        if not request_id.strip():
            raise InvalidArgument(
                "request_id is required (the idempotency key, e.g. the session id)",
                violations=[FieldViolation("request_id", "required")],
            )
        tenant = actor.tenant.id
        host = host or actor.default_host
        marker = request_marker(tenant, request_id)
        try:
            body = build_create_body(draft, marker=marker)
            asked = body if fingerprint_of is None else build_create_body(fingerprint_of)
        except MeetingValidationError as err:
            raise _invalid(err) from None
        actor.require("create_meeting")
        print_ = fingerprint(asked, host)
        host_key = await self._host_key(actor, host, tenant, request_id, print_, deadline)
        if isinstance(host_key, dict):
            return host_key  # created before; Zoom unreachable for the host lookup
        while True:
            claim, prepaid = await self._claim(
                actor, request_id, print_=print_, host=host, host_key=host_key, marker=marker
            )
            if isinstance(claim, Done):
                return claim.meeting
            if isinstance(claim, Busy):
                if deadline.remaining() <= BUSY_POLL_SECONDS:
                    raise Unavailable(
                        "a create with this request_id is in progress; retry shortly",
                        details={"request_id": request_id},
                    )
                await asyncio.sleep(BUSY_POLL_SECONDS)
                continue
            assert isinstance(claim, Claimed)
            task = asyncio.create_task(
                self._create_owned(
                    actor,
                    request_id,
                    host,
                    host_key,
                    body,
                    marker,
                    takeover=claim.takeover,
                    prepaid=prepaid,
                )
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            try:
                return await asyncio.wait_for(asyncio.shield(task), timeout=deadline.remaining())
            except TimeoutError:
                raise DeadlineExceeded(
                    "deadline passed while Zoom was creating the meeting; retry with the same "
                    "request_id to get it"
                ) from None

    async def _claim(
        self,
        actor: Actor,
        request_id: str,
        *,
        print_: str,
        host: str,
        host_key: str,
        marker: str,
    ) -> tuple[Claim, bool]:
        """The first unit of work of a create: the claim, with — when it is fresh — the host's
        daily charge and the call's rate-limit token. Answers the claim and whether the token
        was taken (``prepaid``). A refused charge raises and rolls the claim back with it."""
        tenant = actor.tenant.id
        async with self._uow() as uow:
            claim = await uow.creations.claim(
                tenant=tenant,
                request_id=request_id,
                fingerprint=print_,
                host=host,
                marker=marker,
                owner=self._owner,
                now=self._now(),
                lease=self._claim_lease,
            )
            prepaid = False
            if isinstance(claim, Claimed) and not claim.takeover:
                await self._quota.charge(uow, tenant, host_key)
                if self._limiter is not None:
                    prepaid = await self._limiter.prepay(
                        uow, tenant, actor.tenant.create_meeting_category
                    )
            await uow.commit()
        return claim, prepaid

    async def _host_key(
        self,
        actor: Actor,
        host: str,
        tenant: str,
        request_id: str,
        print_: str,
        deadline: Deadline,
    ) -> str | dict[str, Any]:
        """The host's ledger key; or, when Zoom cannot be asked who the host is, the meeting
        already stored for this request (a retry must not depend on Zoom being up)."""
        try:
            return await self.hosts.key(actor, host, deadline)
        except (Unavailable, DeadlineExceeded):
            async with self._uow() as uow:
                stored = await uow.creations.find_done(
                    tenant=tenant, request_id=request_id, fingerprint=print_
                )
            if stored is None:
                raise
            return stored

    async def _complete(
        self, tenant: str, request_id: str, host_key: str, meeting: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The second unit of work of a create: the meeting on record for the key (normally
        ``meeting``) stored with the host it is charged to, in one commit."""
        async with self._uow() as uow:
            completed = await uow.creations.complete(
                tenant=tenant, request_id=request_id, meeting=meeting, now=self._now()
            )
            if completed.meeting_id is not None:
                await uow.host_usage.remember_host(tenant, completed.meeting_id, host_key)
            await uow.commit()
        return completed.meeting

    async def _release(self, tenant: str, request_id: str) -> None:
        """Zoom refused the create: forget our claim so the caller may try again."""
        async with self._uow() as uow:
            await uow.creations.release(tenant=tenant, request_id=request_id, owner=self._owner)
            await uow.commit()

    async def _expire_lease(self, tenant: str, request_id: str) -> None:
        """We no longer know what Zoom did: let the next attempt reconcile at once."""
        async with self._uow() as uow:
            await uow.creations.expire_lease(
                tenant=tenant, request_id=request_id, owner=self._owner, now=self._now()
            )
            await uow.commit()

    async def _charge(self, tenant: str, host_key: str) -> None:
        """Charge one write to the host's ledger in a unit of work of its own."""
        async with self._uow() as uow:
            await self._quota.charge(uow, tenant, host_key)
            await uow.commit()

    async def _host_exhausted(self, tenant: str, host_key: str, request_id: str = "") -> None:
        """Zoom said the host's daily budget is spent: record it (and give up our claim on
        ``request_id``, if any) in one unit of work."""
        async with self._uow() as uow:
            await self._quota.mark_exhausted(uow, tenant, host_key)
            if request_id:
                await uow.creations.release(tenant=tenant, request_id=request_id, owner=self._owner)
            await uow.commit()

    async def _create_owned(
        self,
        actor: Actor,
        request_id: str,
        host: str,
        host_key: str,
        body: dict[str, Any],
        marker: str,
        *,
        takeover: bool,
        prepaid: bool,
    ) -> dict[str, Any]:
        tenant = actor.tenant.id
        deadline = Deadline.after(self._create_timeout)
        if takeover:
            found = await self._find_by_marker(actor, host, marker, deadline)
            if found is not None:
                log.info(
                    "recovered a meeting created before a crash", extra={"request_id": request_id}
                )
                return await self._complete(tenant, request_id, host_key, found)
        try:
            if takeover:
                # a taken-over claim was charged by its first owner, who may never have reached
                # Zoom; charging again errs on the side of Zoom's limit
                await self._charge(tenant, host_key)
            response = await zoom_call(
                self._zoom,
                actor,
                "POST",
                f"/users/{encode_path_segment(host)}/meetings",
                template="/users/{user}/meetings",
                category=actor.tenant.create_meeting_category,
                deadline=deadline,
                json=body,
                raw_errors=(ZoomOutcomeUnknown, HostDailyLimitReached),
                prepaid=prepaid,
            )
        except ZoomOutcomeUnknown:
            found = await self._safe_find(actor, host, marker, deadline)
            if found is not None:
                return await self._complete(tenant, request_id, host_key, found)
            await self._expire_lease(tenant, request_id)
            raise Unavailable(
                "Zoom did not answer the create; retry with the same request_id",
                details={"upstream": "zoom", "request_id": request_id},
            ) from None
        except HostDailyLimitReached:
            await self._host_exhausted(tenant, host_key, request_id)
            raise self._quota.exhausted(host, self._quota.now()) from None
        except asyncio.CancelledError:
            # stopped mid-call (shutdown): Zoom may have acted, so let a retry reconcile
            await asyncio.shield(self._expire_lease(tenant, request_id))
            raise
        except Exception:
            # Zoom answered with a refusal (or we never sent it): the key may be used again
            await asyncio.shield(self._release(tenant, request_id))
            raise
        meeting = dict(response.body or {})
        stored = await self._complete(tenant, request_id, host_key, meeting)
        if stored.get("id") != meeting.get("id"):
            # Someone else completed the key while our call was in flight: keep theirs.
            log.warning("deleting a duplicate meeting", extra={"request_id": request_id})
            await self._safe_delete(actor, int(meeting["id"]))
        return stored

    async def _safe_find(
        self, actor: Actor, host: str, marker: str, deadline: Deadline
    ) -> dict[str, Any] | None:
        try:
            return await self._find_by_marker(actor, host, marker, deadline)
        except Exception:
            log.warning("could not look for a lost meeting at Zoom", exc_info=True)
            return None

    async def _find_by_marker(
        self, actor: Actor, host: str, marker: str, deadline: Deadline
    ) -> dict[str, Any] | None:
        """The meeting whose agenda carries ``marker`` among the host's upcoming meetings."""
        for list_type in ("upcoming", "scheduled"):

            def fetch(token: str, lt: str = list_type) -> Awaitable[ZoomResponse]:
                return zoom_call(
                    self._zoom,
                    actor,
                    "GET",
                    f"/users/{encode_path_segment(host)}/meetings",
                    template="/users/{user}/meetings",
                    category=Category.MEDIUM,
                    deadline=deadline,
                    operation="list_meetings",
                    params={
                        "type": lt,
                        "page_size": 300,
                        **({"next_page_token": token} if token else {}),
                    },
                )

            items, _, _ = await collect_pages(
                fetch,
                key="meetings",
                all_pages=True,
                deadline=deadline,
            )
            for item in items:
                if has_marker(item, marker):
                    return await self.get(
                        actor=actor, meeting_id=int(item["id"]), deadline=deadline
                    )
        return None

    async def _safe_delete(self, actor: Actor, meeting_id: int) -> None:
        try:
            await self.delete(actor=actor, meeting_id=meeting_id, deadline=Deadline.after(10))
        except Exception:
            log.error("could not delete a duplicate meeting", extra={"meeting_id": meeting_id})

    # ---- read, update, delete, list ---------------------------------------------------------

    async def get(
        self,
        *,
        actor: Actor,
        meeting_id: int,
        deadline: Deadline,
        occurrence_id: str = "",
        show_previous_occurrences: bool = False,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if occurrence_id:
            params["occurrence_id"] = occurrence_id
        if show_previous_occurrences:
            params["show_previous_occurrences"] = "true"
        response = await zoom_call(
            self._zoom,
            actor,
            "GET",
            f"/meetings/{encode_meeting_ref(meeting_id)}",
            template="/meetings/{meeting}",
            category=Category.LIGHT,
            deadline=deadline,
            operation="read_meeting",
            params=params or None,
            resource_id=str(meeting_id),
        )
        return dict(response.body or {})

    async def update(
        self,
        *,
        actor: Actor,
        meeting_id: int,
        patch: Mapping[str, Any],
        deadline: Deadline,
        occurrence_id: str = "",
        alternative_host_user_ids: Sequence[str] = (),
    ) -> MeetingAnswer:
        """PATCH the meeting, then read it back. Alternative hosts named by user id (when the
        patch sets alternative hosts at all) are best effort, as on create: one Zoom refuses is
        left out and the PATCH sent again (each attempt is a write of the host's budget)."""
        if not patch:
            raise InvalidArgument(
                "update_mask names no field to change",
                violations=[FieldViolation("update_mask", "empty")],
            )
        settings = patch.get("settings")
        requested: Mapping[str, Any] = settings if isinstance(settings, Mapping) else {}
        try:
            check_settings(requested)
        except MeetingValidationError as err:
            raise _invalid(err) from None
        actor.require("update_meeting")
        actor.require("read_meeting")  # the answer is the meeting as Zoom now has it
        hosts = (
            await self._alternative_hosts(actor, requested, alternative_host_user_ids)
            if "alternative_hosts" in requested
            else None
        )
        tenant = actor.tenant.id
        async with self._uow() as uow:
            known = await uow.host_usage.host_of(tenant, meeting_id)
        host = known
        if host is None:
            # Zoom is asked whose meeting it is between units of work, never inside one
            current = await self.get(actor=actor, meeting_id=meeting_id, deadline=deadline)
            host = str(current.get("host_id") or "") or await self.hosts.key(actor, "me", deadline)
        async with self._uow() as uow:
            if known is None:
                await uow.host_usage.remember_host(tenant, meeting_id, host)
                # kept even when the charge below is refused: the next update need not ask Zoom
                await uow.commit()
            await self._quota.charge(uow, tenant, host)
            await uow.commit()
        while True:
            body = dict(patch)
            if hosts is not None:
                body["settings"] = hosts.settings_with(requested)
            try:
                await zoom_call(
                    self._zoom,
                    actor,
                    "PATCH",
                    f"/meetings/{encode_meeting_ref(meeting_id)}",
                    template="/meetings/{meeting}",
                    category=Category.LIGHT,
                    deadline=deadline,
                    operation="update_meeting",
                    params={"occurrence_id": occurrence_id} if occurrence_id else None,
                    json=body,
                    resource_id=str(meeting_id),
                    raw_errors=(HostDailyLimitReached,),
                )
                break
            except HostDailyLimitReached:
                await self._host_exhausted(tenant, host)
                raise self._quota.exhausted(host, self._quota.now()) from None
            except InvalidArgument as err:
                refusal = _refusal(err)
                if hosts is None or refusal is None or not hosts.drop_refused(refusal):
                    raise
                await self._charge(tenant, host)  # the next attempt is a write of its own
        meeting = await self.get(
            actor=actor, meeting_id=meeting_id, deadline=deadline, occurrence_id=occurrence_id
        )
        skipped: tuple[SkippedHost, ...] = ()
        if hosts is not None:
            kept = _kept_hosts(meeting)
            if kept is not None:
                hosts.missing_from(kept)
            skipped = tuple(hosts.skipped)
        dropped = await self._rooms_dropped(actor, requested, meeting, deadline)
        return MeetingAnswer(meeting, dropped, skipped)

    async def _rooms_dropped(
        self,
        actor: Actor,
        requested: Mapping[str, Any],
        meeting: Mapping[str, Any],
        deadline: Deadline,
    ) -> bool:
        """Whether Zoom dropped the breakout rooms ``requested`` asked for. Zoom does so with a
        2xx when the account does not let hosts pre-assign rooms; when its answer says nothing
        about breakout rooms the meeting is read once more. Never fails the call it follows: a
        read that fails leaves the answer "not dropped" (it cannot be told)."""
        wanted = rooms_requested(requested)
        if not wanted:
            return False
        kept = rooms_kept(meeting)
        if kept is None and meeting.get("id"):
            try:
                meeting = await self.get(
                    actor=actor, meeting_id=int(meeting["id"]), deadline=deadline
                )
            except ClassbridgeError:
                log.info("could not read a meeting back to check its breakout rooms")
                return False
            kept = rooms_kept(meeting)
        if kept is not False:
            return False
        # no names, emails or room names: the teacher is told through the caller
        log.warning(
            "Zoom dropped the pre-assigned breakout rooms (the account does not let hosts "
            "pre-assign rooms when scheduling)",
            extra={
                "meeting_id": meeting.get("id"),
                "rooms_requested": wanted,
                "tenant": actor.tenant.id,
            },
        )
        return True

    async def delete(
        self,
        *,
        actor: Actor,
        meeting_id: int,
        deadline: Deadline,
        occurrence_id: str = "",
        notify_hosts: bool = False,
        notify_scheduler: bool = False,
    ) -> bool:
        """Delete; True when Zoom no longer had it (``already_deleted``)."""
        params: dict[str, Any] = {}
        if occurrence_id:
            params["occurrence_id"] = occurrence_id
        if notify_hosts:
            params["cancel_meeting_reminder"] = "true"
        if notify_scheduler:
            params["schedule_for_reminder"] = "true"
        try:
            await zoom_call(
                self._zoom,
                actor,
                "DELETE",
                f"/meetings/{encode_meeting_ref(meeting_id)}",
                template="/meetings/{meeting}",
                category=Category.LIGHT,
                deadline=deadline,
                operation="delete_meeting",
                params=params or None,
                resource_id=str(meeting_id),
                raw_errors=(ZoomApiError,),
            )
        except ZoomApiError as err:
            if err.code == 3001 or (err.status == 404 and err.code in (None, 300)):
                return True
            raise to_classbridge_error(err) from None
        return False

    async def list(
        self,
        *,
        actor: Actor,
        host: str,
        list_type: str,
        page_size: int,
        page_token: str,
        date_from: str,
        date_to: str,
        all_pages: bool,
        deadline: Deadline,
    ) -> tuple[list[dict[str, Any]], str, int]:
        host = host or actor.default_host
        base: dict[str, Any] = {"type": list_type, "page_size": page_size}
        if date_from:
            base["from"] = date_from
        if date_to:
            base["to"] = date_to
        bound_to = {
            "list": "zoomgateway.ListMeetings",
            "tenant": actor.tenant.id,
            "host": host,
            "type": list_type,
            "from": date_from,
            "to": date_to,
        }
        items, zoom_token, total = await collect_pages(
            lambda token: zoom_call(
                self._zoom,
                actor,
                "GET",
                f"/users/{encode_path_segment(host)}/meetings",
                template="/users/{user}/meetings",
                category=Category.MEDIUM,
                deadline=deadline,
                operation="list_meetings",
                params={**base, **({"next_page_token": token} if token else {})},
            ),
            key="meetings",
            first_token=zoom_token_of(page_token, bound_to),
            all_pages=all_pages,
            deadline=deadline,
        )
        return items, page_token_for(zoom_token, bound_to), total
