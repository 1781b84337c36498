"""``GET /healthz`` (and seed 003's ``GET /health``, the same handler): the edge process is up
(it holds no state, so up is healthy). Open: probes carry no token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from edge.routing import Answer, route


async def healthz(request: Request) -> JSONResponse:
    """The edge is up."""
    return JSONResponse({"status": "ok"})


_UP = {
    "type": "object",
    "properties": {"status": {"const": "ok"}},
    "required": ["status"],
    "additionalProperties": False,
}
routes = [
    route(
        "/healthz",
        healthz,
        methods=["GET"],
        allow=(),
        scope="public",
        answers=[Answer(data=_UP, envelope=False)],
    ),
    route(
        "/health",
        healthz,
        methods=["GET"],
        allow=(),
        scope="public",
        answers=[Answer(data=_UP, envelope=False)],
        name="health.health",
        note="Seed 003's path for `GET /healthz`.",
    ),
]
