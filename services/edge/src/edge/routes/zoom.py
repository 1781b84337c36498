"""Seeds 002/004's ``/api/zoom``: Zoom status and the signed-in user's own Zoom connection
(zoom-gateway). The user is always the caller: nobody connects or disconnects someone else."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from edge import deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import Flag, Input, Text
from edge.render import no_store, ok, to_dict
from edge.routing import Answer, route
from edge.views import Rendered, View


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


async def auth_url(request: Request, query: AuthUrlQuery) -> JSONResponse:
    """Where to send the caller to connect their Zoom account."""
    who = deps.caller(request)
    answer = await call(
        deps.clients(request).zoom_gateway.GetAuthorizationUrl,
        zoom_gateway_pb2.GetAuthorizationUrlRequest(
            user_id=who.subject, tenant_id=who.tenant or "", redirect_uri=query.redirect_uri
        ),
    )
    return ok(to_dict(answer), headers=no_store())


async def complete_auth(request: Request, body: Authorization) -> JSONResponse:
    """Finish connecting: the ``code`` and ``state`` Zoom sent back."""
    answer = await call(
        deps.clients(request).zoom_gateway.CompleteAuthorization,
        zoom_gateway_pb2.CompleteAuthorizationRequest(
            code=body.code, state=body.state, user_id=deps.caller(request).subject
        ),
    )
    return ok(to_dict(answer), message="Zoom account connected")


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
        answers=[Answer(data=zoom_gateway_pb2.GetAuthorizationUrlResponse, no_store=True)],
    ),
    route(
        "/api/zoom/auth",
        complete_auth,
        methods=["POST"],
        allow=EVERYONE,
        scope="own",
        body=Authorization,
        answers=[Answer(data=zoom_gateway_pb2.Connection, extra={"message": {"type": "string"}})],
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
