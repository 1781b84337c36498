"""The edge's OpenAPI 3.1 document, generated from its routes' own declarations.

Every route is built with :func:`edge.routing.route`; the document reads what that recorded and
nothing else: the path and its parameters, who may call it (the access declaration, as the
operation's description and the bearer security requirement), the query and body models that
route checks (their JSON Schema from pydantic, whose rules are :mod:`edge.inputs`'), and its
answers — protobuf messages by :func:`edge.render.message_schema`, the same rules ``to_dict``
applies, and views by their pydantic schema — inside the success envelope, beside the one
error shape of :mod:`edge.errors` with the statuses a route can answer.

Serving it is :mod:`edge.routes.docs`; ``tests/unit/edge/test_openapi.py`` checks that every
route is in it and that it validates as OpenAPI 3.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from google.protobuf import descriptor_pool
from google.protobuf.message import Message
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema
from starlette.routing import BaseRoute, Route

from edge.access import SCOPES, Access
from edge.inputs import Input
from edge.rate_limits import EXEMPT
from edge.render import (
    SCHEMA_REF,
    Schema,
    message_ref,
    message_schema,
    ok_schema,
    referenced_messages,
)
from edge.routing import Answer, Operation, Shape, operation_of
from edge.views import MESSAGE_MARK, View

TITLE = "Classbridge HTTP API"
VERSION = "1"
ERROR = "Error"
_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")

_ERRORS: dict[int, str] = {
    400: "The request is invalid: its JSON, a field (one detail per field), or for a service.",
    401: "No token, or one that is expired, malformed or not a person's.",
    403: "The caller's roles or reach do not admit this.",
    404: "No such resource, or one of another tenant (its existence is not revealed).",
    409: "The resource's state conflicts with the request, or it exists already.",
    412: "The client's protocol version is not supported (tus: `Tus-Resumable`).",
    413: "The body is larger than the edge accepts.",
    415: "The body is not application/json.",
    429: (
        "Too many requests: the edge's rate limit of the caller, their tenant or (without a "
        "token) the client address, or Zoom's quota. Retry after `Retry-After` seconds."
    ),
}
_RETRY_AFTER: Schema = {
    "description": "Whole seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 0},
}
_RATE_LIMIT_HEADERS: dict[str, Schema] = {
    "RateLimit-Limit": {
        "description": "Requests a minute the nearest limit allows (IETF ratelimit-headers "
        "draft): of the caller, the tenant, or the address without a token.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Remaining": {
        "description": "Whole requests left under that limit now.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until that limit is fully restored.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Policy": {
        "description": "The limit as `<requests>;w=<window seconds>`, e.g. `1200;w=60`.",
        "schema": {"type": "string"},
    },
}
"""Sent on every answer of a rate-limited route while the limits are on (not required:
``RATE_LIMIT_*=0`` turns them off)."""
_DEFAULT_ERROR = (
    "Anything else: 5xx when a service failed (502, 503 and 504 with their causes; 500 with a "
    "generic message and the request id)."
)


class _Generator(GenerateJsonSchema):
    """pydantic's JSON Schema, without generated titles and without a default a client could
    not send (``null`` for "absent", an enum's number for a label)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        found = super().default_schema(schema)
        if "default" in found and not _sendable(found["default"], found):
            del found["default"]
        return found


def _sendable(value: Any, schema: Schema) -> bool:
    """Whether a client could send ``value`` where ``schema`` applies (the checks defaults of
    the edge's rules can fail: absent stands for null, a number for a label, "" for a name)."""
    if value is None:
        return False
    if "anyOf" in schema:
        return any(_sendable(value, option) for option in schema["anyOf"])
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = _TYPES.get(schema.get("type", ""), object)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        return False
    return not (isinstance(value, str) and len(value) < schema.get("minLength", 0))


_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}


def _error_schema() -> Schema:
    detail_kinds: list[Schema] = [
        _object(
            type={"const": "field_violation"},
            field={"type": "string"},
            description={"type": "string"},
        ),
        _object(
            type={"const": "precondition_violation"},
            violation={"type": "string"},
            subject={"type": "string"},
            description={"type": "string"},
        ),
        _object(
            type={"const": "resource"}, resource_type={"type": "string"}, id={"type": "string"}
        ),
        _object(type={"const": "retry"}, retry_after_seconds={"type": "integer"}),
    ]
    return _object(
        success={"const": False},
        error=_object(
            code={"type": "string", "examples": ["INVALID_ARGUMENT", "NOT_FOUND"]},
            message={"type": "string"},
            details={"type": "array", "items": {"anyOf": detail_kinds}},
        ),
    )


def _object(**properties: Schema) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


class _Document:
    """One build of the document: operations first, then the components they refer to."""

    def __init__(self) -> None:
        self.models: list[type[BaseModel]] = list(View.registry.values())

    def model(self, model: type[BaseModel]) -> Schema:
        if model not in self.models:
            self.models.append(model)
        return {"$ref": SCHEMA_REF + model.__name__}

    def shape(self, shape: Shape) -> Schema:
        if shape is None:
            return {"type": "null"}
        if isinstance(shape, list):
            return {"type": "array", "items": self.shape(shape[0])}
        if isinstance(shape, dict):
            return shape
        if issubclass(shape, Message):
            return message_ref(shape.DESCRIPTOR)
        return self.model(shape)

    def answer(self, answer: Answer) -> Schema:
        schema = self.shape(answer.data)
        if answer.envelope:
            extra = {name: self.shape(value) for name, value in answer.extra.items()}
            schema = ok_schema(schema, extra)
        headers: Schema = {name: dict(value) for name, value in answer.headers.items()}
        if answer.no_store:
            headers["Cache-Control"] = {
                "description": "no-store: the answer carries a short-lived credential",
                "schema": {"type": "string"},
            }
        found: Schema = {"description": answer.description or "Success."}
        if answer.media_types:
            found["content"] = {media: {"schema": schema} for media in answer.media_types}
            for media, raw in answer.alternatives.items():
                found["content"][media] = {"schema": dict(raw)}
        if headers:
            found["headers"] = headers
        return found

    def parameters(
        self, path: str, query: type[Input] | None, path_schemas: Mapping[str, Schema]
    ) -> list[Schema]:
        found: list[Schema] = [
            {
                "name": match.group(1),
                "in": "path",
                "required": True,
                "schema": dict(path_schemas.get(match.group(1), {"type": "string"})),
            }
            for match in _PATH_PARAM.finditer(path)
        ]
        if query is None:
            return found
        schema = query.model_json_schema(schema_generator=_Generator)
        required = set(schema.get("required", []))
        for name, rule in query.rules().items():
            prop = dict(schema["properties"][name])
            description = prop.pop("description", "")
            parameter: Schema = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
            }
            if description:
                parameter["description"] = description
            if rule.repeated:
                parameter |= {"style": "form", "explode": True}
            found.append(parameter)
        return found

    def operation(self, path: str, method: str, operation: Operation) -> Schema:
        access = operation.access
        public = access.scope == "public"
        found: Schema = {
            "operationId": operation.name,
            "summary": operation.summary,
            "description": _access_text(access)
            + (f"\n\n{operation.description}" if operation.description else ""),
            "tags": [operation.tag],
            "security": [] if public else [{"bearer": []}],
            "x-classbridge-access": {"roles": sorted(access.roles), "scope": access.scope},
        }
        parameters = self.parameters(path, operation.query, operation.path_schemas)
        if parameters:
            found["parameters"] = parameters
        if operation.body is not None:
            found["requestBody"] = {
                "required": not operation.body_optional,
                "content": {"application/json": {"schema": self.model(operation.body)}},
            }
        responses: Schema = {str(a.status): self.answer(a) for a in operation.answers}
        if _rate_limited(path):
            for success in responses.values():
                success["headers"] = {**success.get("headers", {}), **_RATE_LIMIT_HEADERS}
        for status in _error_statuses(path, operation):
            headers: Schema = {}
            if status == 401:
                headers["WWW-Authenticate"] = {"schema": {"type": "string", "const": "Bearer"}}
            if status == 429:
                headers["Retry-After"] = _RETRY_AFTER
                headers.update(_RATE_LIMIT_HEADERS)
            error: Schema = {
                "description": _ERRORS[status],
                "content": {"application/json": {"schema": {"$ref": SCHEMA_REF + ERROR}}},
            }
            if headers:
                error["headers"] = headers
            responses[str(status)] = error
        responses["default"] = {
            "description": _DEFAULT_ERROR,
            "content": {"application/json": {"schema": {"$ref": SCHEMA_REF + ERROR}}},
        }
        found["responses"] = responses
        return found

    def components(self, paths: Schema) -> Schema:
        pairs: list[tuple[type[BaseModel], Literal["validation"]]] = [
            (m, "validation") for m in self.models
        ]
        _, defs = models_json_schema(
            pairs, ref_template=SCHEMA_REF + "{model}", schema_generator=_Generator
        )
        schemas: Schema = {ERROR: _error_schema(), **_unmark(defs.get("$defs", {}))}
        pool = descriptor_pool.Default()
        pending = sorted(_refs([paths, schemas]) - set(schemas))
        while pending:
            name = pending.pop()
            if name in schemas:
                continue
            descriptor = pool.FindMessageTypeByName(name)
            schemas[name] = message_schema(descriptor)
            pending.extend(
                d.full_name for d in referenced_messages(descriptor) if d.full_name not in schemas
            )
        pending = sorted(_refs([schemas]) - set(schemas))
        if pending:
            raise RuntimeError(f"unresolved schema references: {', '.join(pending)}")
        return {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A user token signed with AUTH_JWT_SECRET (audience "
                    "classbridge): roles admin, teacher, student or operator.",
                }
            },
        }


def _unmark(value: Any) -> Any:
    """``value`` with each view's stand-in for a message reference made a ``$ref``."""
    if isinstance(value, dict):
        if MESSAGE_MARK in value:
            return {"$ref": SCHEMA_REF + value[MESSAGE_MARK]}
        return {k: _unmark(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmark(v) for v in value]
    return value


def _refs(values: Iterable[Any]) -> set[str]:
    """Every component name referenced in ``values``."""
    found: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
                found.add(ref.removeprefix(SCHEMA_REF))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _access_text(access: Access) -> str:
    if access.scope == "public":
        return "**Who may call:** anyone, without a token."
    roles = ", ".join(sorted(access.roles))
    if "admin" in access.roles and "operator" not in access.roles:
        roles += " (operators pass where admins do)"
    return f"**Who may call:** {roles}. **Reach:** {SCOPES[access.scope]}."


def _rate_limited(path: str) -> bool:
    """Whether the edge's rate limits apply to ``path`` (not to probes and the reference)."""
    return EXEMPT.match(path) is None


def _error_statuses(path: str, operation: Operation) -> list[int]:
    if operation.access.scope == "public":
        return ([404] if "{" in path else []) + ([429] if _rate_limited(path) else [])
    statuses = [400, 401, 403, 404, 409, 429]
    if operation.body is not None:
        statuses += [413, 415]
    return sorted(set(statuses) | set(operation.errors))


def build(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes`` (every one built with ``edge.routing.route``)."""
    document = _Document()
    paths: dict[str, Schema] = {}
    tags: list[str] = []
    for candidate in routes:
        operation = operation_of(candidate)
        if operation is None or not isinstance(candidate, Route):
            raise RuntimeError(f"{candidate!r} was not built with edge.routing.route")
        item = paths.setdefault(candidate.path, {})
        for method in sorted(candidate.methods or ()):
            if method == "HEAD":
                continue
            item[method.lower()] = document.operation(candidate.path, method, operation)
        if operation.tag not in tags:
            tags.append(operation.tag)
    components = document.components(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "The HTTP edge of Classbridge: live classes on Zoom, their courses, batches, "
                "sessions, recordings and tenants. Every answer is JSON: "
                '`{"success": true, "data": ...}` or `{"success": false, "error": {...}}`. '
                "Send a user token as `Authorization: Bearer <JWT>`."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": components,
    }


__all__ = ["TITLE", "build"]
