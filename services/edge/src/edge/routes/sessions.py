"""``/api/v1/sessions``: read, list, change and cancel sessions (scheduler)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.common.v1 import common_pb2
from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import class_length, deps
from edge.access import EVERYONE, STAFF
from edge.clients import call
from edge.inputs import (
    Choice,
    Choices,
    Flag,
    Input,
    Instant,
    Integer,
    Paging,
    ProtoMessage,
    Text,
    Timezone,
)
from edge.render import enum_choices, no_store, ok, page, to_dict
from edge.routing import Answer, paged, route
from edge.views import Rendered, View

SESSION_STATUSES = enum_choices(scheduler_pb2.SessionStatus.DESCRIPTOR, "SESSION_STATUS_")
AUTO_RECORDING = enum_choices(common_pb2.AutoRecording.DESCRIPTOR, "AUTO_RECORDING_")

# Body keys of PATCH and the update-mask paths they set (the scheduler's updatable fields).
UPDATABLE = (
    "title",
    "description",
    "teacher_id",
    "scheduled_start",
    "scheduled_end",
    "timezone",
    "max_participants",
    "auto_recording",
    "meeting_settings",
    "status",
)

Warnings = list[Annotated[dict[str, Any], Rendered(scheduler_pb2.Warning)]]


def render_warnings(warnings: Any) -> list[dict[str, Any]]:
    return [to_dict(w) for w in warnings]


class SessionChange(View):
    """A session after a change, with what Zoom could not do (the change stands)."""

    session: Annotated[dict[str, Any], Rendered(scheduler_pb2.Session)]
    warnings: Warnings


def session_change(answer: Any) -> dict[str, Any]:
    return SessionChange(
        session=to_dict(answer.session), warnings=render_warnings(answer.warnings)
    ).show()


class SessionPatch(Input):
    """Only the fields named change (unknown keys are ignored); a body moving both ends must
    keep the class at most ``MAX_CLASS_MINUTES`` long."""

    title: Annotated[str, Text(max_length=500, required=True)] = ""
    description: Annotated[str, Text(max_length=10_000)] = ""
    teacher_id: Annotated[str, Text(max_length=500)] = ""
    scheduled_start: Annotated[Any, Instant(required=True)] = None
    scheduled_end: Annotated[Any, Instant(required=True)] = None
    timezone: Annotated[str, Timezone()] = ""
    max_participants: Annotated[int, Integer(minimum=0, maximum=100_000)] = 0
    auto_recording: Annotated[int, Choice(choices=AUTO_RECORDING, required=True)] = 0
    meeting_settings: Annotated[
        common_pb2.MeetingSettings | None, ProtoMessage(message=common_pb2.MeetingSettings)
    ] = None
    status: Annotated[int, Choice(choices=SESSION_STATUSES, required=True)] = 0
    skip_zoom_sync: Annotated[bool, Flag(description="change the session, not the meeting")] = False

    def session(self, session_id: str) -> tuple[scheduler_pb2.Session, list[str]]:
        """The session fields and mask paths the body sets."""
        session = scheduler_pb2.Session(id=session_id)
        paths = self.present(*UPDATABLE)
        self.copy_onto(session, paths)
        return session, paths

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        session, paths = self.session("")
        yield from class_length.check_moved_ends(
            session,
            names=("scheduled_start", "scheduled_end"),
            limit=class_length.longest(request),
        )
        if not paths:
            names = ", ".join(UPDATABLE)
            yield FieldViolation("body", f"names none of the updatable fields: {names}")


class ListSessions(Paging):
    course_id: Annotated[str, Text(max_length=128)] = ""
    batch_id: Annotated[str, Text(max_length=128)] = ""
    teacher_id: Annotated[str, Text(max_length=128)] = ""
    student_id: Annotated[str, Text(max_length=128)] = ""
    status: Annotated[
        list[int], Choices(choices=SESSION_STATUSES, description="repeated or comma-separated")
    ] = []
    descending: Annotated[bool, Flag()] = False
    start_after: Annotated[Any, Instant()] = None
    start_before: Annotated[Any, Instant()] = None

    def request(self) -> scheduler_pb2.ListSessionsRequest:
        found = scheduler_pb2.ListSessionsRequest(
            page_size=self.page_size,
            page_token=self.page_token,
            course_id=self.course_id,
            batch_id=self.batch_id,
            teacher_id=self.teacher_id,
            student_id=self.student_id,
            statuses=self.status,  # type: ignore[arg-type]
            descending=self.descending,
        )
        for name in ("start_after", "start_before"):
            stamp = getattr(self, name)
            if stamp is not None:
                getattr(found, name).CopyFrom(stamp)
        return found


class CancelQuery(Input):
    reason: Annotated[str, Text(max_length=1000)] = ""
    notify_participants: Annotated[bool, Flag()] = False


class CancelBody(Input):
    """Optional: the same fields as the query string, which they override."""

    reason: Annotated[str, Text(max_length=1000)] = ""
    notify_participants: Annotated[bool | None, Flag()] = None


async def get_session(request: Request) -> JSONResponse:
    """One session."""
    answer = await call(
        deps.clients(request).scheduler.GetSession,
        scheduler_pb2.GetSessionRequest(session_id=request.path_params["session_id"]),
    )
    return ok(to_dict(answer))


async def list_sessions(request: Request, query: ListSessions) -> JSONResponse:
    """The sessions the caller may see."""
    answer = await call(deps.clients(request).scheduler.ListSessions, query.request())
    return page([to_dict(s) for s in answer.sessions], answer)


async def update_session(request: Request, body: SessionPatch) -> JSONResponse:
    """Change the fields the body names (and the Zoom meeting with them)."""
    session, paths = body.session(request.path_params["session_id"])
    answer = await call(
        deps.clients(request).scheduler.UpdateSession,
        scheduler_pb2.UpdateSessionRequest(
            session=session,
            update_mask=field_mask_pb2.FieldMask(paths=paths),
            skip_zoom_sync=body.skip_zoom_sync,
        ),
    )
    return ok(session_change(answer))


async def cancel_session(request: Request, query: CancelQuery, body: CancelBody) -> JSONResponse:
    """Cancel a session (a session is never erased).

    ``reason`` and ``notify_participants`` from the query string or an optional JSON body.
    """
    notify = body.notify_participants
    answer = await call(
        deps.clients(request).scheduler.CancelSession,
        scheduler_pb2.CancelSessionRequest(
            session_id=request.path_params["session_id"],
            reason=body.reason or query.reason,
            notify_participants=query.notify_participants if notify is None else notify,
        ),
    )
    return ok(session_change(answer))


async def start_url(request: Request) -> JSONResponse:
    """The host's start link: fetched fresh each time, never cached by anyone."""
    answer = await call(
        deps.clients(request).scheduler.GetStartUrl,
        scheduler_pb2.GetStartUrlRequest(session_id=request.path_params["session_id"]),
    )
    return ok(to_dict(answer), headers=no_store())


async def join_url(request: Request) -> JSONResponse:
    """The caller's link to join the class.

    A student of the batch gets their own registration link once registered (``registered``:
    Zoom then knows them by it, so their attendance counts), else the meeting's link; the
    session's teachers and the tenant's admins the meeting's link (the host starts the meeting
    with ``/start-url``). A student's link is a credential: sent with ``Cache-Control:
    no-store`` and never logged. 409 (``FAILED_PRECONDITION``) without a meeting, or once the
    class was cancelled or has ended.
    """
    answer = await call(
        deps.clients(request).scheduler.GetJoinUrl,
        scheduler_pb2.GetJoinUrlRequest(session_id=request.path_params["session_id"]),
    )
    return ok(to_dict(answer), headers=no_store())


_ONE = "/api/v1/sessions/{session_id}"
CHANGE = Answer(data=SessionChange)
routes = [
    route(
        "/api/v1/sessions",
        list_sessions,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        query=ListSessions,
        answers=[paged(scheduler_pb2.Session, scheduler_pb2.ListSessionsResponse)],
    ),
    route(
        _ONE,
        get_session,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=scheduler_pb2.Session)],
    ),
    route(
        _ONE,
        update_session,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        body=SessionPatch,
        answers=[CHANGE],
    ),
    route(
        _ONE,
        cancel_session,
        methods=["DELETE"],
        allow=STAFF,
        scope="resource",
        query=CancelQuery,
        body=CancelBody,
        body_optional=True,
        answers=[CHANGE],
    ),
    route(
        _ONE + "/join",
        join_url,
        methods=["GET"],
        allow=EVERYONE,
        scope="resource",
        answers=[Answer(data=scheduler_pb2.GetJoinUrlResponse, no_store=True)],
    ),
    route(
        _ONE + "/start-url",
        start_url,
        methods=["GET"],
        allow=STAFF,
        scope="resource",
        answers=[Answer(data=scheduler_pb2.GetStartUrlResponse, no_store=True)],
    ),
]
