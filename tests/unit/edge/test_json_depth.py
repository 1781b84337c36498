"""A JSON body nested deeper than the edge's limit is a 400 naming the limit, never a 500,
whether it is closed, left open, or hides its brackets in strings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from edge.app import create_app
from edge.body import MAX_DEPTH, nests_deeper_than
from edge.clients import open_clients
from tests.unit.edge.helpers import Services, auth, edge_settings

URL = "/api/v1/batches/b-1/schedule"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def client(tmp_path: Path, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The edge with its default body limit (1 MiB), which deep bodies fit in."""
    settings = edge_settings(tmp_path, services.addresses)
    async with open_clients(settings) as clients:
        transport = httpx.ASGITransport(app=create_app(settings=settings, clients=clients))
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as http:
            yield http


def nested(depth: int) -> bytes:
    """An object whose ``x`` holds arrays down to ``depth`` levels in all."""
    return b'{"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize(
    "body",
    [
        b'{"x":' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # the reported case
        b'{"x":' + b"[" * 200_000,  # never closed
        b"[" * 200_000,  # not even an object
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,  # objects in objects
        nested(MAX_DEPTH + 1),
    ],
    ids=["deep", "unclosed", "bare-array", "objects", "one-too-deep"],
)
async def test_a_body_nested_too_deep_is_400_naming_the_limit(
    client: httpx.AsyncClient, services: Services, body: bytes
) -> None:
    answer = await client.post(URL, content=body, headers={**auth(), **JSON})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert f"more than {MAX_DEPTH} levels" in error["message"]
    assert services.all_calls() == []


async def test_a_body_at_the_limit_is_read(client: httpx.AsyncClient, services: Services) -> None:
    answer = await client.post(URL, content=nested(MAX_DEPTH), headers={**auth(), **JSON})
    # Read and judged on its fields: no date, times or title, so a 400 about those.
    assert answer.status_code == 400
    assert {d["field"] for d in answer.json()["error"]["details"]} >= {"date", "title"}
    assert "levels" not in answer.json()["error"]["message"]


async def test_brackets_inside_strings_do_not_count(
    client: httpx.AsyncClient, services: Services
) -> None:
    title = '[{"\\"' * 10_000  # brackets, quotes and escaped quotes, all inside one string
    body = {"date": "2024-01-15", "start_time": "10:00", "end_time": "11:00", "title": title}
    answer = await client.post(URL, content=json.dumps(body), headers={**auth(), **JSON})
    assert answer.status_code == 400  # the title is too long: the body itself was read
    [detail] = answer.json()["error"]["details"]
    assert detail["field"] == "title"


@pytest.mark.parametrize(
    ("raw", "deeper"),
    [
        (b'{"a": [1, 2, {"b": []}]}', False),
        (nested(MAX_DEPTH), False),
        (nested(MAX_DEPTH + 1), True),
        (b'{"a": "' + b"[" * 1000 + b'"}', False),
        (b'{"a": "\\"' + b"[" * 1000 + b'"}', False),
        (b"[" * 1000, True),
        (b"[]" * 1000, False),
        (b"]" * 1000 + b"[" * 10, False),  # malformed, but never deep: the parser says so
    ],
)
def test_the_scan_counts_nesting_not_brackets(raw: bytes, deeper: bool) -> None:
    assert nests_deeper_than(raw, MAX_DEPTH) is deeper
