"""Zoom-shaped errors, JSON responses, and a router that matches the *raw* request path.

Starlette decodes `%2F` before routing, which would split a once-encoded meeting UUID into two
segments; Zoom instead sees segments and applies the double-encoding rule. So /v2 routes are
matched here on `scope["raw_path"]`, one segment at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response


class ZoomError(Exception):
    """An API failure rendered as Zoom's `{"code","message"[,"errors"]}` body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, self.status, self.headers)


def validation_error(field: str, message: str = "Invalid field.") -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", [{"field": field, "message": message}])


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_PCT = re.compile(r"%[0-9A-Fa-f]{2}")


def dumps(obj: Any) -> bytes:
    """Compact JSON, as Zoom's services write it (one shared encoder: `json.dumps` with
    arguments builds a new encoder on every call, which shows on the hot path)."""
    return _ENCODER.encode(obj).encode()


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(obj), status, headers=headers, media_type="application/json;charset=UTF-8"
    )


def decode_segment(raw: str, strict: bool) -> str | None:
    """Decode a path segment encoded once or twice; None when Zoom would answer 404.

    Zoom's rule: a UUID that starts with `/` or contains `//` must be encoded twice. With
    `strict`, such a UUID arriving encoded only once is not found, as on real Zoom.
    """
    if "%" not in raw:  # fast path: plain meeting numbers and user ids
        return raw
    once = unquote(raw)
    twice = unquote(once) if _PCT.search(once) else once
    needs_double = twice.startswith("/") or "//" in twice
    if needs_double and strict and twice == once:
        return None
    return twice


Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass
class Route:
    method: str
    parts: tuple[str, ...]
    name: str
    handler: Handler
    gate: str | None = None  # a fidelity switch the endpoint exists under (else 404)


class RawRouter:
    """Matches `/v2/...` paths on raw segments; `{name}` captures one (decoded) segment.

    Routes are indexed by (segment count, resource segment after `v2`), so a request only
    tries the two or three routes that can match instead of all of them.
    """

    def __init__(self, strict_encoding: bool) -> None:
        self.routes: list[Route] = []
        self.strict = strict_encoding
        self._index: dict[tuple[int, str], list[Route]] = {}

    def add(
        self, method: str, pattern: str, name: str, handler: Handler, *, gate: str | None = None
    ) -> None:
        route = Route(method, tuple(pattern.strip("/").split("/")), name, handler, gate)
        if len(route.parts) < 2 or route.parts[1].startswith("{"):
            raise ValueError(f"pattern must start with a literal resource: {pattern}")
        self.routes.append(route)
        self._index.setdefault((len(route.parts), route.parts[1]), []).append(route)

    def match(self, method: str, raw_path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): path_known tells 405 from 404 apart."""
        segs = raw_path.split("?", 1)[0].strip("/").split("/")
        known = False
        candidates = self._index.get((len(segs), segs[1]), ()) if len(segs) > 1 else ()
        for r in candidates:
            params: dict[str, str] = {}
            ok = True
            for p, s in zip(r.parts, segs, strict=True):
                if p[0] == "{":
                    val = decode_segment(s, self.strict)
                    if not val:
                        ok = False
                        break
                    params[p[1:-1]] = val
                elif p != s:
                    ok = False
                    break
            if not ok:
                continue
            known = True
            if r.method == method or (method == "HEAD" and r.method == "GET"):
                return r, params, True
        return None, {}, known
