"""Seed 001's webhook URL on the edge: ``POST /api/zoom/webhook`` (and
``/api/zoom/deauthorization``), forwarded to webhook-ingest.

A platform that points Zoom at the edge's host (the one address it publishes) still has its
webhooks verified, stored and published by webhook-ingest: the edge sends the body byte for byte
and Zoom's headers unchanged to ``WEBHOOK_INGEST_URL`` + the same path, and answers with
webhook-ingest's own status and body (the URL-validation challenge's answer included). The edge
cannot check the signature itself (it does not hold the tenants' webhook secrets), but it
refuses at once, without calling anyone, a request that is not a Zoom delivery at all: no
``x-zm-signature`` of Zoom's form or a timestamp outside ``WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS``
(401, as webhook-ingest would). webhook-ingest unreachable or too slow is a 502/504: Zoom
delivers again later.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from classbridge_common.errors import Unavailable
from edge.errors import CallerRefused, RequestError
from edge.routing import Answer, route
from edge.settings import Settings

SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Zoom's headers and the ones that say what the body is; hop-by-hop ones stay here.
FORWARDED = ("content-type", "user-agent", "authorization", "clientid")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
MAX_BODY = 1_048_576


def _fresh(timestamp: str, tolerance: int) -> bool:
    """A Zoom request timestamp (seconds, or milliseconds) within ``tolerance`` of now."""
    value = int(timestamp)
    if value > 10**11:
        value //= 1000
    return abs(time.time() - value) <= tolerance


def _outgoing_headers(request: Request) -> dict[str, str]:
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.startswith("x-zm-") or name in FORWARDED
    }
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    return headers


def _client(request: Request) -> httpx.AsyncClient:
    """The edge's one client to webhook-ingest, made on first use and kept (closed when the
    edge stops): a client per webhook cost some 30 ms of CPU and a new connection each time."""
    state = request.app.state
    transport: httpx.AsyncBaseTransport | None = getattr(state, "webhook_transport", None)
    client: httpx.AsyncClient | None = getattr(state, "webhook_client", None)
    if client is None or getattr(state, "webhook_client_transport", None) is not transport:
        settings: Settings = state.settings
        client = httpx.AsyncClient(
            transport=transport, timeout=settings.webhook_forward_timeout_seconds
        )
        state.webhook_client, state.webhook_client_transport = client, transport
    return client


async def close_client(state: Any) -> None:
    """Close the client :func:`_client` made, if it made one."""
    client: httpx.AsyncClient | None = getattr(state, "webhook_client", None)
    if client is not None:
        state.webhook_client = None
        await client.aclose()


async def forward(request: Request) -> Response:
    """A Zoom webhook, passed to webhook-ingest unchanged; its answer comes back unchanged.

    Signed by Zoom (``x-zm-signature``, ``x-zm-request-timestamp``): webhook-ingest checks the
    signature with the tenant's secret token, stores the event once and answers 200 at once
    (or the URL-validation challenge's answer).
    """
    settings: Settings = request.app.state.settings
    signature = request.headers.get("x-zm-signature", "")
    timestamp = request.headers.get("x-zm-request-timestamp", "")
    if not SIGNATURE.fullmatch(signature) or not TIMESTAMP.fullmatch(timestamp):
        raise CallerRefused("not a signed Zoom webhook delivery")
    if not _fresh(timestamp, settings.webhook_timestamp_tolerance_seconds):
        raise CallerRefused("the Zoom request timestamp is too old")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise RequestError(413, "PAYLOAD_TOO_LARGE", "the webhook body is too large")
    target = settings.webhook_ingest_url.rstrip("/") + request.url.path
    try:
        answer = await _client(request).post(
            target, content=body, headers=_outgoing_headers(request)
        )
    except httpx.TimeoutException:
        raise RequestError(
            504, "DEADLINE_EXCEEDED", "webhook-ingest did not answer in time"
        ) from None
    except httpx.HTTPError:
        raise Unavailable("webhook-ingest is not reachable") from None
    headers = {
        k: v
        for k, v in answer.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
    }
    return Response(answer.content, status_code=answer.status_code, headers=headers)


_ANY: dict[str, Any] = {"type": "object", "description": "webhook-ingest's answer, unchanged"}
_ANSWERS = [
    Answer(
        status=200,
        data=_ANY,
        envelope=False,
        description="Accepted (stored, a duplicate, or the URL-validation challenge's answer).",
    ),
    *(
        Answer(status=status, data=_ANY, envelope=False, description=text)
        for status, text in (
            (400, "Not a Zoom event webhook-ingest can read."),
            (401, "Unsigned, stale or badly signed (refused by the edge or by webhook-ingest)."),
            (403, "Refused by webhook-ingest."),
            (413, "The body is too large."),
            (415, "Not JSON."),
            (429, "Too many deliveries."),
        )
    ),
]
_HEADERS_NOTE = (
    "Zoom's headers `x-zm-signature` (`v0=<hex HMAC-SHA256>`) and `x-zm-request-timestamp` "
    "are required; they are passed on unchanged with the body."
)
routes = [
    route(
        path,
        forward,
        methods=["POST"],
        allow=(),
        scope="public",
        answers=_ANSWERS,
        name=f"webhook_forward.{name}",
        note=_HEADERS_NOTE,
    )
    for path, name in (
        ("/api/zoom/webhook", "forward_event"),
        ("/api/zoom/deauthorization", "forward_deauthorization"),
    )
]
