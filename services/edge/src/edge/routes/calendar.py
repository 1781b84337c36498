"""Calendar feeds a person subscribes to: private links (``edge.calendar_links``) and the feed.

A signed-in person asks for a link (``POST /api/v1/batches/{batch_id}/calendar-link`` for a
batch they manage, ``POST /api/v1/me/calendar-link`` for their own classes); a calendar app
fetches ``GET /api/v1/calendar/{token}.ics`` without a token of its own: the edge checks the
link, asks the scheduler's ``GetCalendarFeed`` as the person it was issued to (a token it
signs for that one call) and renders the answer as iCalendar (``edge.ics``). A link that is
not valid, or names what its holder may no longer read, is a 404 that says nothing more.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import caller_scope
from classbridge_common.errors import (
    ClassbridgeError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from edge import deps, ics
from edge.access import EVERYONE, STAFF
from edge.calendar_links import BadLink, CalendarLinks, Kind, feed_path
from edge.clients import call
from edge.render import no_store, ok
from edge.routing import Answer, route
from edge.views import View

MEDIA_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"


class CalendarLink(View):
    """A private feed link: whoever has the URL reads the feed, so keep it like a password."""

    url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    path: str
    kind: Annotated[str, Field(json_schema_extra={"enum": ["batch", "user"]})]
    subject_id: str


def _links(request: Request) -> CalendarLinks:
    settings = request.app.state.settings
    return CalendarLinks(settings.user_token_secret, versions=settings.calendar_feed_key_versions)


def _answer(request: Request, *, kind: Kind, subject: str) -> JSONResponse:
    token = _links(request).issue(deps.caller(request), kind=kind, subject=subject)
    path = feed_path(token)
    base = str(request.base_url).rstrip("/")
    link = CalendarLink(url=base + path, path=path, kind=kind, subject_id=subject)
    return ok(link.show(), headers=no_store())


async def batch_link(request: Request) -> JSONResponse:
    """A private calendar feed link of a batch's classes.

    For the batch's and its course's teachers and the tenant's admins (the scheduler checks,
    with ``GetCalendarFeed``'s ``validate_only``). The URL is a credential that does not
    expire: sent with ``Cache-Control: no-store``; revoked for a whole tenant by raising its
    ``CALENDAR_FEED_KEY_VERSIONS`` number.
    """
    batch_id: str = request.path_params["batch_id"]
    await call(
        deps.clients(request).scheduler.GetCalendarFeed,
        scheduler_pb2.GetCalendarFeedRequest(batch_id=batch_id, validate_only=True),
    )
    return _answer(request, kind="batch", subject=batch_id)


async def my_link(request: Request) -> JSONResponse:
    """A private calendar feed link of the caller's own classes.

    A student's: every batch they attend, with their own registration join links; a
    teacher's: the classes they teach. The URL is a credential that does not expire: sent
    with ``Cache-Control: no-store``.
    """
    return _answer(request, kind="user", subject=deps.caller(request).subject)


_HIDDEN = (NotFound, PermissionDenied, InvalidArgument, Unauthenticated)


async def feed(request: Request) -> Response:
    """A calendar feed (iCalendar), for calendar apps: no bearer token, the link is the key.

    One event per class from 30 days ago on, cancelled ones marked ``STATUS:CANCELLED``,
    times in the class's own time zone, the join link in the description. A link that was
    forged, altered or revoked, or whose holder may no longer read it, is a 404.
    """
    links = _links(request)
    gone = NotFound("no such calendar")
    try:
        link = links.check(request.path_params["token"])
        caller = links.caller_for(link)
    except (BadLink, ValueError, ClassbridgeError):
        raise gone from None
    if link.kind == "user" and link.subject != link.holder:
        raise gone
    try:
        with caller_scope(caller):
            answer: Any = await call(
                deps.clients(request).scheduler.GetCalendarFeed,
                scheduler_pb2.GetCalendarFeedRequest(
                    batch_id=link.subject if link.kind == "batch" else ""
                ),
            )
    except _HIDDEN:
        raise gone from None
    body = ics.render(answer, name=answer.name or "Classbridge classes")
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": CACHE_CONTROL})


_LINK = Answer(data=CalendarLink, no_store=True)
_FEED = Answer(
    data={"type": "string", "description": "an iCalendar (RFC 5545) document"},
    envelope=False,
    media_types=("text/calendar",),
    description="The feed.",
    headers={"Cache-Control": {"schema": {"type": "string", "const": CACHE_CONTROL}}},
)
routes = [
    route(
        "/api/v1/batches/{batch_id}/calendar-link",
        batch_link,
        methods=["POST"],
        allow=STAFF,
        scope="resource",
        answers=[_LINK],
    ),
    route(
        "/api/v1/me/calendar-link",
        my_link,
        methods=["POST"],
        allow=EVERYONE,
        scope="own",
        answers=[_LINK],
    ),
    route(
        "/api/v1/calendar/{token}.ics",
        feed,
        methods=["GET"],
        allow=(),
        scope="public",
        answers=[_FEED],
    ),
]
