"""The one wiring point: `Simulator` owns the state and every part, and `Simulator.app` is the
ASGI application serving OAuth, /v2, downloads, the CDN and the /_sim control API on one port
(with the `separate_cdn` fidelity switch, the CDN answers on its own host name and port only).

In-process use::

    sim = Simulator(SimConfig(public_base_url="http://zoom.test"))
    async with sim:                      # starts webhook delivery and timers
        async with httpx.AsyncClient(transport=httpx.ASGITransport(sim.app),
                                     base_url="http://zoom.test") as http: ...
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zoomsim import ratelimit, scopes
from zoomsim.breakout_rooms import BreakoutRooms
from zoomsim.concurrency import HostWriteSlots
from zoomsim.config import SimConfig
from zoomsim.control import control_routes
from zoomsim.downloads import CDN_ENTRY, Downloads
from zoomsim.faults import Fault, Faults
from zoomsim.lifecycle import Lifecycle
from zoomsim.meetings import MeetingsApi
from zoomsim.oauth import OAuth
from zoomsim.ratelimit import RateLimiter
from zoomsim.recording_events import CloudRecorder
from zoomsim.recordings import RecordingsApi
from zoomsim.registrants import RegistrantsApi
from zoomsim.registration import Registrations
from zoomsim.roles import Roles
from zoomsim.routing import RawRouter, ZoomError, json_response, validation_error
from zoomsim.sharing import Sharing
from zoomsim.state import Account, State
from zoomsim.summaries import Summaries
from zoomsim.waiting_room import WaitingRoom
from zoomsim.webhooks import WebhookSender

PAGE_TOKEN_INVALID = "The next page token is invalid or expired."  # noqa: S105
# writes Zoom serialises per host (`concurrent_write_limit`)
WRITE_ROUTES = frozenset(
    {
        "meetings.create",
        "meetings.update",
        "meetings.delete",
        "meetings.status",
        "recordings.delete",
        "recordings.delete_file",
        "recordings.recover",
        "recordings.recover_file",
    }
)


class Api:
    """The /v2 dispatcher: raw-path routing, bearer auth, rate limits, Zoom error bodies."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.limiter = RateLimiter(sim.config)
        self.slots = HostWriteSlots()
        self.router = RawRouter(sim.config.strict_uuid_encoding)
        self.meetings = MeetingsApi(self)
        self.recordings = RecordingsApi(self)
        self.registrants = RegistrantsApi(self)
        m, r, add = self.meetings, self.recordings, self.router.add
        add("GET", "v2/users/{user_id}", "users.get", m.get_user)
        add("POST", "v2/users/{user_id}/meetings", "meetings.create", m.create)
        add("GET", "v2/users/{user_id}/meetings", "meetings.list", m.list)
        add("GET", "v2/users/{user_id}/recordings", "users.recordings", r.list_user)
        add("GET", "v2/meetings/{meeting_id}", "meetings.get", m.get)
        add("PATCH", "v2/meetings/{meeting_id}", "meetings.update", m.update)
        add("DELETE", "v2/meetings/{meeting_id}", "meetings.delete", m.delete)
        add("PUT", "v2/meetings/{meeting_id}/status", "meetings.status", m.status)
        add("GET", "v2/meetings/{meeting_id}/recordings", "recordings.get", r.get)
        add("DELETE", "v2/meetings/{meeting_id}/recordings", "recordings.delete", r.delete)
        add("PUT", "v2/meetings/{meeting_id}/recordings/status", "recordings.recover", r.recover)
        add(
            "DELETE",
            "v2/meetings/{meeting_id}/recordings/{recording_id}",
            "recordings.delete_file",
            r.delete_file,
        )
        add(
            "PUT",
            "v2/meetings/{meeting_id}/recordings/{recording_id}/status",
            "recordings.recover_file",
            r.recover,
        )
        add("GET", "v2/past_meetings/{meeting_id}", "past_meetings.get", m.past_meeting)
        add(
            "GET",
            "v2/past_meetings/{meeting_id}/instances",
            "past_meetings.instances",
            m.past_instances,
        )
        add(
            "GET",
            "v2/past_meetings/{meeting_id}/participants",
            "past_meetings.participants",
            m.past_participants,
        )
        add(
            "GET",
            "v2/report/meetings/{meeting_id}/participants",
            "report.participants",
            m.report_participants,
        )
        add("GET", "v2/report/meetings/{meeting_id}", "report.meeting", m.report_meeting)
        g = self.registrants
        add("POST", "v2/meetings/{meeting_id}/registrants", "registrants.add", g.add)
        add("GET", "v2/meetings/{meeting_id}/registrants", "registrants.list", g.list)
        add("POST", "v2/meetings/{meeting_id}/batch_registrants", "registrants.batch", g.batch)
        add("PUT", "v2/meetings/{meeting_id}/registrants/status", "registrants.status", g.status)
        add(
            "GET",
            "v2/meetings/{meeting_id}/registrants/{registrant_id}",
            "registrants.get",
            g.get,
        )
        add(
            "DELETE",
            "v2/meetings/{meeting_id}/registrants/{registrant_id}",
            "registrants.delete",
            g.delete,
        )
        add(
            "GET",
            "v2/meetings/{meeting_id}/meeting_summary",
            "meetings.summary",
            sim.summaries.get,
            gate="meeting_summary",
        )

    def base(self, request: Request) -> str:
        """Base of generated URLs: configured, else where this request was addressed (read
        from the scope: building `request.url` costs more than the rest of a GET)."""
        if self.sim.config.public_base_url:
            return self.sim.config.public_base_url.rstrip("/")
        host = request.headers.get("host")
        if not host:
            server = request.scope.get("server") or ("127.0.0.1", self.sim.config.port)
            host = f"{server[0]}:{server[1]}"
        return f"{request.scope.get('scheme', 'http')}://{host}"

    async def json_body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZoomError(400, 300, "Request Body should be a valid JSON object.")
        return body

    def paginate(
        self,
        request: Request,
        key: str,
        items: list[dict[str, Any]],
        name: str,
        *,
        legacy: bool = True,
    ) -> dict[str, Any]:
        """Zoom's envelope: `page_size` (<=300), `next_page_token` (15 min), `total_records`."""
        q = request.query_params
        try:
            size = int(q.get("page_size", "30"))
        except ValueError:
            raise validation_error("page_size") from None
        size = max(1, min(size, 300))
        state = self.sim.state
        offset = 0
        token = q.get("next_page_token", "")
        if token:
            got = state.take_page_token(key, token)
            if got is None:
                raise ZoomError(400, 300, PAGE_TOKEN_INVALID)
            offset = got
        elif legacy and q.get("page_number", "").isdigit():
            offset = (max(1, int(q["page_number"])) - 1) * size
        page = items[offset : offset + size]
        nxt = state.new_page_token(key, offset + size) if offset + size < len(items) else ""
        out: dict[str, Any] = {}
        if legacy:
            out["page_count"] = max(1, -(-len(items) // size))
            out["page_number"] = offset // size + 1
        out.update(
            {"page_size": size, "total_records": len(items), "next_page_token": nxt, name: page}
        )
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw_path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        route, params, known = self.router.match(scope["method"], raw_path)
        cfg = self.sim.config
        if route is not None and route.gate and not getattr(cfg.fidelity, route.gate):
            route, params, known = None, {}, False  # an endpoint of a behaviour switched off
        extra: dict[str, str] = {}
        try:
            if route is None:
                if known:
                    raise ZoomError(405, 405, "Method not allowed.")
                raise ZoomError(404, 404, "Not Found")
            tok = self.sim.oauth.authenticate(request)
            request.state.token = tok
            if cfg.enforce_scopes:  # before rate limits: Zoom refuses without counting
                scopes.check(
                    route.name,
                    tok.granted,
                    tok.scope,
                    code=cfg.scope_error_code,
                    status=401 if cfg.fidelity.scopes else 400,
                )
            plan = self.sim.state.accounts[tok.account_id].plan
            extra = self.limiter.check(tok.account_id, plan, route.name, self.sim.state.clock.now())
            host = self._write_host(tok, route.name, params)
            if host is None:
                response = await route.handler(request, params)
            else:
                async with self.slots.hold(host, cfg.fidelity.write_hold_seconds):
                    response = await route.handler(request, params)
            # handlers never set x-ratelimit-*: append instead of MutableHeaders' scan+replace
            response.raw_headers.extend((k.encode(), v.encode()) for k, v in extra.items())
        except ZoomError as exc:
            response = exc.response()
            if route is not None and "X-RateLimit-Category" not in exc.headers:
                response.headers["x-ratelimit-category"] = self.limiter.category(route.name)
            # the error's own rate-limit headers win (`host_limit_headers`); before, the
            # endpoint's category replaced the per-user 429's Light
            own = {k.lower() for k in exc.headers} if cfg.fidelity.host_limit_headers else set()
            for k, v in extra.items():
                if k.lower() not in own:
                    response.headers[k] = v
        await response(scope, receive, send)

    def _write_host(self, tok: Any, route: str, params: dict[str, str]) -> str | None:
        """The host whose write this is, when Zoom's one-write-at-a-time limit applies."""
        if route not in WRITE_ROUTES or not self.sim.config.fidelity.concurrent_write_limit:
            return None
        st = self.sim.state
        if "user_id" in params:
            user = st.find_user(tok.account_id, params["user_id"], tok.user_id)
            return user.id if user is not None else None
        key = params.get("meeting_id", "")
        if key.isdigit():
            meeting = st.meetings.get(int(key))
        else:
            inst = st.instances.get(key)
            meeting = st.meetings.get(inst.meeting_id) if inst is not None else None
        if meeting is None or meeting.account_id != tok.account_id:
            return None
        return meeting.host_id


class Gate:
    """Outer pure-ASGI layer for everything but /_sim: faults, `x-zm-trackingid`, the request
    log. `/v2` goes straight to `Api` (it routes on the raw path itself), skipping Starlette's
    router and its exception middlewares, which cost more than the handler on a simple GET."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cdn = self.sim.cdn_side(scope)  # None: one host serves everything
        if path.startswith("/_sim") and not cdn:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        tracking = tracking_id()
        tracking_header = (b"x-zm-trackingid", tracking.encode())
        raw_path = scope.get("raw_path")
        entry: dict[str, Any] = {
            "at": self.sim.state.clock.now(),
            "method": method,
            "path": raw_path.decode("latin-1") if raw_path else path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": None,
            "tracking_id": tracking,
            "authorization": any(k == b"authorization" and v for k, v in scope["headers"]),
        }
        self.sim.requests.append(entry)
        on_cdn = path.startswith("/cdn/")
        counting = on_cdn or bool(cdn)
        if counting:
            entry["host"] = _host_header(scope)
            entry.update(
                {
                    "range": _header(scope, b"range"),  # as asked (None: no Range header)
                    "file_id": None,  # set by the CDN once it knows the file
                    "start": None,  # the byte span the answer covers, end exclusive
                    "end": None,
                    "bytes_sent": 0,  # body bytes handed to the connection so far
                    "complete": False,  # the whole body was sent
                }
            )
            scope = {**scope, CDN_ENTRY: entry}
            self.sim.cdn_requests.append(entry)
        gone = False  # the client disconnected: the server drops what is sent from then on

        upstream = receive

        async def receive_wrapper() -> Message:
            nonlocal gone
            message = await upstream()
            if message["type"] == "http.disconnect":
                gone = True
            return message

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), tracking_header]}
            await send(message)
            if counting and message["type"] == "http.response.body" and not gone:
                entry["bytes_sent"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    entry["complete"] = True

        if counting:
            receive = receive_wrapper

        if self.sim.faults.pending:
            for fault in self.sim.faults.take_request(method, path):
                if fault.kind == "delay":
                    await asyncio.sleep(fault.seconds)
                    continue
                await fault_response(fault, self.sim.state.clock.now())(
                    scope, receive, send_wrapper
                )
                return
        self.sim.state.purge_trash()  # one comparison unless a trashed file is due
        if cdn is not None and on_cdn != cdn:  # a file asked of the API host, or the reverse
            await Response("Not Found", 404)(scope, receive, send_wrapper)
            return
        target = self.sim.api if path.startswith("/v2/") else self.app
        await target(scope, receive, send_wrapper)


def _host_header(scope: Scope) -> str:
    return _header(scope, b"host") or ""


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), None when the request has none."""
    for k, v in scope["headers"]:
        if k == name:
            return str(v.decode("latin-1"))
    return None


def tracking_id() -> str:
    """Zoom-shaped `x-zm-trackingid` (8 hex, dash, 16 hex) from one urandom call."""
    h = os.urandom(12).hex()
    return f"{h[:8]}-{h[8:]}"


def fault_response(fault: Fault, now: float) -> Response:
    """What an `error` or `rate_limit` fault answers instead of the real handler."""
    if fault.kind == "error":
        return json_response({"code": fault.status, "message": "Internal Error"}, fault.status)
    headers = {
        "X-RateLimit-Category": fault.category,
        "X-RateLimit-Type": fault.limit_type,
        "X-RateLimit-Limit": "80",
        "X-RateLimit-Remaining": "0",
    }
    msg = ratelimit.QPS_MESSAGE
    if fault.limit_type == "Daily-limit":
        msg = ratelimit.DAILY_MESSAGE
        headers["X-RateLimit-Limit"] = "60000"
        headers["Retry-After"] = ratelimit.next_midnight(now)
    return ZoomError(429, 429, msg, headers=headers).response()


class Simulator:
    """The Zoom simulator: state, OAuth, REST, downloads, webhooks, faults, control API."""

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or SimConfig()
        self.state = State(self.config)
        self.faults = Faults()
        self.requests: deque[dict[str, Any]] = deque(maxlen=10000)
        # every request for a /cdn/ file or to the CDN host, with `authorization`: whether an
        # Authorization header came along (a client must not forward its bearer token), the
        # `range` asked for, the `file_id` and span (`start`, `end`) answered, and `bytes_sent`
        # (updated as the body streams) and `complete` (see downloads.py)
        self.cdn_requests: deque[dict[str, Any]] = deque(maxlen=10000)
        self.oauth = OAuth(self)
        self.webhooks = WebhookSender(self, webhook_transport)
        self.recorder = CloudRecorder(self)
        self.waiting_room = WaitingRoom(self)
        self.registrations = Registrations(self)
        self.breakout_rooms = BreakoutRooms(self)
        self.sharing = Sharing(self)
        self.roles = Roles(self)
        self.summaries = Summaries(self)
        self.lifecycle = Lifecycle(self)
        self.downloads = Downloads(self)
        self.api = Api(self)
        self.bound_base_url: str | None = None
        self.bound_cdn_url: str | None = None  # the CDN listener, when one runs
        self.cdn_port: int | None = None
        self.started_at = time.time()
        self._running = False
        self.app: ASGIApp = Gate(self._starlette(), self)

    def base_url(self) -> str:
        """Base of URLs generated outside a request (webhook payloads, CDN redirects)."""
        if self.config.public_base_url:
            return self.config.public_base_url.rstrip("/")
        return self.bound_base_url or self.config.base_url()

    def cdn_base(self) -> str:
        """Base of signed file URLs: `cdn_base_url`, else (`separate_cdn`) the CDN listener or
        the CDN host name on the API's port, else the API's own base."""
        if self.config.cdn_base_url:
            return self.config.cdn_base_url.rstrip("/")
        if not self.config.fidelity.separate_cdn:
            return self.base_url()
        if self.bound_cdn_url:
            return self.bound_cdn_url
        api = urlsplit(self.base_url())
        port = f":{api.port}" if api.port else ""
        return f"{api.scheme}://{self.config.fidelity.cdn_host}{port}"

    def cdn_side(self, scope: Scope) -> bool | None:
        """With `separate_cdn`: True for a request to the CDN (its listener's port, or its host
        name when no listener runs), False for one to the API; None when one host is both."""
        if not self.config.fidelity.separate_cdn:
            return None
        if self.cdn_port is not None:
            server = scope.get("server")
            return server is not None and server[1] == self.cdn_port
        cdn_host = urlsplit(self.cdn_base()).hostname or ""
        return _host_header(scope).rsplit(":", 1)[0].strip("[]").lower() == cdn_host.lower()

    def _starlette(self) -> Starlette:
        async def root(request: Request) -> Response:
            return json_response({"service": "zoomsim", "status": "ok"})

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with self:
                yield

        routes = [
            Route("/", root),
            Route("/oauth/token", self.oauth.token, methods=["POST"]),
            Route("/oauth/authorize", self.oauth.authorize, methods=["GET"]),
            Route("/oauth/revoke", self.oauth.revoke, methods=["POST"]),
            Route("/rec/download/{token}", self.downloads.download, methods=["GET", "HEAD"]),
            Route("/rec/play/{token}", self.downloads.play, methods=["GET"]),
            Route("/rec/share/{token}", self.downloads.play, methods=["GET"]),
            Mount("/cdn", app=self.downloads.cdn),
            Mount("/v2", app=self.api),
            Mount("/_sim", routes=control_routes(self)),
        ]
        return Starlette(routes=routes, lifespan=lifespan)

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        await self.webhooks.start()

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        await self.lifecycle.stop()
        await self.webhooks.stop()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def credentials(self) -> list[dict[str, Any]]:
        """What a client needs to connect: per account, its apps, users and webhook targets."""
        return [self.account_json(acc) for acc in self.state.accounts.values()]

    def account_json(self, acc: Account) -> dict[str, Any]:
        """One account as `/_sim/credentials` and `/_sim/accounts` show it."""
        return {
            "account_id": acc.id,
            "account_name": acc.name,
            "plan": acc.plan,
            "users": [{"id": u.id, "email": u.email} for u in acc.users],
            "apps": [
                {
                    "kind": a.kind,
                    "client_id": a.client_id,
                    "client_secret": a.client_secret,
                    "user_id": a.user_id,
                    "scopes": a.scopes,
                    "enabled": a.enabled,
                }
                for a in acc.apps
            ],
            "webhooks": [dataclasses.asdict(t) for t in acc.webhooks],
            "settings": dict(acc.settings),
        }


def create_app(config: SimConfig | None = None) -> ASGIApp:
    """An ASGI app for `uvicorn zoomsim.app:create_app --factory` (config from env)."""
    return Simulator(config or SimConfig.from_env()).app
