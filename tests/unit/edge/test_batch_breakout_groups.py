"""``breakout_groups`` on ``/api/v1/batches``: set on create and with PATCH (its own update-mask
path), checked at the edge as far as the body tells (400 naming what is wrong, the scheduler
not asked), the scheduler's refusals (a student not enrolled) passed on as 400, and who may set
them: staff of the tenant through the scheduler's own checks, never a student."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from classbridge.scheduler.v1 import scheduler_pb2 as pb
from classbridge_common.auth import current_caller, issue_token
from classbridge_common.errors import FieldViolation, InvalidArgument, NotFound, PermissionDenied
from classbridge_common.testing import TEST_TOKEN_TTL
from edge.settings import Settings
from tests.unit.edge.helpers import SECRET, Services, auth, edge_settings


@pytest.fixture
def settings(tmp_path: Path, services: Services) -> Settings:
    """Bodies of a thousand students fit (the suite's default limit is 4 KiB)."""
    return edge_settings(tmp_path, services.addresses, max_body_bytes=256 * 1024)


GROUPS = [
    {"name": "Group A", "student_ids": ["student-1", "student-2"]},
    {"name": "Group B", "student_ids": ["student-3"]},
]


def bearer(subject: str, role: str, tenant: str = "default") -> dict[str, str]:
    token = issue_token(
        ttl=TEST_TOKEN_TTL, subject=subject, secret=SECRET, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


def _update(request: pb.UpdateBatchRequest) -> pb.Batch:
    """The scheduler as it answers each caller (its rules are proved in its own tests): another
    tenant's batch is not found, a teacher of another course may not change it, a student not
    enrolled is refused."""
    caller = current_caller()
    if caller.tenant != "default":
        raise NotFound(resource_type="batch", resource_id=request.batch.id)
    if caller.subject == "teacher-2":
        raise PermissionDenied("the caller may not change this batch")
    for index, group in enumerate(request.batch.breakout_groups):
        for student in group.student_ids:
            if student == "student-404":
                raise InvalidArgument(
                    "batch.breakout_groups is invalid",
                    violations=[
                        FieldViolation(
                            f"batch.breakout_groups[{index}].student_ids",
                            f"student {student!r} is not enrolled in the batch",
                        )
                    ],
                )
    return pb.Batch(
        id=request.batch.id, type=1, breakout_groups=list(request.batch.breakout_groups)
    )


async def patch(client: httpx.AsyncClient, body: Any, headers: dict[str, str]) -> httpx.Response:
    return await client.patch("/api/v1/batches/b-1", json=body, headers=headers)


async def test_patch_sets_the_groups_with_their_own_mask_path(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("UpdateBatch", _update)
    body = {"breakout_groups": [{"name": " Group A ", "student_ids": ["student-1", "student-2"]}]}
    answer = await patch(client, {**body, "name": "Morning"}, auth())
    assert answer.status_code == 200, answer.text
    [sent] = services.scheduler.requests("UpdateBatch")
    assert list(sent.update_mask.paths) == ["name", "breakout_groups"]
    assert [(g.name, list(g.student_ids)) for g in sent.batch.breakout_groups] == [
        ("Group A", ["student-1", "student-2"])
    ]
    assert answer.json()["data"]["breakout_groups"] == [
        {"name": "Group A", "student_ids": ["student-1", "student-2"]}
    ]
    cleared = await patch(client, {"breakout_groups": []}, auth())
    assert cleared.status_code == 200, cleared.text
    last = services.scheduler.requests("UpdateBatch")[-1]
    assert list(last.update_mask.paths) == ["breakout_groups"]
    assert list(last.batch.breakout_groups) == []
    assert cleared.json()["data"]["breakout_groups"] == []


async def test_create_carries_the_groups(client: httpx.AsyncClient, services: Services) -> None:
    services.scheduler.on("CreateBatch", lambda r: r.batch)
    answer = await client.post(
        "/api/v1/batches",
        json={
            "course_id": "c-1",
            "name": "Evening",
            "type": "group",
            "breakout_groups": [{"name": "Red"}, {"name": "Blue", "student_ids": []}],
        },
        headers=auth(),
    )
    assert answer.status_code == 201, answer.text
    [sent] = services.scheduler.requests("CreateBatch")
    assert [g.name for g in sent.batch.breakout_groups] == ["Red", "Blue"]


@pytest.mark.parametrize(
    ("groups", "says"),
    [
        ({"name": "A"}, "must be a list"),
        (["A"], "group 0: must be an object"),
        ([{"student_ids": ["s-1"]}], "group 0: name is required"),
        ([{"name": "  "}], "group 0: name is required"),
        ([{"name": "x" * 101}], "at most 100 characters"),
        ([{"name": "A"}, {"name": "a"}], "name 'a' is also group 0's"),
        ([{"name": "A", "room": 1}], "unknown field 'room'"),
        ([{"name": "A", "student_ids": "s-1"}], "student_ids must be a list of strings"),
        ([{"name": "A", "student_ids": [7]}], "student_ids must be a list of strings"),
        ([{"name": "A", "student_ids": [""]}], "1 to 128 characters"),
        ([{"name": "A", "student_ids": ["s-1", "s-1"]}], "student 's-1' is named twice"),
        (
            [{"name": "A", "student_ids": ["s-1"]}, {"name": "B", "student_ids": ["s-1"]}],
            "group 1 (B): student 's-1' is also in group 0",
        ),
        ([{"name": f"G{i}"} for i in range(51)], "at most 50 breakout groups"),
        (
            [{"name": "All", "student_ids": [f"s-{i}" for i in range(201)]}],
            "at most 200 students in a breakout group",
        ),
        (
            [
                {"name": f"G{g}", "student_ids": [f"s-{g}-{i}" for i in range(200)]}
                for g in range(6)
            ],
            "at most 1000 students in all",
        ),
    ],
)
async def test_bad_groups_are_a_400_naming_the_problem(
    client: httpx.AsyncClient, services: Services, groups: Any, says: str
) -> None:
    services.scheduler.on("UpdateBatch", _update)
    answer = await client.patch(
        "/api/v1/batches/b-1", json={"breakout_groups": groups}, headers=auth()
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert "breakout_groups" in error["message"]
    [detail] = [d for d in error["details"] if d.get("field") == "breakout_groups"]
    assert says in detail["description"]
    assert services.scheduler.calls == []


async def test_a_student_the_batch_does_not_have_is_the_scheduler_s_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("UpdateBatch", _update)
    answer = await patch(
        client, {"breakout_groups": [{"name": "A", "student_ids": ["student-404"]}]}, auth()
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    [detail] = error["details"]
    assert detail["field"] == "batch.breakout_groups[0].student_ids"
    assert "not enrolled" in detail["description"]


@pytest.mark.parametrize(
    ("headers", "status", "asked"),
    [
        ({}, 401, False),
        (bearer("student-1", "student"), 403, False),  # the edge's own rule: staff only
        (bearer("teacher-1", "teacher"), 200, True),
        (bearer("teacher-2", "teacher"), 403, True),  # teaches another course: the scheduler
        (bearer("admin-1", "admin"), 200, True),
        (bearer("admin-9", "admin", "acme"), 404, True),  # another tenant's batch: not found
    ],
)
async def test_who_may_set_the_groups(
    client: httpx.AsyncClient,
    services: Services,
    headers: dict[str, str],
    status: int,
    asked: bool,
) -> None:
    services.scheduler.on("UpdateBatch", _update)
    answer = await patch(client, {"breakout_groups": GROUPS}, headers)
    assert answer.status_code == status, answer.text
    assert bool(services.scheduler.requests("UpdateBatch")) == asked


async def test_a_student_is_refused_before_the_scheduler_is_asked(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.scheduler.on("UpdateBatch", _update)
    answer = await patch(client, {"breakout_groups": GROUPS}, bearer("student-1", "student"))
    assert answer.status_code == 403
    assert services.scheduler.calls == []
    created = await client.post(
        "/api/v1/batches",
        json={"course_id": "c-1", "name": "X", "type": "group", "breakout_groups": GROUPS},
        headers=bearer("student-1", "student"),
    )
    assert created.status_code == 403
    assert services.scheduler.calls == []
