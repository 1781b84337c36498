"""A person's own choice about email notices (``/api/v1/me/notifications``).

Students are mailed when a class of theirs is scheduled, moved or cancelled (when the scheduler
has an SMTP server); ``PUT`` with ``{"email": false}`` stops that for the caller, ``true``
starts it again, and ``GET`` shows the choice.
"""

from __future__ import annotations

from typing import Annotated

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.scheduler.v1 import scheduler_pb2
from edge import deps
from edge.access import EVERYONE
from edge.clients import call
from edge.inputs import Flag, Input
from edge.render import ok, to_dict
from edge.routing import Answer, route


class NoticeChoice(Input):
    email: Annotated[bool, Flag(required=True, description="mail me about my classes")]


async def get_choice(request: Request) -> JSONResponse:
    """The caller's choice (everyone is mailed until they say otherwise)."""
    answer = await call(
        deps.clients(request).scheduler.GetNoticePreference,
        scheduler_pb2.GetNoticePreferenceRequest(),
    )
    return ok(to_dict(answer))


async def set_choice(request: Request, body: NoticeChoice) -> JSONResponse:
    """Set the caller's choice."""
    answer = await call(
        deps.clients(request).scheduler.SetNoticePreference,
        scheduler_pb2.SetNoticePreferenceRequest(email_notices=body.email),
    )
    return ok(to_dict(answer))


_PATH = "/api/v1/me/notifications"
routes = [
    route(
        _PATH,
        get_choice,
        methods=["GET"],
        allow=EVERYONE,
        scope="own",
        answers=[Answer(data=scheduler_pb2.NoticePreference)],
    ),
    route(
        _PATH,
        set_choice,
        methods=["PUT"],
        allow=EVERYONE,
        scope="own",
        body=NoticeChoice,
        answers=[Answer(data=scheduler_pb2.NoticePreference)],
    ),
]
