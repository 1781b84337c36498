"""A body over the limit is answered 413 with the JSON error, on a real socket, to clients that
write their whole body before reading (urllib) as to those that do not (httpx), with or without
a Content-Length; and the lingering read that makes this work is bounded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.http import bind_socket, serving_http
from edge.app import create_app
from edge.bootstrap import Running, running
from edge.clients import open_clients
from tests.unit.edge.helpers import Services, auth, edge_settings
from tests.unit.edge.oversize import SIZE, chunks, closed_within, read_answer, urllib_post

PATH = "/api/v1/batches/b-1/schedule"
HEADERS = {**auth(), "Content-Type": "application/json"}


@pytest.fixture
async def edge(tmp_path: Path, services: Services) -> AsyncIterator[Running]:
    """The edge serving on a real port, with its default body limit (1 MiB)."""
    async with running(edge_settings(tmp_path, services.addresses)) as started:
        yield started


def assert_payload_too_large(status: int, body: bytes) -> None:
    assert status == 413, body[:200]
    assert json.loads(body) == {
        "success": False,
        "error": {
            "code": "PAYLOAD_TOO_LARGE",
            "message": "the body is larger than 1048576 bytes",
            "details": [],
        },
    }


async def test_urllib_sending_a_whole_oversize_body_reads_the_413(
    edge: Running, services: Services
) -> None:
    for _ in range(3):  # every time, not by luck of timing
        status, body = await urllib_post(edge.http_url + PATH, b" " * SIZE, HEADERS)
        assert_payload_too_large(status, body)
    assert services.all_calls() == []


async def test_urllib_sending_an_oversize_chunked_body_reads_the_413(edge: Running) -> None:
    status, body = await urllib_post(edge.http_url + PATH, chunks(), HEADERS)  # no length
    assert_payload_too_large(status, body)


async def test_httpx_gets_the_413_and_keeps_its_connection(
    edge: Running, services: Services
) -> None:
    services.scheduler.on("GetSession", lambda r: scheduler_pb2.Session(id=r.session_id))
    async with httpx.AsyncClient(base_url=edge.http_url, timeout=30) as http:
        whole = await http.post(PATH, content=b" " * SIZE, headers=HEADERS)
        assert_payload_too_large(whole.status_code, whole.content)

        async def streamed() -> AsyncIterator[bytes]:
            for piece in chunks():
                yield piece

        chunked = await http.post(PATH, content=streamed(), headers=HEADERS)
        assert_payload_too_large(chunked.status_code, chunked.content)
        after = await http.get("/api/v1/sessions/s-1", headers=auth())
        assert after.status_code == 200


@pytest.fixture
async def short_drain(tmp_path: Path, services: Services) -> AsyncIterator[tuple[str, int]]:
    """The edge app served with a small lingering budget: 1 MiB, 1 second."""
    settings = edge_settings(tmp_path, services.addresses)
    async with open_clients(settings) as clients:
        app = create_app(settings=settings, clients=clients)
        sock = bind_socket("127.0.0.1", 0)
        async with serving_http(app, sock, drain_bytes=1024 * 1024, drain_seconds=1) as port:
            yield "127.0.0.1", port


def _head(length: int, *extra: str) -> bytes:
    lines = [
        f"POST {PATH} HTTP/1.1",
        "Host: edge.test",
        f"Authorization: {HEADERS['Authorization']}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_a_body_declared_past_the_drain_budget_is_not_waited_for(
    short_drain: tuple[str, int],
) -> None:
    reader, writer = await asyncio.open_connection(*short_drain)
    try:
        writer.write(_head(1024**3) + b" " * 1000)  # a gibibyte announced, a kilobyte sent
        await writer.drain()
        status, body = await asyncio.wait_for(read_answer(reader), 5)
        assert status == 413
        assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    finally:
        writer.close()


async def test_a_trickling_body_is_cut_off_after_the_drain_time(
    short_drain: tuple[str, int],
) -> None:
    reader, writer = await asyncio.open_connection(*short_drain)
    started = time.monotonic()

    async def trickle() -> None:
        for _ in range(100):  # 20 s at this pace, were it allowed
            writer.write(b" " * 10)
            await writer.drain()
            await asyncio.sleep(0.2)

    writer.write(_head(2 * 1024 * 1024, "Connection: close"))  # declared within the budget
    feeding = asyncio.create_task(trickle())
    try:
        status, _ = await asyncio.wait_for(read_answer(reader), 5)
        assert status == 413  # written at once, before any draining
        assert await closed_within(reader, 5)
        assert time.monotonic() - started < 4  # about the 1-second budget, not 20
    finally:
        feeding.cancel()
        writer.close()


async def test_a_client_expecting_100_continue_gets_the_413_without_sending_the_body(
    short_drain: tuple[str, int],
) -> None:
    reader, writer = await asyncio.open_connection(*short_drain)
    try:
        writer.write(_head(SIZE, "Expect: 100-continue", "Connection: close"))
        await writer.drain()
        started = time.monotonic()
        status, _ = await asyncio.wait_for(read_answer(reader), 5)
        assert status == 413  # not "100 Continue": the body is not wanted
        assert await closed_within(reader, 5)
        assert time.monotonic() - started < 0.9  # closed without waiting out the drain time
    finally:
        writer.close()
