"""The school's people directory (``/api/v1/people``): who Classbridge emails besides students.

A course platform pushes its teachers and admins here — user id, name, email, role — so that a
teacher hears when a class's recording is ready and the admins when a recording could not be
copied. ``PUT /api/v1/people/{user_id}`` creates or replaces one (push everyone again whenever
you like: nothing to read first), ``GET /api/v1/people`` lists them (``role`` to filter), and
``DELETE`` removes one. Students' addresses come with their enrolments. Admins only: it holds
people's addresses.
"""

from __future__ import annotations

from typing import Annotated

from starlette.requests import Request
from starlette.responses import JSONResponse

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN
from edge import deps
from edge.clients import call
from edge.inputs import Choice, Input, Paging, Text
from edge.render import ok, page, to_dict
from edge.routing import Answer, paged, route

ROLES = {
    "admin": scheduler_pb2.PERSON_ROLE_ADMIN,
    "teacher": scheduler_pb2.PERSON_ROLE_TEACHER,
    "student": scheduler_pb2.PERSON_ROLE_STUDENT,
}
ADMINS = (ADMIN,)


class PersonBody(Input):
    """One person, whole (a PUT replaces what was there)."""

    email: Annotated[str, Text(max_length=320, required=True, description="where mail goes")]
    role: Annotated[int, Choice(choices=ROLES, required=True)]
    name: Annotated[str, Text(max_length=200)] = ""


class ListPeople(Paging):
    role: Annotated[int, Choice(choices=ROLES)] = 0


async def put_person(request: Request, body: PersonBody) -> JSONResponse:
    """Create or replace the person ``user_id``."""
    person = scheduler_pb2.Person(
        user_id=request.path_params["user_id"],
        email=body.email,
        role=body.role,  # type: ignore[arg-type]
        name=body.name,
    )
    answer = await call(
        deps.clients(request).scheduler.PutPerson, scheduler_pb2.PutPersonRequest(person=person)
    )
    return ok(to_dict(answer))


async def list_people(request: Request, query: ListPeople) -> JSONResponse:
    """The directory, by user id."""
    answer = await call(
        deps.clients(request).scheduler.ListPeople,
        scheduler_pb2.ListPeopleRequest(
            page_size=query.page_size,
            page_token=query.page_token,
            role=query.role,  # type: ignore[arg-type]
        ),
    )
    return page([to_dict(p) for p in answer.people], answer)


async def delete_person(request: Request) -> JSONResponse:
    """Remove the person ``user_id`` (no more email to them)."""
    await call(
        deps.clients(request).scheduler.DeletePerson,
        scheduler_pb2.DeletePersonRequest(user_id=request.path_params["user_id"]),
    )
    return ok(None)


_ONE = "/api/v1/people/{user_id}"
routes = [
    route(
        "/api/v1/people",
        list_people,
        methods=["GET"],
        allow=ADMINS,
        scope="tenant",
        query=ListPeople,
        answers=[paged(scheduler_pb2.Person, scheduler_pb2.ListPeopleResponse)],
    ),
    route(
        _ONE,
        put_person,
        methods=["PUT"],
        allow=ADMINS,
        scope="tenant",
        body=PersonBody,
        answers=[Answer(data=scheduler_pb2.Person)],
    ),
    route(_ONE, delete_person, methods=["DELETE"], allow=ADMINS, scope="tenant"),
]
