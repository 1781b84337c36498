"""Seeds 002/004's ``/api/zoom``: Zoom status and the signed-in user's own Zoom connection
(zoom-gateway). The user is always the caller: nobody connects or disconnects someone else."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from edge import deps
from edge.access import EVERYONE, STAFF, route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import no_store, ok, to_dict


async def status(request: Request) -> JSONResponse:
    """Seed 004's shape: ``{"configured": bool, "status": {...}}``; ``?validate=true`` asks
    Zoom whether the credentials work."""
    query = Fields(request.query_params, query=True)
    validate = bool(query.boolean("validate", default=False))
    query.check()
    who = deps.caller(request)
    account = zoom_gateway_pb2.Account(tenant_id=who.tenant or "")
    answer = await call(
        deps.clients(request).zoom_gateway.GetStatus,
        zoom_gateway_pb2.GetStatusRequest(account=account, validate=validate),
    )
    return ok({"configured": answer.configured, "status": to_dict(answer)})


async def auth_url(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    redirect_uri = query.string("redirect_uri", max_length=2048)
    query.check()
    who = deps.caller(request)
    answer = await call(
        deps.clients(request).zoom_gateway.GetAuthorizationUrl,
        zoom_gateway_pb2.GetAuthorizationUrlRequest(
            user_id=who.subject, tenant_id=who.tenant or "", redirect_uri=redirect_uri
        ),
    )
    return ok(to_dict(answer), headers=no_store())


async def complete_auth(request: Request) -> JSONResponse:
    body = Fields(await read_json(request))
    code = body.string("code", required=True, max_length=2048)
    state = body.string("state", required=True, max_length=2048)
    body.check()
    answer = await call(
        deps.clients(request).zoom_gateway.CompleteAuthorization,
        zoom_gateway_pb2.CompleteAuthorizationRequest(
            code=code, state=state, user_id=deps.caller(request).subject
        ),
    )
    return ok(to_dict(answer), message="Zoom account connected")


async def connection(request: Request) -> JSONResponse:
    answer = await call(
        deps.clients(request).zoom_gateway.GetConnection,
        zoom_gateway_pb2.GetConnectionRequest(user_id=deps.caller(request).subject),
    )
    return ok(to_dict(answer))


async def disconnect(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    revoke = query.boolean("revoke")
    query.check()
    req = zoom_gateway_pb2.DisconnectRequest(user_id=deps.caller(request).subject)
    if revoke is not None:
        req.revoke = revoke
    answer = await call(deps.clients(request).zoom_gateway.Disconnect, req)
    return ok({"disconnected": answer.disconnected, "revoked": answer.revoked})


routes = [
    route("/api/zoom/status", status, methods=["GET"], allow=STAFF, scope="tenant"),
    route("/api/zoom/auth-url", auth_url, methods=["GET"], allow=EVERYONE, scope="own"),
    route("/api/zoom/auth", complete_auth, methods=["POST"], allow=EVERYONE, scope="own"),
    route("/api/zoom/connection", connection, methods=["GET"], allow=EVERYONE, scope="own"),
    route("/api/zoom/disconnect", disconnect, methods=["DELETE"], allow=EVERYONE, scope="own"),
]
