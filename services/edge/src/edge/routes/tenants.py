"""``/api/v1/tenants``: the schools this deployment serves and their Zoom apps (zoom-gateway).

Operators create and list tenants; a tenant's admin reads and configures their own (``me`` is
the caller's tenant; another tenant's id answers 404, so its existence is not revealed). The
gateway decides all of that again; the edge only refuses early what it can see. Secrets go in
(``client_secret``, ``webhook_secret_token``, ``oauth_client_secret``) and never come back: an
answer says only whether each is configured.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.auth import ADMIN, OPERATOR, Caller
from edge import deps
from edge.access import route
from edge.body import read_json
from edge.clients import call
from edge.fields import Fields
from edge.render import ok, page, page_args, to_dict

ZOOM_FIELDS = (
    "account_id",
    "client_id",
    "client_secret",
    "webhook_secret_token",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_redirect_uri",
)
"""What ``PUT /api/v1/tenants/{id}/zoom`` may set; an absent field stays, "" clears it."""


def _tenant_id(request: Request, who: Caller) -> str:
    """The path's tenant; ``me`` is the caller's own."""
    tenant_id: str = request.path_params["tenant_id"]
    return (who.tenant or "") if tenant_id == "me" else tenant_id


async def create_tenant(request: Request) -> JSONResponse:
    """``{"id", "name", "request_id"?}`` → 201 with the tenant."""
    body = Fields(await read_json(request))
    tenant_id = body.string("id", required=True, max_length=64)
    name = body.string("name", max_length=200)
    request_id = deps.idempotency_key(request, body.string("request_id", max_length=128))
    body.check()
    answer = await call(
        deps.clients(request).zoom_gateway.CreateTenant,
        zoom_gateway_pb2.CreateTenantRequest(tenant_id=tenant_id, name=name, request_id=request_id),
    )
    return ok(to_dict(answer), status=201)


async def list_tenants(request: Request) -> JSONResponse:
    query = Fields(request.query_params, query=True)
    size, token = page_args(query)
    query.check()
    answer = await call(
        deps.clients(request).zoom_gateway.ListTenants,
        zoom_gateway_pb2.ListTenantsRequest(page_size=size, page_token=token),
    )
    return page([to_dict(t) for t in answer.tenants], answer)


async def get_tenant(request: Request) -> JSONResponse:
    who = deps.caller(request)
    answer = await call(
        deps.clients(request).zoom_gateway.GetTenant,
        zoom_gateway_pb2.GetTenantRequest(tenant_id=_tenant_id(request, who)),
    )
    return ok(to_dict(answer))


async def update_zoom(request: Request) -> JSONResponse:
    """Set the tenant's Zoom apps; ``validate_only`` checks them with Zoom without saving."""
    who = deps.caller(request)
    body = Fields(await read_json(request))
    req = zoom_gateway_pb2.UpdateTenantZoomAppsRequest(tenant_id=_tenant_id(request, who))
    for name in body.present(*ZOOM_FIELDS):
        setattr(req, name, body.string(name, max_length=2048))
    req.validate_only = bool(body.boolean("validate_only", default=False))
    body.check()
    answer = await call(deps.clients(request).zoom_gateway.UpdateTenantZoomApps, req)
    message = "Zoom credentials are valid" if req.validate_only else "Zoom apps updated"
    return ok(to_dict(answer), message=message)


routes = [
    route("/api/v1/tenants", create_tenant, methods=["POST"], allow=[OPERATOR], scope="platform"),
    route("/api/v1/tenants", list_tenants, methods=["GET"], allow=[OPERATOR], scope="platform"),
    route(
        "/api/v1/tenants/{tenant_id}", get_tenant, methods=["GET"], allow=[ADMIN], scope="tenant"
    ),
    route(
        "/api/v1/tenants/{tenant_id}/zoom",
        update_zoom,
        methods=["PUT"],
        allow=[ADMIN],
        scope="tenant",
    ),
]
