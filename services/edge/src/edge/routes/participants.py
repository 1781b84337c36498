"""``/api/v1/sessions/{session_id}/participants/{participant_id}``: the teacher marks what Zoom
does not report (scheduler ``UpdateParticipant``).

Zoom sends no webhook when someone raises their hand, so ``raised_hand`` is only ever set here;
``shared_screen`` is set by Zoom's sharing events and may be corrected here. The session's
teachers and the tenant's admins may; students may not (403), and another tenant's session is
404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from google.protobuf import field_mask_pb2
from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.errors import FieldViolation
from edge import deps
from edge.access import STAFF
from edge.clients import call
from edge.inputs import Flag, Input
from edge.render import ok, to_dict
from edge.routing import Answer, route

#: Body keys of the PATCH, each the participant field (and update-mask path) it sets.
UPDATABLE = ("raised_hand", "shared_screen")


class ParticipantPatch(Input):
    """Only the fields named change (unknown keys are ignored); at least one must be named, and
    a field named is ``true`` or ``false`` (``null`` is refused)."""

    raised_hand: Annotated[
        bool, Flag(required=True, description="raised their hand during the class")
    ] = False
    shared_screen: Annotated[
        bool, Flag(required=True, description="shared their screen or content during the class")
    ] = False

    def problems(self, request: Request) -> Iterable[FieldViolation]:
        if not self.present(*UPDATABLE):
            yield FieldViolation("body", f"names none of the fields: {', '.join(UPDATABLE)}")


async def update_participant(request: Request, body: ParticipantPatch) -> JSONResponse:
    """Mark a participant's raised hand or screen sharing.

    Sets the fields the body names on one participant record of the session and answers the
    record. Zoom reports screen sharing (``shared_screen`` turns true by itself) but not raised
    hands, so the teacher marks those. The session's teachers and the tenant's admins may;
    students get 403, a participant of another session 404, and another tenant's session 404.
    """
    paths = body.present(*UPDATABLE)
    participant = scheduler_pb2.Participant(
        id=request.path_params["participant_id"],
        session_id=request.path_params["session_id"],
    )
    body.copy_onto(participant, paths)
    answer = await call(
        deps.clients(request).scheduler.UpdateParticipant,
        scheduler_pb2.UpdateParticipantRequest(
            participant=participant, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    )
    return ok(to_dict(answer))


routes = [
    route(
        "/api/v1/sessions/{session_id}/participants/{participant_id}",
        update_participant,
        methods=["PATCH"],
        allow=STAFF,
        scope="resource",
        body=ParticipantPatch,
        answers=[Answer(data=scheduler_pb2.Participant)],
    ),
]
