"""``GET /healthz``: the edge process is up (it holds no state, so up is healthy). Open: probes
carry no token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from edge.access import route


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


routes = [route("/healthz", healthz, methods=["GET"], allow=(), scope="public")]
