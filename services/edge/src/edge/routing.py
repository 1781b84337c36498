"""Building the edge's routes: who may call each one, what it reads and what it answers,
declared once beside the handler.

``route(path, handler, methods=..., allow=..., scope=..., query=Model, body=Model,
answers=[Answer(...)])`` gives a Starlette route that, on each request, refuses a caller its
declaration does not admit (403), reads and checks the query string and the JSON body as their
:class:`edge.inputs.Input` models (400 naming every bad field, 413, 415) and only then calls
``handler(request, query=..., body=...)`` with the typed values. The OpenAPI document
(:mod:`edge.openapi`) is generated from the same declarations, so what it says each route reads
is what the route checks, and who may call it is what the route enforces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from google.protobuf.message import Message
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from edge.access import Access, Scope, admit, declare
from edge.body import read_json
from edge.inputs import Input, query_values, read
from edge.render import page_extra

Endpoint = Callable[..., Awaitable[Response]]

Shape = type[Message] | type[BaseModel] | list[Any] | dict[str, Any] | None
"""What an answer holds, for the document: a protobuf message class (rendered by
``edge.render.to_dict``), a pydantic view, ``[shape]`` for a list of them, a literal JSON Schema
(a dict), or ``None`` for ``null``."""


@dataclass(frozen=True)
class Answer:
    """One success answer of a route.

    ``data`` is what ``render.ok`` puts under ``data``; ``extra`` the keys beside it
    (``message``, ``count``...); ``envelope=False`` for answers that are ``data`` itself
    (``/healthz``, the document). ``no_store``: sent with ``Cache-Control: no-store`` (it
    carries a short-lived credential).
    """

    status: int = 200
    data: Shape = None
    extra: Mapping[str, Shape] = field(default_factory=dict)
    envelope: bool = True
    media_types: tuple[str, ...] = ("application/json",)
    description: str = ""
    no_store: bool = False
    headers: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """Response headers the answer carries (name -> OpenAPI header object), e.g. a redirect's
    ``Location``; with ``media_types=()`` the answer has no body."""
    alternatives: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """Other media types the same answer may come in (a CSV export of the JSON answer), each
    with the JSON Schema of its body as it is, without the envelope."""


@dataclass(frozen=True)
class Operation:
    """Everything a route declares; the document is built from these alone."""

    name: str
    summary: str
    description: str
    tag: str
    access: Access
    query: type[Input] | None
    body: type[Input] | None
    body_optional: bool
    answers: tuple[Answer, ...]
    path_schemas: Mapping[str, dict[str, Any]]
    errors: tuple[int, ...] = ()
    """Error statuses the route answers beyond the usual ones (e.g. a protocol's 412)."""


def _tag(endpoint: Endpoint) -> str:
    return endpoint.__module__.rsplit(".", 1)[-1].replace("_", "-")


def _describe(endpoint: Endpoint) -> tuple[str, str]:
    doc = (endpoint.__doc__ or "").strip()
    if not doc:
        return endpoint.__name__.replace("_", " ").capitalize(), ""
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip()


def route(
    path: str,
    endpoint: Endpoint,
    *,
    methods: Sequence[str],
    allow: Iterable[str],
    scope: Scope,
    query: type[Input] | None = None,
    body: type[Input] | None = None,
    body_optional: bool = False,
    answers: Sequence[Answer] = (Answer(),),
    path_schemas: Mapping[str, dict[str, Any]] | None = None,
    name: str | None = None,
    note: str = "",
    errors: Sequence[int] = (),
) -> Route:
    """A Starlette route that checks the caller, then reads ``query`` and ``body``, then calls
    ``endpoint(request, query=..., body=...)`` (only the keywords declared). ``path_schemas``:
    the JSON Schema of a path parameter, for the document (a string by default).

    ``name`` and ``note`` are for a second declaration of one handler (a seed's own path for a
    route the edge already serves): the document needs a distinct operation id, and ``note``
    (appended to the description) says which other path answers the same."""
    access = declare(path, allow=allow, scope=scope)
    summary, description = _describe(endpoint)
    if note:
        description = f"{description}\n\n{note}" if description else note
    operation = Operation(
        name=name or f"{_tag(endpoint).replace('-', '_')}.{endpoint.__name__}",
        summary=summary,
        description=description,
        tag=_tag(endpoint),
        access=access,
        query=query,
        body=body,
        body_optional=body_optional,
        answers=tuple(answers),
        path_schemas=dict(path_schemas or {}),
        errors=tuple(errors),
    )

    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        admit(access, request)
        kwargs: dict[str, Any] = {}
        if query is not None:
            values = query_values(query, request.query_params)
            kwargs["query"] = read(query, values, request, query=True)
        if body is not None:
            kwargs["body"] = read(body, await read_json(request, optional=body_optional), request)
        return await endpoint(request, **kwargs)

    built = Route(path, guarded, methods=list(methods))
    built.access = access  # type: ignore[attr-defined]
    built.operation = operation  # type: ignore[attr-defined]
    return built


def operation_of(candidate: BaseRoute) -> Operation | None:
    """The declaration of a route built with :func:`route` (None for anything else)."""
    found = getattr(candidate, "operation", None)
    return found if isinstance(found, Operation) else None


def paged(item: type[Message], response: type[Message]) -> Answer:
    """The answer of ``render.page``: a list of ``item`` with ``response``'s paging fields."""
    return Answer(data=[item], extra=page_extra(response.DESCRIPTOR))


__all__ = ["Answer", "Operation", "Shape", "operation_of", "paged", "route"]
