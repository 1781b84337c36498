"""The edge fuzzed from its own OpenAPI document, against the whole running stack.

schemathesis reads ``/openapi.json`` from a running edge and, for every operation, sends
requests generated from its schema — valid ones (positive) and ones that break it (negative:
wrong types, missing fields, bad formats) — with tokens of the roles the route admits, about
random ids and about the seeded tenant's real ones. Each answer must not be a 5xx (a client
can never make the edge fail) and must be what the document says: a documented status and
media type, and a body matching its schema.

Bounds: ``EXAMPLES`` positive cases per operation for each of up to ``ROLES_PER_OPERATION``
roles and ``EXAMPLES`` negative ones for the first, no shrinking, derandomized (the same cases
every run), and a wall-clock budget after which the remaining operations are not started (the
test fails if the budget cut more than a few). DELETEs run last, so the seeded world is there
for the rest. About 600 requests, 30 to 40 seconds on two cores.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from classbridge_common.auth import issue_token
from classbridge_common.authz import roles_admit
from devstack.stack import Stack

EXAMPLES = 3
ROLES_PER_OPERATION = 2
BUDGET_SECONDS = 60.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PERSONAS = {
    "admin": ("admin-1", ("admin",)),
    "teacher": ("teacher-1", ("teacher",)),
    "student": ("student-1", ("student",)),
    "operator": ("operator-1", ("operator",)),
}

EXCLUDED: dict[str, str] = {}
"""Operations left out of the fuzz (``"METHOD /path"``: the defect, in a service the edge only
calls). Empty: every operation is fuzzed."""


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)
    fuzzed: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    http_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def _token(stack: Stack, persona: str) -> str:
    subject, roles = PERSONAS[persona]
    return issue_token(
        subject=subject, secret=stack.secrets.auth_jwt_secret, roles=roles, tenant="default"
    )


async def _seed(stack: Stack, edge: httpx.AsyncClient) -> dict[str, str]:
    """One course taught by teacher-1, a batch student-1 attends, a class with a resource."""
    admin = {"Authorization": f"Bearer {_token(stack, 'admin')}"}

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await edge.post(path, json=body, headers=admin)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()["data"]  # type: ignore[no-any-return]

    course = await post("/api/v1/courses", {"title": "Algebra", "instructor_ids": ["teacher-1"]})
    batch = await post(
        "/api/v1/batches",
        {"course_id": course["id"], "name": "A1", "type": "group", "instructor_id": "teacher-1"},
    )
    await post(f"/api/v1/batches/{batch['id']}/enrollments", {"student_id": "student-1"})
    scheduled = await post(
        f"/api/v1/batches/{batch['id']}/schedule",
        {"date": "2030-01-15", "start_time": "10:00", "end_time": "11:00", "title": "Lesson 1"},
    )
    session_id = scheduled["session"]["id"]
    resource = await post(
        f"/api/live-classes/{session_id}/resources",
        {"resourceType": "link", "title": "Notes", "url": "https://example.org/notes"},
    )
    return {
        "course_id": course["id"],
        "batch_id": batch["id"],
        "session_id": session_id,
        "class_id": session_id,
        "student_id": "student-1",
        "resource_id": resource["id"],
        "tenant_id": "me",
    }


def _personas(operation: Any) -> list[str | None]:
    """Up to ``ROLES_PER_OPERATION`` callers the route admits (``None``: no token)."""
    access = operation.definition.raw.get("x-classbridge-access", {})
    if access.get("scope") == "public":
        return [None]
    roles = frozenset(access.get("roles", ()))
    admitted = [p for p, (_, r) in PERSONAS.items() if roles_admit(roles, r)]
    return list(admitted[:ROLES_PER_OPERATION])


def _fuzz(base_url: str, document: dict[str, Any], tokens: dict[str, str], ids: dict[str, str]):  # type: ignore[no-untyped-def]
    """Every operation, each with its callers, in both modes; returns what went wrong."""
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    findings = Findings()
    session = requests.Session()
    started = time.monotonic()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        if label in EXCLUDED:
            continue
        if time.monotonic() - started > BUDGET_SECONDS:
            findings.cut.append(label)
            continue
        findings.fuzzed.append(label)
        for n, persona in enumerate(_personas(operation)):
            headers = {"Authorization": f"Bearer {tokens[persona]}"} if persona else {}
            modes = [schemathesis.GenerationMode.POSITIVE]
            if n == 0:  # broken requests once per operation: the edge refuses them before any role
                modes.append(schemathesis.GenerationMode.NEGATIVE)
            for mode in modes:
                _run(operation, mode, base_url, headers, session, ids, findings, persona)
    return findings


def _run(
    operation: Any,
    mode: Any,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    ids: dict[str, str],
    findings: Findings,
    persona: str | None,
) -> None:
    label = f"{operation.method.upper()} {operation.path} as {persona or 'anyone'} ({mode.value})"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real_ids=st.booleans())
    def fuzz(case: Any, real_ids: bool) -> None:
        if real_ids and case.path_parameters:
            for name in list(case.path_parameters):
                if name in ids:
                    case.path_parameters[name] = ids[name]
        sent = time.monotonic()
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        findings.http_seconds += time.monotonic() - sent
        findings.statuses[response.status_code] = findings.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:
        pass  # nothing to break: no parameter and no body (negative mode only)
    except Exception as exc:  # a failed check, with the request that shows it
        findings.failures.append(f"{label}:\n{str(exc)[:1500]}")


@pytest.mark.timeout(240)
async def test_every_operation_survives_its_own_schema(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as edge:
        answer = await edge.get("/openapi.json")
        assert answer.status_code == 200
        document = answer.json()
        ids = await _seed(stack, edge)
    tokens = {persona: _token(stack, persona) for persona in PERSONAS}
    started = time.monotonic()
    findings = await asyncio.to_thread(_fuzz, stack.edge_url, document, tokens, ids)
    took = time.monotonic() - started
    print(
        f"fuzzed {len(findings.fuzzed)} operations with {findings.requests} requests in "
        f"{took:.1f} s ({findings.http_seconds:.1f} s waiting for answers); statuses: "
        f"{dict(sorted(findings.statuses.items()))}; not started (budget): {len(findings.cut)}"
    )
    assert not findings.failures, "\n\n".join(findings.failures)
    assert len(findings.cut) <= 3, f"the time budget cut: {', '.join(findings.cut)}"
