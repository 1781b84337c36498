"""`SimClient`: an async client of the /_sim control API, for tests and the CLI.

    async with SimClient("http://127.0.0.1:9090") as sim:
        m = await sim.create_meeting(topic="Algebra 1")
        await sim.start(m["id"])
        p = await sim.join(m["id"], "Ana Lima")            # a guest: empty email
        await sim.leave(m["id"], p["user_id"])
        await sim.end(m["id"], recording={"files": [{"file_type": "MP4", "size": 10_000_000}],
                                          "delay": 2})

Pass `transport=httpx.ASGITransport(simulator.app)` to talk to an in-process simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from zoomsim.class_plan import ClassPlan, PlayedClass


class SimError(Exception):
    """A control call failed; `status` and `body` say why."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


class SimClient:
    """Thin, typed wrapper over /_sim; every method returns the decoded JSON answer."""

    def __init__(
        self,
        base_url: str,
        *,
        admin_token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        headers = {"x-sim-admin-token": admin_token} if admin_token else {}
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/_sim",
            headers=headers,
            transport=transport,
            timeout=timeout,
        )

    async def __aenter__(self) -> SimClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> object:
        """The decoded JSON answer (None when empty); SimError on a 4xx/5xx."""
        resp = await self.http.request(method, path, json=body, params=params)
        data: object = resp.json() if resp.content else None
        if resp.status_code >= 400:
            raise SimError(resp.status_code, data)
        return data

    async def _object(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """`_call` for an answer that is a JSON object."""
        data = await self._call(method, path, body, params)
        if not isinstance(data, dict):
            raise TypeError(f"{method} {path}: expected a JSON object, got {data!r}")
        return data

    async def _items(
        self,
        method: str,
        path: str,
        key: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """The list under `key` of a JSON object answer (`{"meetings": [...]}`)."""
        items = (await self._object(method, path, body, params))[key]
        if not isinstance(items, list):
            raise TypeError(f"{method} {path}: expected a list under {key!r}, got {items!r}")
        return items

    # state
    async def health(self) -> dict[str, Any]:
        return await self._object("GET", "/health")

    async def credentials(self) -> dict[str, Any]:
        return await self._object("GET", "/credentials")

    async def create_meeting(self, **fields: Any) -> dict[str, Any]:
        """Create a meeting without the REST API (no rate limit); `user` = email or id."""
        return await self._object("POST", "/meetings", fields)

    async def meeting(self, meeting_id: int | str) -> dict[str, Any]:
        return await self._object("GET", f"/meetings/{meeting_id}")

    async def meetings(self, account_id: str | None = None) -> list[dict[str, Any]]:
        params = {"account_id": account_id} if account_id else None
        return await self._items("GET", "/meetings", "meetings", params=params)

    # accounts (tenants): each with its users, apps, webhook targets and secret
    async def add_account(
        self,
        name: str,
        *,
        id: str | None = None,  # the field's name in the API
        plan: str | None = None,
        users: list[dict[str, Any]] | None = None,
        s2s: dict[str, Any] | None = None,
        oauth: dict[str, Any] | None = None,
        webhook: dict[str, Any] | None = None,
        webhooks: list[dict[str, Any]] | None = None,
        validate: bool | None = None,
    ) -> dict[str, Any]:
        """Add an account; answers it as `/credentials` lists one (ids, secrets, scopes).

        `users`: [{"email", "first_name"?, ...}] (first = owner; emails unique across
        accounts). `s2s`: {"client_id"?, "client_secret"?, "scopes"?} (always seeded; omitted
        fields are derived). `oauth`: the same plus "redirect_uris" (only when given).
        `webhook`: {"url", "secret", "events"?} or `webhooks`: a list of them."""
        body: dict[str, Any] = _opt(
            name=name,
            id=id,
            plan=plan,
            users=users,
            s2s=s2s,
            oauth=oauth,
            webhook=webhook,
            webhooks=webhooks,
        )  # an empty `oauth` ({}) is kept: an app with derived credentials
        if validate is not None:
            body["validate"] = validate
        return await self._object("POST", "/accounts", body)

    async def accounts(self) -> list[dict[str, Any]]:
        return await self._items("GET", "/accounts", "accounts")

    async def account(self, account_id: str) -> dict[str, Any]:
        return await self._object("GET", f"/accounts/{account_id}")

    async def set_account_webhooks(
        self, account_id: str, targets: list[dict[str, Any]], *, validate: bool | None = None
    ) -> dict[str, Any]:
        """Replace one account's targets: [{"url", "secret", "events"?, "client_id"?}]."""
        body: dict[str, Any] = {"targets": targets}
        if validate is not None:
            body["validate"] = validate
        return await self._object("PUT", f"/accounts/{account_id}/webhooks", body)

    async def account_webhooks(self, account_id: str) -> dict[str, Any]:
        return await self._object("GET", f"/accounts/{account_id}/webhooks")

    async def rotate_client_secret(
        self,
        account_id: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        revoke_tokens: bool = False,
    ) -> dict[str, Any]:
        """Regenerate an app's client secret (or set `client_secret`); the old one is refused
        at /oauth/token from now on. `revoke_tokens` also ends the app's issued tokens."""
        return await self._object(
            "POST",
            f"/accounts/{account_id}/apps/{client_id}/rotate",
            _opt(client_secret=client_secret, revoke_tokens=revoke_tokens),
        )

    async def update_app(
        self,
        account_id: str,
        client_id: str,
        *,
        scopes: str | None = None,
        enabled: bool | None = None,
    ) -> dict[str, Any]:
        """Change the scopes an app grants (to tokens issued afterwards) or disable it."""
        body: dict[str, Any] = {}
        if scopes is not None:
            body["scopes"] = scopes
        if enabled is not None:
            body["enabled"] = enabled
        return await self._object("PATCH", f"/accounts/{account_id}/apps/{client_id}", body)

    async def deauthorize(
        self, account_id: str, client_id: str, user_id: str | None = None
    ) -> dict[str, Any]:
        """A user removes the app: their tokens stop working; with `app_deauthorized_event`
        the account is sent app_deauthorized. Answers its payload and `revoked_tokens`."""
        return await self._object(
            "POST", f"/accounts/{account_id}/apps/{client_id}/deauthorize", _opt(user_id=user_id)
        )

    async def set_account_settings(self, account_id: str, **settings: Any) -> dict[str, Any]:
        """Change account settings, e.g. `breakout_room_schedule=True`."""
        return await self._object("PATCH", f"/accounts/{account_id}/settings", settings)

    async def add_app(self, account_id: str, kind: str = "oauth", **fields: Any) -> dict[str, Any]:
        """Add an app (`kind` s2s|oauth; `client_id`, `client_secret`, `scopes`,
        `redirect_uris`, `user_email` optional) to an existing account."""
        return await self._object("POST", f"/accounts/{account_id}/apps", {"kind": kind, **fields})

    # a meeting's life; `at` is an ISO time or epoch seconds (default: now)
    async def start(self, meeting_id: int | str, at: str | float | None = None) -> dict[str, Any]:
        return await self._object("POST", f"/meetings/{meeting_id}/start", _opt(at=at))

    async def join(
        self,
        meeting_id: int | str,
        name: str = "",
        email: str = "",
        *,
        internal: bool = False,
        at: str | float | None = None,
        wait: bool = False,
        registrant_id: str | None = None,
        join_url: str | None = None,
        participant_pin_code: int | str | None = None,
        customer_key: str | None = None,
        device: str | None = None,
        phone_number: str | None = None,
        role: str | None = None,
        host: bool = False,
        breakout_room: str | None = None,
    ) -> dict[str, Any]:
        """`wait`: stay in the waiting room (meetings with one) until `admit`. A registrant
        joins by `registrant_id`, `join_url` (their link) or `participant_pin_code` (dial-in),
        under their registered name and email unless others are given; `device="phone"`
        dials in; `host=True` is the meeting's host user (role host); `breakout_room` goes on
        into that room at once. Answers the participant with `user_id`, `registrant_id`,
        `role`, ..."""
        body = _opt(
            name=name or None,
            email=email,
            internal=internal,
            at=at,
            wait=wait,
            registrant_id=registrant_id,
            join_url=join_url,
            participant_pin_code=participant_pin_code,
            customer_key=customer_key,
            device=device,
            phone_number=phone_number,
            role=role,
            host=host,
            breakout_room=breakout_room,
        )
        return await self._object("POST", f"/meetings/{meeting_id}/participants", body)

    # registrants, without the REST API's scopes and rate limits
    async def add_registrant(
        self,
        meeting_id: int | str,
        email: str,
        first_name: str = "",
        last_name: str = "",
        *,
        auto_approve: bool = False,
    ) -> dict[str, Any]:
        """Register `email` (the meeting must take registrations: approval_type 0 or 1);
        answers Zoom's registrant fields plus `registrant_id` and `join_url`. The same email
        again answers the same registrant."""
        body = _opt(
            email=email,
            first_name=first_name or None,
            last_name=last_name or None,
            auto_approve=auto_approve,
        )
        return await self._object("POST", f"/meetings/{meeting_id}/registrants", body)

    async def registrants(self, meeting_id: int | str) -> list[dict[str, Any]]:
        """Every registrant of the meeting, whatever their status, oldest first."""
        return await self._items("GET", f"/meetings/{meeting_id}/registrants", "registrants")

    # what happens inside a live meeting; each answers the participant's (current) row
    async def change_role(
        self, meeting_id: int | str, user_id: str, role: str, *, at: str | float | None = None
    ) -> dict[str, Any]:
        """`role`: host | co-host | attendee (meeting.participant_role_changed)."""
        return await self._object(
            "POST", f"/meetings/{meeting_id}/participants/{user_id}/role", _opt(role=role, at=at)
        )

    async def start_sharing(
        self,
        meeting_id: int | str,
        user_id: str,
        content: str = "desktop",
        *,
        at: str | float | None = None,
        **details: str,
    ) -> dict[str, Any]:
        """meeting.sharing_started; `details`: source, link_source, file_link."""
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/participants/{user_id}/sharing/start",
            _opt(content=content, at=at, **details),
        )

    async def end_sharing(
        self, meeting_id: int | str, user_id: str, *, at: str | float | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST", f"/meetings/{meeting_id}/participants/{user_id}/sharing/end", _opt(at=at)
        )

    async def join_breakout_room(
        self, meeting_id: int | str, user_id: str, room: str, *, at: str | float | None = None
    ) -> dict[str, Any]:
        """Into breakout room `room` (a name); answers the new row (a new `user_id`)."""
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/participants/{user_id}/breakout_room",
            _opt(room=room, at=at),
        )

    async def leave_breakout_room(
        self, meeting_id: int | str, user_id: str, *, at: str | float | None = None
    ) -> dict[str, Any]:
        """Back to the main meeting; answers the new row."""
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/participants/{user_id}/breakout_room/leave",
            _opt(at=at),
        )

    async def close_breakout_rooms(
        self, meeting_id: int | str, *, at: str | float | None = None
    ) -> list[dict[str, Any]]:
        return await self._items(
            "POST", f"/meetings/{meeting_id}/breakout_rooms/close", "participants", _opt(at=at)
        )

    async def play_class(self, plan: ClassPlan, meeting_id: int | str | None = None) -> PlayedClass:
        """Play a whole class from `plan` (zoomsim.class_plan); answers what was played."""
        from zoomsim.class_plan import play

        return await play(self, plan, meeting_id)

    async def admit(
        self, meeting_id: int | str, user_id: str, *, at: str | float | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST", f"/meetings/{meeting_id}/participants/{user_id}/admit", _opt(at=at)
        )

    async def leave(
        self,
        meeting_id: int | str,
        user_id: str,
        *,
        at: str | float | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/participants/{user_id}/leave",
            _opt(at=at, reason=reason),
        )

    async def end(
        self,
        meeting_id: int | str,
        *,
        at: str | float | None = None,
        recording: dict[str, Any] | None = None,
        no_recording: bool = False,
        summary: bool = False,
    ) -> dict[str, Any]:
        """End the meeting. `recording` = {"files": [{"file_type","size"}], "delay",
        "transcript_delay"}; without it the meeting's auto_recording setting decides.
        `summary`: summarise it (`meeting_summary`) whatever its settings say."""
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/end",
            _opt(at=at, recording=recording, no_recording=no_recording, summary=summary),
        )

    async def recording_action(self, meeting_id: int | str, action: str) -> dict[str, Any]:
        """The host's cloud-recording buttons in a live meeting: start|pause|resume|stop."""
        return await self._object("POST", f"/meetings/{meeting_id}/recording/{action}")

    async def record(
        self,
        meeting_id: int | str,
        files: list[dict[str, Any]] | None = None,
        *,
        delay: float | None = None,
        transcript_delay: float | None = None,
        uuid: str | None = None,
    ) -> dict[str, Any]:
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/recording",
            _opt(files=files, delay=delay, transcript_delay=transcript_delay, uuid=uuid),
        )

    async def recording_ready(
        self, meeting_id: int | str, *, transcript: bool = False, uuid: str | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST",
            f"/meetings/{meeting_id}/recording/ready",
            _opt(transcript=transcript, uuid=uuid),
        )

    async def trash_recording(
        self, meeting_id: int | str, file_id: str | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST", f"/meetings/{meeting_id}/recording/trash", _opt(file_id=file_id)
        )

    async def delete_recording(
        self, meeting_id: int | str, file_id: str | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST", f"/meetings/{meeting_id}/recording/delete", _opt(file_id=file_id)
        )

    async def recover_recording(
        self, meeting_id: int | str, file_id: str | None = None
    ) -> dict[str, Any]:
        return await self._object(
            "POST", f"/meetings/{meeting_id}/recording/recover", _opt(file_id=file_id)
        )

    # webhooks
    async def set_webhooks(
        self, targets: list[dict[str, Any]], *, validate: bool | None = None
    ) -> dict[str, Any]:
        """targets: [{"url", "secret", "events"?: [...], "client_id"?}]"""
        body: dict[str, Any] = {"targets": targets}
        if validate is not None:  # not through _opt, which would drop an explicit False
            body["validate"] = validate
        return await self._object("PUT", "/webhooks", body)

    async def webhooks(self) -> dict[str, Any]:
        return await self._object("GET", "/webhooks")

    async def validate_webhooks(self, account_id: str | None = None) -> list[dict[str, Any]]:
        path = f"/accounts/{account_id}/webhooks/validate" if account_id else "/webhooks/validate"
        return await self._items("POST", path, "results")

    async def release_held(self) -> None:
        await self._call("POST", "/webhooks/release")

    async def drain(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until queued webhooks were attempted (scheduled retries may still wait)."""
        await self._call("POST", "/webhooks/drain", {"timeout": timeout})

    async def deliveries(
        self, event: str | None = None, state: str | None = None, account_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {
            k: v for k, v in (("event", event), ("state", state), ("account_id", account_id)) if v
        }
        return await self._items("GET", "/deliveries", "deliveries", params=params)

    # faults, tokens, clock, config
    async def fault(self, kind: str, **spec: Any) -> dict[str, Any]:
        """Add a fault (see zoomsim.faults): e.g. fault("error", status=503, count=3,
        path="/v2/meetings")."""
        return await self._object("POST", "/faults", {"kind": kind, **spec})

    async def faults(self) -> list[dict[str, Any]]:
        return await self._items("GET", "/faults", "faults")

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")

    async def requests(self) -> list[dict[str, Any]]:
        return await self._items("GET", "/requests", "requests")

    async def clear_requests(self) -> None:
        await self._call("DELETE", "/requests")

    async def expire_tokens(self, token: str | None = None, account_id: str | None = None) -> int:
        body = _opt(token=token, account_id=account_id)
        expired = (await self._object("POST", "/tokens/expire", body))["expired"]
        if not isinstance(expired, int):
            raise TypeError(f"POST /tokens/expire: expected a count, got {expired!r}")
        return expired

    async def advance_clock(self, seconds: float) -> dict[str, Any]:
        return await self._object("POST", "/clock/advance", {"seconds": seconds})

    async def configure(self, **settings: Any) -> dict[str, Any]:
        return await self._object("PATCH", "/config", settings)

    async def fidelity(self) -> dict[str, Any]:
        """The fidelity switches and their parameters (zoomsim.fidelity)."""
        return await self._object("GET", "/fidelity")

    async def set_fidelity(self, **switches: Any) -> dict[str, Any]:
        """e.g. set_fidelity(scopes=True), set_fidelity(all=True)."""
        return await self._object("PATCH", "/fidelity", switches)

    async def cdn_requests(self) -> list[dict[str, Any]]:
        """Requests the CDN received, each with `authorization` (whether a header came),
        `range` (the Range header, None without one), `file_id`, `start`/`end` (the span
        answered, end exclusive), `bytes_sent` (body bytes sent so far, counted as they stream)
        and `complete` (the whole body went out); see zoomsim.downloads."""
        return await self._items("GET", "/cdn/requests", "requests")

    async def cdn_bytes_served(self, file_id: str | None = None) -> int:
        """File bytes the CDN sent (200 and 206 answers' `bytes_sent`), of one file or of all.
        A download cut off mid-body counts what was handed to the connection: the client read
        that much less what the sockets still buffered (a few MiB at most on loopback)."""
        return sum(
            int(r.get("bytes_sent") or 0)
            for r in await self.cdn_requests()
            if r.get("status") in (200, 206)
            and r.get("file_id") is not None
            and (file_id is None or r["file_id"] == file_id)
        )

    async def cdn_base_url(self) -> str:
        """Where signed file URLs point (another host with `separate_cdn`)."""
        return str((await self._object("GET", "/cdn/requests"))["cdn_base_url"])

    async def reset_rate_limits(self) -> None:
        await self._call("POST", "/ratelimits/reset")


def _opt(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None and v is not False}
