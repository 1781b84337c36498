"""A 2xx answer is not yet the recording: the downloader refuses an HTML page, a JSON body where
the file is not JSON, and a Content-Length other than the size Zoom listed — before any byte is
stored, and without the URL's query or the token in the error.

The answers come from a real HTTP server (a small Starlette app under uvicorn on a free port),
the bytes go through a real local storage, as in the sync pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from classbridge.common.v1 import common_pb2
from classbridge_common.http import bind_socket, serving_http
from recording_sync.adapters.downloader import Downloader
from recording_sync.adapters.storage import LocalStorage
from recording_sync.domain.model import DownloadAccess, SyncFailure

TOKEN = "zoom-download-token-do-not-log"
HTML = b"<!DOCTYPE html><html><body>This recording does not exist.</body></html>"
JSON_ERROR = b'{"status":false,"errorCode":3301,"errorMessage":"No file."}'  # 59 bytes, as seen
MP4 = bytes(range(256)) * 8  # 2048 bytes
TIMELINE = b'{"timeline":[{"ts":"00:00:01.000","users":[]}]}'


async def answer(request: Request) -> Response:
    """One path per kind of answer Zoom (or its CDN) has been seen to give."""
    kind = request.path_params["kind"]
    if kind == "moved":
        # A redirect with an HTML body of its own: only the final answer is judged.
        return Response(
            b"<html>moved</html>",
            status_code=302,
            media_type="text/html",
            headers={"location": "/cdn/deleted.mp4?Signature=cdn-secret&Expires=1"},
        )
    bodies = {
        "deleted.mp4": (HTML, "text/html"),
        "xhtml.mp4": (HTML, "application/xhtml+xml"),
        "error.mp4": (JSON_ERROR, "application/json"),
        "problem.mp4": (JSON_ERROR, "application/problem+json"),
        "lesson.mp4": (MP4, "video/mp4"),
        "octets.mp4": (MP4, "application/octet-stream"),
        "timeline.json": (TIMELINE, "application/json"),
        "chat.txt": (b"10:00:01 Ana: hola\n", "text/plain"),
    }
    body, media_type = bodies[kind]
    return Response(body, media_type=media_type)


@pytest.fixture
async def zoom() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/rec/{kind}", answer), Route("/cdn/{kind}", answer)])
    async with serving_http(app, bind_socket("127.0.0.1", 0), graceful_shutdown=1) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[LocalStorage]:
    local = LocalStorage(
        tmp_path / "storage", signing_key=b"download-checks-signing-key-0123", public_url="http://x"
    )
    async with local:
        yield local


@pytest.fixture
async def downloader() -> AsyncIterator[Downloader]:
    client = Downloader(local_hosts=())
    try:
        yield client
    finally:
        await client.close()


def access(base: str, path: str, *, extension: str, size: int) -> DownloadAccess:
    return DownloadAccess(
        url=f"{base}{path}?access_token={TOKEN}&type=secret-query",
        token=TOKEN,
        credential_hosts=("127.0.0.1",),
        redirect_hosts=("127.0.0.1",),
        size=size,
        extension=extension,
    )


async def copy(
    downloader: Downloader, storage: LocalStorage, file: DownloadAccess, key: str
) -> int:
    """The pipeline's copy of one file; returns the bytes stored."""
    async with downloader.open(file) as chunks:
        stored = await storage.put_stream(
            key, chunks, content_type="video/mp4", expected_size=file.size or None
        )
    return stored.size


@pytest.mark.parametrize(
    ("path", "extension", "size", "refusal"),
    [
        ("/rec/deleted.mp4", "MP4", 0, "Zoom answered an HTML page instead of the MP4 file"),
        ("/rec/deleted.mp4", "MP4", len(HTML), "HTML page instead of the MP4 file"),
        ("/rec/xhtml.mp4", "MP4", 0, "HTML page"),
        ("/rec/deleted.mp4", "JSON", 0, "HTML page instead of the JSON file"),  # HTML: always
        ("/rec/deleted.mp4", "", 0, "HTML page instead of the file"),
        ("/rec/moved", "MP4", 0, "HTML page instead of the MP4 file"),  # after a redirect
        ("/rec/error.mp4", "MP4", 0, "JSON body instead of the MP4 file"),
        ("/rec/problem.mp4", "M4A", 0, "JSON body instead of the M4A file"),
        ("/rec/error.mp4", "", 1_234_567, "announced 59 bytes instead of the 1234567"),
        ("/rec/lesson.mp4", "MP4", len(MP4) + 1, f"announced {len(MP4)} bytes instead of"),
        ("/rec/timeline.json", "JSON", len(TIMELINE) - 1, "announced"),
    ],
)
async def test_an_answer_that_is_not_the_file_is_refused_before_anything_is_stored(
    zoom: str,
    downloader: Downloader,
    storage: LocalStorage,
    path: str,
    extension: str,
    size: int,
    refusal: str,
) -> None:
    with pytest.raises(SyncFailure) as caught:
        await copy(downloader, storage, access(zoom, path, extension=extension, size=size), "v/x")
    failure = caught.value
    assert failure.error_type == common_pb2.SYNC_ERROR_TYPE_DOWNLOAD
    assert refusal in failure.message
    assert "127.0.0.1" in failure.message  # where, without the query
    for secret in (TOKEN, "access_token", "secret-query", "Signature", "cdn-secret"):
        assert secret not in failure.message
    assert await storage.head("v/x") is None
    assert [p for p in storage.root.rglob("*") if p.is_file()] == []  # no temp file either


@pytest.mark.parametrize(
    ("path", "extension", "size", "body"),
    [
        ("/rec/lesson.mp4", "MP4", len(MP4), MP4),
        ("/rec/lesson.mp4", "MP4", 0, MP4),  # size not known: the type alone is judged
        ("/rec/lesson.mp4", "", len(MP4), MP4),
        ("/rec/octets.mp4", "MP4", len(MP4), MP4),
        ("/rec/timeline.json", "JSON", len(TIMELINE), TIMELINE),
        ("/rec/timeline.json", "json", 0, TIMELINE),
        ("/rec/timeline.json", "", 0, TIMELINE),  # extension not known: JSON may be the file
        ("/rec/chat.txt", "TXT", 0, b"10:00:01 Ana: hola\n"),
    ],
)
async def test_the_file_itself_is_stored(
    zoom: str,
    downloader: Downloader,
    storage: LocalStorage,
    path: str,
    extension: str,
    size: int,
    body: bytes,
) -> None:
    file = access(zoom, path, extension=extension, size=size)
    assert await copy(downloader, storage, file, "v/ok") == len(body)
    opened = await storage.open("v/ok")
    assert opened is not None
    with opened.handle:
        assert opened.handle.read() == body
