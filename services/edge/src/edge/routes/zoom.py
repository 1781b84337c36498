"""Seeds 002/003/004's Zoom routes: Zoom status, the signed-in user's own Zoom connection and
cloud recordings (zoom-gateway), and copying one meeting's recording into Classbridge
(recording-sync). The user is always the caller: nobody connects or disconnects someone else.

Seed 003 names the OAuth steps ``/auth/zoom/authorize``, ``/auth/zoom/token`` and
``/auth/zoom/status``; the first two are second declarations of ``/api/zoom/auth-url`` and
``POST /api/zoom/auth``. ``GET /api/zoom/auth`` is where Zoom sends the browser back: it
completes the connection from ``state`` alone (see :mod:`edge.oauth_flow`) and redirects to the
configured front end.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.auth import caller_scope
from classbridge_common.errors import (
    ClassbridgeError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import CalendarDate, Flag, Input, Integer, Text
from edge.oauth_flow import (
    SEPARATOR,
    BadTicket,
    Tickets,
    split_state,
    with_outcome,
    with_state,
)
from edge.render import no_store, ok, to_dict
from edge.routing import Answer, route
from edge.settings import Settings
from edge.views import Rendered, View

log = logging.getLogger(__name__)
DEFAULT_TICKET_SECONDS = 600


class StatusQuery(Input):
    validate_: Annotated[bool, Flag(description="ask Zoom whether the credentials work")] = Field(
        default=False, alias="validate"
    )


class Status(View):
    """Seed 004's shape."""

    configured: bool
    status: Annotated[dict[str, Any], Rendered(zoom_gateway_pb2.GetStatusResponse)]


class AuthUrlQuery(Input):
    redirect_uri: Annotated[str, Text(max_length=2048)] = ""


class Authorization(Input):
    code: Annotated[str, Text(max_length=2048, required=True)]
    state: Annotated[str, Text(max_length=2048, required=True)]


class DisconnectQuery(Input):
    revoke: Annotated[
        bool | None, Flag(description="also revoke the grant at Zoom (the gateway's default)")
    ] = None


class Disconnected(View):
    disconnected: bool
    revoked: bool


class Callback(Input):
    """What Zoom adds to the redirect URI: ``code`` and ``state``, or ``error`` when the user
    declined."""

    code: Annotated[str, Text(max_length=2048)] = ""
    state: Annotated[str, Text(max_length=4096)] = ""
    error: Annotated[str, Text(max_length=200)] = ""


class AuthStatus(View):
    """Seed 003's status: whether the caller has a Zoom connection, and the connection."""

    authenticated: bool
    connection: Annotated[dict[str, Any], Rendered(zoom_gateway_pb2.Connection)] | None


class UserRecordings(Input):
    """Seed 002's date range (inclusive UTC dates; any span) and paging."""

    from_: Annotated[Any, CalendarDate(description="first day; default: today")] = Field(
        default=None, alias="from"
    )
    to: Annotated[Any, CalendarDate(description="last day; default: today")] = None
    page_size: Annotated[int, Integer(minimum=1, maximum=300)] = 30
    page_token: Annotated[str, Text(max_length=2048)] = ""


class DownloadBody(Input):
    force: Annotated[bool, Flag(description="copy again even if already synced")] = False


async def status(request: Request, query: StatusQuery) -> JSONResponse:
    """Whether the caller's tenant has Zoom configured (``?validate=true``: and working).

    Seed 004's shape: ``{"configured": bool, "status": {...}}``.
    """
    who = deps.caller(request)
    account = zoom_gateway_pb2.Account(tenant_id=who.tenant or "")
    answer = await call(
        deps.clients(request).zoom_gateway.GetStatus,
        zoom_gateway_pb2.GetStatusRequest(account=account, validate=query.validate_),
    )
    return ok(Status(configured=answer.configured, status=to_dict(answer)).show())


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _tickets(request: Request) -> Tickets:
    return Tickets(_settings(request).user_token_secret)


async def auth_url(request: Request, query: AuthUrlQuery) -> JSONResponse:
    """Where to send the caller to connect their Zoom account.

    The ``state`` carries a ticket naming the caller, so that the browser's return to
    ``GET /api/zoom/auth`` completes the connection without a token.
    """
    who = deps.caller(request)
    answer = await call(
        deps.clients(request).zoom_gateway.GetAuthorizationUrl,
        zoom_gateway_pb2.GetAuthorizationUrlRequest(
            user_id=who.subject, tenant_id=who.tenant or "", redirect_uri=query.redirect_uri
        ),
    )
    expires = (
        answer.expire_time.seconds
        if answer.HasField("expire_time")
        else int(time.time()) + DEFAULT_TICKET_SECONDS
    )
    state = f"{answer.state}{SEPARATOR}{_tickets(request).issue(who, expires)}"
    answer.authorization_url = with_state(answer.authorization_url, state)
    answer.state = state
    return ok(to_dict(answer), headers=no_store())


async def complete_auth(request: Request, body: Authorization) -> JSONResponse:
    """Finish connecting: the ``code`` and ``state`` Zoom sent back."""
    gateway_state, _ = split_state(body.state)
    answer = await call(
        deps.clients(request).zoom_gateway.CompleteAuthorization,
        zoom_gateway_pb2.CompleteAuthorizationRequest(
            code=body.code, state=gateway_state, user_id=deps.caller(request).subject
        ),
    )
    return ok(to_dict(answer), message="Zoom account connected")


def _reason(error: ClassbridgeError) -> str:
    """The short reason a front end gets for a failed connection (never the error's text)."""
    if isinstance(error, InvalidArgument):
        return "invalid_state"
    if isinstance(error, PermissionDenied):
        return "state_mismatch"
    if isinstance(error, FailedPrecondition):
        return "code_rejected"
    return "connection_failed"


async def oauth_callback(request: Request, query: Callback) -> Response:
    """Zoom's redirect back to Classbridge, in the browser: connect, then go to the front end.

    No token: the ``state`` is the credential (issued to the signed-in user who asked for the
    authorization URL, once, for a few minutes). Redirects (303) to ``FRONTEND_URL`` with
    ``zoom=connected``, or ``zoom=error&reason=...`` (``access_denied``, ``missing_code``,
    ``invalid_state``, ``state_mismatch``, ``code_rejected``, ``connection_failed``) — never
    an error page.
    """
    front = _settings(request).frontend_url

    def back(**outcome: str) -> RedirectResponse:
        return RedirectResponse(with_outcome(front, **outcome), status_code=303)

    if query.error:
        reason = query.error if query.error.isidentifier() else "access_denied"
        return back(zoom="error", reason=reason[:64])
    if not query.code or not query.state:
        return back(zoom="error", reason="missing_code")
    gateway_state, ticket_text = split_state(query.state)
    tickets = _tickets(request)
    try:
        ticket = tickets.check(ticket_text)
        caller = tickets.caller_for(ticket)
    except (BadTicket, ClassbridgeError):
        return back(zoom="error", reason="invalid_state")
    try:
        with caller_scope(caller):
            await call(
                deps.clients(request).zoom_gateway.CompleteAuthorization,
                zoom_gateway_pb2.CompleteAuthorizationRequest(
                    code=query.code, state=gateway_state, user_id=ticket.subject
                ),
            )
    except ClassbridgeError as exc:
        log.info("zoom connection not completed: %s", type(exc).__name__)
        return back(zoom="error", reason=_reason(exc))
    return back(zoom="connected")


async def auth_status(request: Request) -> JSONResponse:
    """Whether the caller has connected their Zoom account (seed 003), with the connection.

    Never 404: a caller who never connected gets ``authenticated: false``.
    """
    try:
        answer = await call(
            deps.clients(request).zoom_gateway.GetConnection,
            zoom_gateway_pb2.GetConnectionRequest(user_id=deps.caller(request).subject),
        )
    except NotFound:
        return ok(AuthStatus(authenticated=False, connection=None).show())
    connected = answer.state == zoom_gateway_pb2.CONNECTION_STATE_CONNECTED
    return ok(AuthStatus(authenticated=connected, connection=to_dict(answer)).show())


async def user_recordings(request: Request, query: UserRecordings) -> JSONResponse:
    """The caller's Zoom cloud recordings over a date range (seed 002), through their own
    Zoom connection.

    ``from``/``to`` default to today; any span (the gateway walks Zoom's 30-day windows behind
    one page token). 409 when the caller has not connected Zoom.
    """
    req = zoom_gateway_pb2.ListUserRecordingsRequest(
        account=zoom_gateway_pb2.Account(oauth_user_id=deps.caller(request).subject),
        page_size=query.page_size,
        page_token=query.page_token,
    )
    if query.from_ is not None:
        getattr(req, "from").CopyFrom(query.from_)
    if query.to is not None:
        req.to.CopyFrom(query.to)
    answer = await call(deps.clients(request).zoom_gateway.ListUserRecordings, req)
    return ok(
        [to_dict(r) for r in answer.recordings],
        count=len(answer.recordings),
        next_page_token=answer.next_page_token,
    )


async def download(request: Request, body: DownloadBody) -> JSONResponse:
    """Copy one meeting's cloud recording into Classbridge's storage now (seed 002's
    "download and process"): a sync job, answered at once (202).

    ``meeting_id`` is Zoom's meeting number (its latest instance) or an instance uuid.
    """
    raw = request.path_params["meeting_id"]
    req = recording_sync_pb2.SyncMeetingRequest(force=body.force)
    if raw.isdigit() and len(raw) <= 18:
        req.meeting_id = int(raw)
    else:
        req.meeting_uuid = raw
    answer = await call(deps.clients(request).recording_sync.SyncMeeting, req)
    return ok(to_dict(answer), status=202, message="recording sync job queued")


async def connection(request: Request) -> JSONResponse:
    """The caller's Zoom connection."""
    answer = await call(
        deps.clients(request).zoom_gateway.GetConnection,
        zoom_gateway_pb2.GetConnectionRequest(user_id=deps.caller(request).subject),
    )
    return ok(to_dict(answer))


async def disconnect(request: Request, query: DisconnectQuery) -> JSONResponse:
    """Disconnect the caller's Zoom account."""
    req = zoom_gateway_pb2.DisconnectRequest(user_id=deps.caller(request).subject)
    if query.revoke is not None:
        req.revoke = query.revoke
    answer = await call(deps.clients(request).zoom_gateway.Disconnect, req)
    return ok(Disconnected(disconnected=answer.disconnected, revoked=answer.revoked).show())


CONNECTION = Answer(data=zoom_gateway_pb2.Connection)
_REDIRECT = Answer(
    status=303,
    data=None,
    envelope=False,
    media_types=(),
    description="To the front end (FRONTEND_URL) with zoom=connected or zoom=error&reason=...",
    headers={"Location": {"schema": {"type": "string", "format": "uri"}}},
)
_AUTH_URL = Answer(data=zoom_gateway_pb2.GetAuthorizationUrlResponse, no_store=True)
_CONNECTED = Answer(data=zoom_gateway_pb2.Connection, extra={"message": {"type": "string"}})
routes = [
    route(
        "/api/zoom/status",
        status,
        methods=["GET"],
        allow=STAFF,
        scope="tenant",
        query=StatusQuery,
        answers=[Answer(data=Status)],
    ),
    route(
        "/api/zoom/auth-url",
        auth_url,
        methods=["GET"],
        allow=EVERYONE,
        scope="own",
        query=AuthUrlQuery,
        answers=[_AUTH_URL],
    ),
    route(
        "/api/zoom/auth",
        complete_auth,
        methods=["POST"],
        allow=EVERYONE,
        scope="own",
        body=Authorization,
        answers=[_CONNECTED],
    ),
    route(
        "/api/zoom/auth",
        oauth_callback,
        methods=["GET"],
        allow=(),
        scope="public",
        query=Callback,
        answers=[_REDIRECT],
    ),
    route(
        "/auth/zoom/authorize",
        auth_url,
        methods=["POST"],
        allow=EVERYONE,
        scope="own",
        query=AuthUrlQuery,
        answers=[_AUTH_URL],
        name="zoom.seed_authorize",
        note="Seed 003's path for `GET /api/zoom/auth-url`.",
    ),
    route(
        "/auth/zoom/token",
        complete_auth,
        methods=["POST"],
        allow=EVERYONE,
        scope="own",
        body=Authorization,
        answers=[_CONNECTED],
        name="zoom.seed_token",
        note="Seed 003's path for `POST /api/zoom/auth`.",
    ),
    route(
        "/auth/zoom/status",
        auth_status,
        methods=["GET"],
        allow=EVERYONE,
        scope="own",
        answers=[Answer(data=AuthStatus)],
    ),
    route(
        "/api/zoom/meetings",
        user_recordings,
        methods=["GET"],
        allow=EVERYONE,
        scope="own",
        query=UserRecordings,
        answers=[
            Answer(
                data=[zoom_gateway_pb2.MeetingRecording],
                extra={"count": {"type": "integer"}, "next_page_token": {"type": "string"}},
            )
        ],
    ),
    route(
        "/api/zoom/download/{meeting_id}",
        download,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        body=DownloadBody,
        body_optional=True,
        answers=[
            Answer(
                status=202,
                data=recording_sync_pb2.SyncJob,
                extra={"message": {"type": "string"}},
            )
        ],
    ),
    route(
        "/api/zoom/connection",
        connection,
        methods=["GET"],
        allow=EVERYONE,
        scope="own",
        answers=[CONNECTION],
    ),
    route(
        "/api/zoom/disconnect",
        disconnect,
        methods=["DELETE"],
        allow=EVERYONE,
        scope="own",
        query=DisconnectQuery,
        answers=[Answer(data=Disconnected)],
    ),
]
