"""The people directory at the edge: a PUT becomes the scheduler's PutPerson with the path's
user id, a bad body is refused before the scheduler is asked, the list passes its role and
paging, and only admins get through."""

from __future__ import annotations

import httpx

from classbridge.scheduler.v1 import scheduler_pb2
from tests.unit.edge.helpers import Services, auth

ADMIN = auth("admin-1", roles=("admin",))


async def test_a_put_is_the_scheduler_s_put_person(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("PutPerson", lambda r: r.person)
    answer = await client.put(
        "/api/v1/people/teacher-7",
        json={"email": "tara@school.test", "role": "teacher", "name": "Tara"},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["user_id"] == "teacher-7"
    [sent] = services.scheduler.requests("PutPerson")
    assert sent.person == scheduler_pb2.Person(
        user_id="teacher-7",
        email="tara@school.test",
        role=scheduler_pb2.PERSON_ROLE_TEACHER,
        name="Tara",
    )


async def test_a_bad_body_or_a_non_admin_never_reaches_the_scheduler(
    client: httpx.AsyncClient, services: Services
) -> None:
    for body in ({"role": "teacher"}, {"email": "a@b.test", "role": "janitor"}, {}):
        answer = await client.put("/api/v1/people/t-1", json=body, headers=ADMIN)
        assert answer.status_code == 400, answer.text
    for headers in (auth(), auth("student-1", roles=("student",))):
        answer = await client.get("/api/v1/people", headers=headers)
        assert answer.status_code == 403, answer.text
    assert services.scheduler.calls == []


async def test_the_list_passes_its_role_and_paging(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on(
        "ListPeople",
        lambda r: scheduler_pb2.ListPeopleResponse(
            people=[scheduler_pb2.Person(user_id="admin-1")], total_size=1
        ),
    )
    answer = await client.get("/api/v1/people?role=admin&page_size=10", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    assert [p["user_id"] for p in answer.json()["data"]] == ["admin-1"]
    assert services.scheduler.requests("ListPeople") == [
        scheduler_pb2.ListPeopleRequest(page_size=10, role=scheduler_pb2.PERSON_ROLE_ADMIN)
    ]
