"""Clients that send a whole oversize body before reading the answer, for the 413 tests of the
edge and webhook-ingest: Python's urllib (which also asks for ``Connection: close``) and a raw
socket for the cases no library sends on purpose."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator

SIZE = 8 * 1024 * 1024  # well past what the kernel's socket buffers hold on loopback
CHUNK = 64 * 1024


def chunks(total: int = SIZE) -> Iterator[bytes]:
    """``total`` bytes of JSON-ish filler in pieces (sent chunked when no length is given)."""
    sent = 0
    while sent < total:
        piece = min(CHUNK, total - sent)
        sent += piece
        yield b" " * piece


def _urllib_post(
    url: str, data: bytes | Iterable[bytes], headers: dict[str, str]
) -> tuple[int, bytes]:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("only the test's own loopback server is posted to")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


async def urllib_post(
    url: str, data: bytes | Iterable[bytes], headers: dict[str, str]
) -> tuple[int, bytes]:
    """POST with urllib in a thread: the whole body is written before the answer is read."""
    return await asyncio.to_thread(_urllib_post, url, data, headers)


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer with a Content-Length: its status and body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    return status, await reader.readexactly(length)


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server ends the connection (EOF or reset) within ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True
