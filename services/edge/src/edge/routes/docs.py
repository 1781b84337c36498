"""The API reference: ``GET /openapi.json`` (the document), ``/docs`` (Swagger UI) and
``/redoc`` (ReDoc). Open, like ``/healthz``: the document says nothing a token protects.

The viewers' files are vendored in ``edge/docs_assets`` (see its README) and served by
``/docs/assets/<name>``, a route for each; the pages name only those, by relative URLs, so they
load with no network beyond the edge and behind any path prefix.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from edge import openapi
from edge.routing import Answer, route

ASSETS_DIR = Path(__file__).resolve().parent.parent / "docs_assets"
_JS = "text/javascript"
_CSS = "text/css"
_TEXT = "text/plain"
ASSETS: dict[str, tuple[str, str]] = {
    "swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", _JS),
    "swagger-ui.css": ("swagger-ui/swagger-ui.css", _CSS),
    "swagger-init.js": ("swagger-init.js", _JS),
    "swagger-ui-LICENSE.txt": ("swagger-ui/LICENSE", _TEXT),
    "swagger-ui-NOTICE.txt": ("swagger-ui/NOTICE", _TEXT),
    "swagger-ui-bundle.js.LICENSE.txt": ("swagger-ui/swagger-ui-bundle.js.LICENSE.txt", _TEXT),
    "redoc.standalone.js": ("redoc/redoc.standalone.js", _JS),
    "redoc-LICENSE.txt": ("redoc/LICENSE", _TEXT),
}
"""What ``/docs/assets/<name>`` serves: name -> (file under docs_assets, media type)."""

SWAGGER_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{openapi.TITLE}</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/swagger-init.js"></script>
</body>
</html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{openapi.TITLE}</title>
</head>
<body>
<redoc spec-url="openapi.json" disable-telemetry="true"></redoc>
<script type="module" src="docs/assets/redoc.standalone.js"></script>
</body>
</html>
"""

_CACHE = {"Cache-Control": "public, max-age=3600"}


def document(request: Request) -> dict[str, Any]:
    """The app's document, built once (the routes do not change while it runs)."""
    state = request.app.state
    found: dict[str, Any] | None = getattr(state, "openapi", None)
    if found is None:
        found = openapi.build(request.app.routes)
        state.openapi = found
    return found


async def openapi_json(request: Request) -> JSONResponse:
    """This document: every route of the edge, generated from the code that serves it."""
    return JSONResponse(document(request))


async def swagger_ui(request: Request) -> HTMLResponse:
    """The API reference in Swagger UI (try requests with a token)."""
    return HTMLResponse(SWAGGER_PAGE, headers=_CACHE)


async def redoc(request: Request) -> HTMLResponse:
    """The API reference in ReDoc."""
    return HTMLResponse(REDOC_PAGE, headers=_CACHE)


def _asset(name: str, path: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    """The handler serving one vendored file (a route each: no path to guess at)."""

    async def serve(request: Request) -> Response:
        return FileResponse(ASSETS_DIR / path, media_type=media_type, headers=_CACHE)

    serve.__name__ = "asset_" + re.sub(r"\W", "_", name)
    serve.__doc__ = f"``{name}``, a file of the viewers."
    return serve


_DOCUMENT = {"type": "object", "description": "an OpenAPI 3.1 document", "required": ["openapi"]}
_PAGE = Answer(data={"type": "string"}, envelope=False, media_types=("text/html",))
routes = [
    route(
        "/openapi.json",
        openapi_json,
        methods=["GET"],
        allow=(),
        scope="public",
        answers=[Answer(data=_DOCUMENT, envelope=False)],
    ),
    route("/docs", swagger_ui, methods=["GET"], allow=(), scope="public", answers=[_PAGE]),
    route("/redoc", redoc, methods=["GET"], allow=(), scope="public", answers=[_PAGE]),
    *(
        route(
            "/docs/assets/" + name,
            _asset(name, path, media_type),
            methods=["GET"],
            allow=(),
            scope="public",
            answers=[Answer(data={"type": "string"}, envelope=False, media_types=(media_type,))],
        )
        for name, (path, media_type) in ASSETS.items()
    ),
]
