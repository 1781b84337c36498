"""``/api/v1/tenants``: the schools this deployment serves and their Zoom apps (zoom-gateway).

Operators create and list tenants; a tenant's admin reads and configures their own (``me`` is
the caller's tenant; another tenant's id answers 404, so its existence is not revealed). The
gateway decides all of that again; the edge only refuses early what it can see. Secrets go in
(``client_secret``, ``webhook_secret_token``, ``oauth_client_secret``) and never come back: an
answer says only whether each is configured.
"""

from __future__ import annotations

from typing import Annotated

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.auth import ADMIN, OPERATOR, Caller
from edge import deps
from edge.clients import call
from edge.inputs import Flag, Input, Paging, Text
from edge.render import ok, page, to_dict
from edge.routing import Answer, paged, route

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


class NewTenant(Input):
    id: Annotated[str, Text(max_length=64, required=True)]
    name: Annotated[str, Text(max_length=200)] = ""
    request_id: Annotated[str, Text(max_length=128, description="idempotency key")] = ""


_SETTING = Text(max_length=2048, description='absent: unchanged; "": cleared')


class ZoomApps(Input):
    """The tenant's Zoom apps; secrets go in and never come back."""

    account_id: Annotated[str, _SETTING] = ""
    client_id: Annotated[str, _SETTING] = ""
    client_secret: Annotated[str, _SETTING] = ""
    webhook_secret_token: Annotated[str, _SETTING] = ""
    oauth_client_id: Annotated[str, _SETTING] = ""
    oauth_client_secret: Annotated[str, _SETTING] = ""
    oauth_redirect_uri: Annotated[str, _SETTING] = ""
    validate_only: Annotated[
        bool, Flag(description="check the credentials with Zoom without saving them")
    ] = False


def _tenant_id(request: Request, who: Caller) -> str:
    """The path's tenant; ``me`` is the caller's own."""
    tenant_id: str = request.path_params["tenant_id"]
    return (who.tenant or "") if tenant_id == "me" else tenant_id


async def create_tenant(request: Request, body: NewTenant) -> JSONResponse:
    """Create a tenant (a school this deployment serves)."""
    answer = await call(
        deps.clients(request).zoom_gateway.CreateTenant,
        zoom_gateway_pb2.CreateTenantRequest(
            tenant_id=body.id,
            name=body.name,
            request_id=deps.idempotency_key(request, body.request_id),
        ),
    )
    return ok(to_dict(answer), status=201)


async def list_tenants(request: Request, query: Paging) -> JSONResponse:
    """Every tenant."""
    answer = await call(
        deps.clients(request).zoom_gateway.ListTenants,
        zoom_gateway_pb2.ListTenantsRequest(page_size=query.page_size, page_token=query.page_token),
    )
    return page([to_dict(t) for t in answer.tenants], answer)


async def get_tenant(request: Request) -> JSONResponse:
    """One tenant (``me``: the caller's own); secrets only as "configured" flags."""
    who = deps.caller(request)
    answer = await call(
        deps.clients(request).zoom_gateway.GetTenant,
        zoom_gateway_pb2.GetTenantRequest(tenant_id=_tenant_id(request, who)),
    )
    return ok(to_dict(answer))


async def update_zoom(request: Request, body: ZoomApps) -> JSONResponse:
    """Set the tenant's Zoom apps; ``validate_only`` checks them with Zoom without saving."""
    who = deps.caller(request)
    req = zoom_gateway_pb2.UpdateTenantZoomAppsRequest(tenant_id=_tenant_id(request, who))
    for name in body.present(*ZOOM_FIELDS):
        setattr(req, name, getattr(body, name))
    req.validate_only = body.validate_only
    answer = await call(deps.clients(request).zoom_gateway.UpdateTenantZoomApps, req)
    message = "Zoom credentials are valid" if req.validate_only else "Zoom apps updated"
    return ok(to_dict(answer), message=message)


TENANT = Answer(data=zoom_gateway_pb2.Tenant)
routes = [
    route(
        "/api/v1/tenants",
        create_tenant,
        methods=["POST"],
        allow=[OPERATOR],
        scope="platform",
        body=NewTenant,
        answers=[Answer(status=201, data=zoom_gateway_pb2.Tenant)],
    ),
    route(
        "/api/v1/tenants",
        list_tenants,
        methods=["GET"],
        allow=[OPERATOR],
        scope="platform",
        query=Paging,
        answers=[paged(zoom_gateway_pb2.Tenant, zoom_gateway_pb2.ListTenantsResponse)],
    ),
    route(
        "/api/v1/tenants/{tenant_id}",
        get_tenant,
        methods=["GET"],
        allow=[ADMIN],
        scope="tenant",
        answers=[TENANT],
    ),
    route(
        "/api/v1/tenants/{tenant_id}/zoom",
        update_zoom,
        methods=["PUT"],
        allow=[ADMIN],
        scope="tenant",
        body=ZoomApps,
        answers=[Answer(data=zoom_gateway_pb2.Tenant, extra={"message": {"type": "string"}})],
    ),
]
