"""A webhook body over the limit is answered 413 with the JSON error on a real socket, to a
client that writes its whole body before reading (urllib) as to one that does not (httpx),
with or without a Content-Length."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from tests.unit.edge.oversize import SIZE, chunks, urllib_post
from tests.unit.webhook_ingest.helpers import signed_headers
from webhook_ingest.bootstrap import Running

PAYLOAD_TOO_LARGE = {"error": "payload_too_large", "message": "the body exceeds the size limit"}


def _headers() -> dict[str, str]:
    return signed_headers(b"{}")  # the size is judged first: the signature is never looked at


async def test_urllib_sending_a_whole_oversize_webhook_reads_the_413(
    service: Running, client: httpx.AsyncClient
) -> None:
    for path in ("/zoom/webhook", "/zoom/webhook/default"):
        status, body = await urllib_post(service.http_url + path, b" " * SIZE, _headers())
        assert status == 413, body[:200]
        assert json.loads(body) == PAYLOAD_TOO_LARGE


async def test_urllib_sending_an_oversize_chunked_webhook_reads_the_413(
    service: Running,
) -> None:
    status, body = await urllib_post(service.http_url + "/zoom/webhook", chunks(), _headers())
    assert status == 413, body[:200]
    assert json.loads(body) == PAYLOAD_TOO_LARGE


async def test_httpx_gets_the_413_whole_or_chunked_and_keeps_its_connection(
    client: httpx.AsyncClient,
) -> None:
    whole = await client.post("/zoom/webhook", content=b" " * SIZE, headers=_headers())
    assert (whole.status_code, whole.json()) == (413, PAYLOAD_TOO_LARGE)

    async def streamed() -> AsyncIterator[bytes]:
        for piece in chunks():
            yield piece

    chunked = await client.post("/zoom/webhook", content=streamed(), headers=_headers())
    assert (chunked.status_code, chunked.json()) == (413, PAYLOAD_TOO_LARGE)
    assert (await client.get("/healthz")).status_code == 200
