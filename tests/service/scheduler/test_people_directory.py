"""The school's people directory through the real gRPC server: admins put, list and remove
people; a bad address or role is INVALID_ARGUMENT and stores nothing; teachers and students are
refused; another tenant's admin sees none of it."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest

from classbridge.scheduler.v1 import scheduler_pb2 as pb


def _person(user_id: str, email: str, role: int = pb.PERSON_ROLE_TEACHER) -> pb.PutPersonRequest:
    return pb.PutPersonRequest(person=pb.Person(user_id=user_id, email=email, role=role, name="T"))


async def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code()


async def test_admins_put_list_and_remove_people(harness) -> None:
    admin = harness.as_("admin")
    made = await harness.stub.PutPerson(_person("teacher-1", "tara@school.test"), metadata=admin)
    assert (made.user_id, made.email, made.role) == (
        "teacher-1",
        "tara@school.test",
        pb.PERSON_ROLE_TEACHER,
    )
    assert made.HasField("create_time")
    again = await harness.stub.PutPerson(  # a PUT replaces
        _person("teacher-1", "tara@new.test", pb.PERSON_ROLE_ADMIN), metadata=admin
    )
    assert (again.email, again.role, again.create_time) == (
        "tara@new.test",
        pb.PERSON_ROLE_ADMIN,
        made.create_time,
    )
    await harness.stub.PutPerson(_person("teacher-2", "tom@school.test"), metadata=admin)
    everyone = await harness.stub.ListPeople(pb.ListPeopleRequest(), metadata=admin)
    assert [p.user_id for p in everyone.people] == ["teacher-1", "teacher-2"]
    admins = await harness.stub.ListPeople(
        pb.ListPeopleRequest(role=pb.PERSON_ROLE_ADMIN), metadata=admin
    )
    assert [p.user_id for p in admins.people] == ["teacher-1"]
    first = await harness.stub.ListPeople(pb.ListPeopleRequest(page_size=1), metadata=admin)
    assert (len(first.people), first.total_size, bool(first.next_page_token)) == (1, 2, True)
    await harness.stub.DeletePerson(pb.DeletePersonRequest(user_id="teacher-2"), metadata=admin)
    assert (
        await _code(
            harness.stub.DeletePerson(pb.DeletePersonRequest(user_id="teacher-2"), metadata=admin)
        )
        == grpc.StatusCode.NOT_FOUND
    )


async def test_bad_people_are_refused_and_nothing_is_stored(harness) -> None:
    admin = harness.as_("admin")
    for bad in (
        _person("", "tara@school.test"),
        _person("teacher-1", "not an address"),
        _person("teacher-1", "tara@school"),
        _person("teacher-1", "tara@school.test", pb.PERSON_ROLE_UNSPECIFIED),
        _person("t" * 129, "tara@school.test"),
    ):
        assert await _code(harness.stub.PutPerson(bad, metadata=admin)) == (
            grpc.StatusCode.INVALID_ARGUMENT
        )
    listed = await harness.stub.ListPeople(pb.ListPeopleRequest(), metadata=admin)
    assert list(listed.people) == []


async def test_only_the_tenants_admins_see_its_directory(harness) -> None:
    await harness.stub.PutPerson(
        _person("teacher-1", "tara@school.test"), metadata=harness.as_("admin")
    )
    for who in ("teacher", "student"):
        assert (
            await _code(harness.stub.ListPeople(pb.ListPeopleRequest(), metadata=harness.as_(who)))
            == grpc.StatusCode.PERMISSION_DENIED
        )
        assert (
            await _code(
                harness.stub.PutPerson(_person("x", "x@school.test"), metadata=harness.as_(who))
            )
            == grpc.StatusCode.PERMISSION_DENIED
        )
    other = await harness.stub.ListPeople(
        pb.ListPeopleRequest(), metadata=harness.as_("acme-admin")
    )
    assert list(other.people) == []
    assert (
        await _code(
            harness.stub.DeletePerson(
                pb.DeletePersonRequest(user_id="teacher-1"), metadata=harness.as_("acme-admin")
            )
        )
        == grpc.StatusCode.NOT_FOUND
    )
