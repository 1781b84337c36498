"""Serving local-disk recordings over HTTP: ``GET /files/{key}?exp=…&sig=…[&dl=…][&ct=…]``.

With S3, players fetch recordings from the bucket through presigned URLs. With local storage (the
embedded default) there is no bucket, so recording-sync serves the files itself, with the same
shape of guarantee: the URL is signed (HMAC-SHA256 over key, expiry, download name and content
type — see ``storage_local.sign_resource``), compared in constant time, and worthless after it
expires. Anything wrong with the signature is 403, and checked before the key is even looked at,
so an unsigned caller cannot learn which keys exist.

Files are streamed from an open handle (a replaced key never mixes two versions in one answer)
with ``Content-Length``, a single ``Range`` (206, or 416 when unsatisfiable; several ranges get
the whole file, as RFC 9110 allows) and ``Cache-Control: private, no-store``. No URL is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from classbridge_common.errors import PermissionDenied
from classbridge_common.http import bind_socket, serving_http
from recording_sync.adapters.storage import LocalStorage, ObjectStorage, create_storage
from recording_sync.adapters.storage_base import content_disposition, validate_key
from recording_sync.adapters.storage_local import OpenedObject, verify_resource
from recording_sync.settings import Settings

__all__ = ["create_files_app", "serving_storage"]

log = logging.getLogger(__name__)

READ_BLOCK_BYTES = 256 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_NO_STORE = {"Cache-Control": "private, no-store"}


def create_files_app(storage: LocalStorage, key: bytes) -> Starlette:
    """The files app for ``storage``; ``key`` verifies the URLs ``storage.signed_url`` signs."""

    async def serve(request: Request) -> Response:
        object_key = request.path_params["key"]
        query = request.query_params
        exp, sig = query.get("exp", ""), query.get("sig", "")
        download_name, content_type = query.get("dl"), query.get("ct")
        try:
            verify_resource(
                key,
                object_key,
                exp=exp,
                sig=sig,
                download_name=download_name,
                content_type=content_type,
            )
        except PermissionDenied as exc:
            return PlainTextResponse(exc.message, status_code=403, headers=_NO_STORE)
        try:
            validate_key(object_key)
        except ValueError:
            return PlainTextResponse("not found", status_code=404, headers=_NO_STORE)
        opened = await storage.open(object_key)
        if opened is None:
            return PlainTextResponse("not found", status_code=404, headers=_NO_STORE)
        try:
            return _respond(request, opened, download_name=download_name, content_type=content_type)
        except BaseException:
            opened.handle.close()
            raise

    return Starlette(routes=[Route("/files/{key:path}", serve, methods=["GET"])])


def _respond(
    request: Request,
    opened: OpenedObject,
    *,
    download_name: str | None,
    content_type: str | None,
) -> Response:
    size = opened.size
    headers = {
        **_NO_STORE,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(download_name),
        "X-Content-Type-Options": "nosniff",
    }
    media_type = content_type or opened.content_type
    start, end, status = 0, size - 1, 200
    wanted = _parse_range(request.headers.get("range"), size)
    if wanted == "unsatisfiable":
        opened.handle.close()
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if isinstance(wanted, tuple):
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1 if size else 0)
    body = _read(opened, start, end + 1) if request.method != "HEAD" else _nothing(opened)
    return StreamingResponse(body, status_code=status, headers=headers, media_type=media_type)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` inclusive, ``"unsatisfiable"``, or ``None`` to send the whole file."""
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if match is None:
        return None  # several ranges, or not bytes: RFC 9110 lets us answer with everything
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return (max(0, size - length), size - 1) if size else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # invalid: ignore the header
    if start >= size:
        return "unsatisfiable"
    return start, end


async def _read(opened: OpenedObject, start: int, stop: int) -> AsyncIterator[bytes]:
    handle = opened.handle
    try:
        await asyncio.to_thread(handle.seek, start)
        position = start
        while position < stop:
            block = await asyncio.to_thread(handle.read, min(READ_BLOCK_BYTES, stop - position))
            if not block:
                break
            position += len(block)
            yield block
    finally:
        handle.close()


async def _nothing(opened: OpenedObject) -> AsyncIterator[bytes]:
    opened.handle.close()
    nothing: tuple[bytes, ...] = ()  # iterated so that this is an async generator (of no blocks)
    for block in nothing:
        yield block


@asynccontextmanager
async def serving_storage(settings: Settings) -> AsyncIterator[tuple[ObjectStorage, int | None]]:
    """The service's storage, entered; with local storage also the files server, whose port is
    yielded (``None`` with S3). Used by ``bootstrap.running``. The storage is checked first:
    its bucket (or folder) must exist and be writable."""
    if settings.uses_s3:
        async with create_storage(settings) as storage:
            # A missing bucket stops the start with a message naming it (or is created when
            # S3_CREATE_BUCKET allows), instead of failing every copy later.
            await storage.ensure_ready(create=settings.s3_create_bucket)
            yield storage, None
        return
    sock = bind_socket(settings.files_http_host, settings.files_http_port)
    try:
        port = sock.getsockname()[1]
        local = create_storage(settings, files_url=settings.files_base_url(port))
        assert isinstance(local, LocalStorage)
        app = create_files_app(local, settings.files_signing_key())
    except BaseException:
        with contextlib.suppress(OSError):
            sock.close()
        raise
    async with local, serving_http(app, sock, name="recording-sync-files") as bound:
        log.info("recording-sync serving local recordings on port %d", bound)
        yield local, bound
