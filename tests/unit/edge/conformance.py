"""Every answer a unit test gets is checked against the OpenAPI document: its status is one
the route documents (or ``default``), its media type is documented, and its JSON body matches
the schema. The document is generated from the routes' declarations, so a handler that answers
something else than it declares fails whichever test reached it."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator
from starlette.applications import Starlette
from starlette.routing import Match, Route

from edge import openapi

_DOCUMENTS: dict[int, dict[str, Any]] = {}
_VALIDATORS: dict[tuple[str, str, str], Draft202012Validator] = {}


class Conformance:
    """Checks answers of ``app`` against its document (built once per process: every app has
    the same routes)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        key = len(app.routes)
        if key not in _DOCUMENTS:
            _DOCUMENTS[key] = openapi.build(app.routes)
        self.document = _DOCUMENTS[key]
        self.checked = 0

    def validator(self, template: str, method: str, status: str) -> Draft202012Validator:
        key = (template, method, status)
        if key not in _VALIDATORS:
            response = self.document["paths"][template][method.lower()]["responses"][status]
            schema = response["content"]["application/json"]["schema"]
            _VALIDATORS[key] = Draft202012Validator(
                {**schema, "components": self.document["components"]}
            )
        return _VALIDATORS[key]

    def template(self, method: str, path: str) -> str | None:
        scope = {"type": "http", "path": path, "method": method}
        for candidate in self.app.routes:
            if isinstance(candidate, Route):
                match, _ = candidate.matches(scope)
                if match == Match.FULL:
                    return candidate.path
        return None

    def problems(self, method: str, path: str, status: int, media: str, body: bytes) -> list[str]:
        template = self.template(method, path)
        if template is None or method == "HEAD":
            return []  # an unknown path or method: Starlette's 404/405, not an operation's
        operation = self.document["paths"][template][method.lower()]
        responses = operation["responses"]
        documented = str(status) if str(status) in responses else "default"
        response = responses.get(documented)
        if response is None:
            return [f"{method} {template}: {status} is not documented"]
        if str(status) not in responses and status < 500:
            return [f"{method} {template}: {status} is documented only as default"]
        content = response.get("content", {})
        if not content:  # documented without a body (a redirect): it must have none
            return [] if not body else [f"{method} {template} {status}: a body is not documented"]
        media_type = media.split(";", 1)[0].strip()
        if media_type not in content:
            return [f"{method} {template} {status}: {media_type} is not documented"]
        if media_type != "application/json":
            return []
        data: Any = httpx.Response(status, content=body).json()
        validator = self.validator(template, method, documented)
        errors = sorted(validator.iter_errors(data), key=str)
        return [
            f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in errors[:5]
        ]

    async def on_response(self, response: httpx.Response) -> None:
        """An httpx response hook: fail the test on an answer the document does not describe."""
        await response.aread()
        request = response.request
        found = self.problems(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        self.checked += 1
        assert not found, "\n".join(found)
