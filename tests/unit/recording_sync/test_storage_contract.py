"""The object-storage contract, checked on both backends: local disk (a temp folder) and S3 (a real
S3-compatible server — moto's — started for this module as a separate process, so its memory
never counts against ours).

What every backend promises: streamed writes with bounded memory, size and sha256 computed on
the way, progress reported part by part, nothing visible until complete and verified (no object,
no multipart upload, no temp file left by a failure — a progress callback raising included),
idempotent deletes, safe keys, and signed URLs that return the bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from classbridge_common.http import bind_socket, serving_http
from classbridge_common.testing import make_settings
from recording_sync.adapters.storage import (
    IntegrityError,
    LocalStorage,
    ObjectStorage,
    S3Storage,
    StorageError,
    StoredObject,
    create_storage,
)
from recording_sync.adapters.storage_base import read_object
from recording_sync.entrypoints.files import create_files_app
from recording_sync.settings import Settings

PART = 5 * 1024 * 1024  # S3's minimum part size (moto enforces it too)
SIGNING_KEY = b"contract-suite-signing-key-0123456789"
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


# --- a real S3-compatible server ---


# --- one fixture, two backends ---


@dataclass
class Backend:
    storage: ObjectStorage
    leftovers: Any  # () -> list[str]: anything stored or half-stored besides live objects
    objects: Any  # () -> list[str]: the visible keys
    part: int  # the buffered unit that bounds memory


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "local":
        root = tmp_path / "storage"
        local = LocalStorage(
            root,
            signing_key=SIGNING_KEY,
            public_url="http://127.0.0.1:1",
            max_ttl_seconds=600,
            progress_bytes=PART,  # reports as often as S3's parts, so one test fits both
            part_bytes=PART,
            parts_in_flight=2,  # one part filling, one written: memory bounded as on S3
        )
        async with local:

            def visible() -> list[str]:
                return sorted(
                    p.relative_to(root).as_posix()
                    for p in root.rglob("*")
                    if p.is_file() and not p.name.startswith(".")
                )

            def hidden() -> list[str]:
                # A live object's metadata file is expected; partial files never are.
                return sorted(
                    p.relative_to(root).as_posix()
                    for p in root.rglob("*")
                    if p.is_file() and ".partial-" in p.name
                )

            yield Backend(storage=local, leftovers=hidden, objects=visible, part=PART)
        return
    url = request.getfixturevalue("moto_url")
    admin = request.getfixturevalue("moto_admin")
    bucket = f"b-{os.urandom(6).hex()}"
    admin.create_bucket(Bucket=bucket)
    s3 = S3Storage(
        bucket=bucket,
        endpoint_url=url,
        region="us-east-1",
        part_bytes=PART,
        parts_in_flight=2,
        max_ttl_seconds=600,
        **CREDENTIALS,
    )

    def keys() -> list[str]:
        answer = admin.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def uploads() -> list[str]:
        answer = admin.list_multipart_uploads(Bucket=bucket)
        pending = [f"upload:{item['Key']}" for item in answer.get("Uploads", [])]
        staged = [k for k in keys() if k.startswith(".")]
        return pending + staged

    async with s3:
        yield Backend(storage=s3, leftovers=uploads, objects=keys, part=PART)


def payload(size: int, seed: int = 1) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


async def stream(data: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def same_object(found: StoredObject | None, stored: StoredObject) -> bool:
    """``head`` describes what ``put_stream`` stored. An S3 multipart object's sha256 is not
    metadata (S3 takes metadata only when an upload starts, before the sha256 is known): its
    ETag, which ``put_stream`` returned too, stands for it."""
    if found is None:
        return False
    if found.sha256 == "" and found.etag and found.etag.count("-") == 1:
        found = replace(found, sha256=stored.sha256)
    return found == stored


# --- writing and reading back ---


@pytest.mark.parametrize("size", [0, 1000, PART - 1, PART, 2 * PART + 123_457])
async def test_put_stream_stores_the_bytes_with_their_size_and_sha256(
    backend: Backend, size: int
) -> None:
    data = payload(size)
    key = f"videos/b-1/lesson-{size}.mp4"
    stored = await backend.storage.put_stream(key, stream(data), content_type="video/mp4")

    assert replace(stored, etag="") == StoredObject(
        key=key, size=size, sha256=sha(data), content_type="video/mp4"
    )
    assert same_object(await backend.storage.head(key), stored)
    url = await backend.storage.signed_url(key, expires_in=60)
    if isinstance(backend.storage, S3Storage):
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        assert answer.status_code == 200
        assert answer.content == data
    assert backend.objects() == [key]
    assert backend.leftovers() == []


async def test_expected_size_and_sha256_that_match_are_accepted(backend: Backend) -> None:
    data = payload(PART + 10)
    stored = await backend.storage.put_stream(
        "videos/b-1/a.m4a",
        stream(data, chunk=PART + 1),  # chunks larger than a part are fine too
        content_type="audio/mp4",
        expected_size=len(data),
        expected_sha256=sha(data).upper(),
    )
    assert stored.sha256 == sha(data)
    assert await backend.storage.head("videos/b-1/a.m4a") == stored  # sha256 known at start


async def test_a_second_put_replaces_the_object(backend: Backend) -> None:
    await backend.storage.put_stream("k/x.txt", stream(b"first"), content_type="text/plain")
    second = await backend.storage.put_stream(
        "k/x.txt", stream(payload(PART + 1)), content_type="text/vtt"
    )
    assert same_object(await backend.storage.head("k/x.txt"), second)
    assert backend.objects() == ["k/x.txt"]


# --- nothing half-written is ever visible ---


@pytest.mark.parametrize("size", [1000, 2 * PART + 5])
@pytest.mark.parametrize(
    "wrong",
    [
        {"expected_size": 999},  # fewer bytes than received
        {"expected_size": 10**9},  # more than received
        {"expected_sha256": "0" * 64},
    ],
)
async def test_integrity_errors_leave_nothing_behind(
    backend: Backend, size: int, wrong: dict[str, Any]
) -> None:
    with pytest.raises(IntegrityError):
        await backend.storage.put_stream(
            "videos/b-1/bad.mp4", stream(payload(size)), content_type="video/mp4", **wrong
        )
    assert await backend.storage.head("videos/b-1/bad.mp4") is None
    assert backend.objects() == []
    assert backend.leftovers() == []


async def test_a_failed_replacement_keeps_the_previous_object(backend: Backend) -> None:
    old = await backend.storage.put_stream("k/v.mp4", stream(b"old"), content_type="video/mp4")
    with pytest.raises(IntegrityError):
        await backend.storage.put_stream(
            "k/v.mp4", stream(payload(PART + 1)), content_type="video/mp4", expected_size=1
        )
    assert await backend.storage.head("k/v.mp4") == old
    assert backend.leftovers() == []


class SourceBroke(Exception):
    pass


@pytest.mark.parametrize("fail_after", [0, 1000, PART + 100, 2 * PART + 100])
async def test_a_source_failing_mid_stream_leaves_nothing_behind(
    backend: Backend, fail_after: int
) -> None:
    async def broken() -> AsyncIterator[bytes]:
        async for chunk in stream(payload(fail_after)):
            yield chunk
        raise SourceBroke("download interrupted")

    with pytest.raises(SourceBroke):
        await backend.storage.put_stream("videos/b-1/cut.mp4", broken(), content_type="video/mp4")
    assert await backend.storage.head("videos/b-1/cut.mp4") is None
    assert backend.objects() == []
    assert backend.leftovers() == []


@pytest.mark.parametrize("sent", [1000, PART + 100])
async def test_a_cancelled_upload_leaves_nothing_behind(backend: Backend, sent: int) -> None:
    reached = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        async for chunk in stream(payload(sent)):
            yield chunk
        reached.set()
        await asyncio.Event().wait()  # a download that hangs until cancelled
        yield b""  # pragma: no cover

    task = asyncio.create_task(
        backend.storage.put_stream("videos/hang.mp4", stalls(), content_type="video/mp4")
    )
    await asyncio.wait_for(reached.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await backend.storage.head("videos/hang.mp4") is None
    assert backend.objects() == []
    assert backend.leftovers() == []


# --- progress, and a progress callback that stops the upload ---

WRITE_GRAIN = 1024 * 1024  # the local backend writes (and so reports) in buffers this size


@pytest.mark.parametrize("size", [1000, 2 * PART + 123_457])
async def test_on_progress_reports_growing_byte_counts_up_to_the_size(
    backend: Backend, size: int
) -> None:
    key = "videos/b-1/progress.mp4"
    reports: list[tuple[int, bool]] = []

    async def on_progress(written: int) -> None:
        reports.append((written, await backend.storage.head(key) is not None))

    data = payload(size)
    stored = await backend.storage.put_stream(
        key, stream(data), content_type="video/mp4", on_progress=on_progress
    )
    assert stored.size == size
    written = [value for value, _ in reports]
    assert written == sorted(set(written)), written  # strictly growing
    assert written[-1] == size
    if size <= PART:
        assert len(written) == 1  # a small file: once, at the end
    else:
        # While the copy goes on (coalesced: a slow callback is told the newest count next),
        # and once more when every byte is written, before the object is visible.
        assert len(written) >= 2
        assert not any(visible for _, visible in reports)
    if isinstance(backend.storage, S3Storage):
        assert set(written) <= {PART, 2 * PART, size}  # when parts are whole, and at the end


class LeaseLost(OSError):
    """An OSError on purpose: the local backend must not rewrap it as a StorageError."""


@pytest.mark.parametrize("checksum_known", [False, True])  # S3: sha256 metadata or not
@pytest.mark.parametrize("fail_on", ["first", "last"])
async def test_an_on_progress_exception_aborts_the_upload_and_propagates_unchanged(
    backend: Backend, checksum_known: bool, fail_on: str
) -> None:
    key = "videos/b-1/lease.mp4"
    old = await backend.storage.put_stream(key, stream(b"old"), content_type="video/mp4")
    data = payload(2 * PART + 5)
    lost = LeaseLost("the job's lease was taken over")
    calls: list[int] = []

    async def on_progress(written: int) -> None:
        calls.append(written)
        if fail_on == "first" or written == len(data):
            raise lost

    with pytest.raises(LeaseLost) as caught:
        await backend.storage.put_stream(
            key,
            stream(data),
            content_type="video/mp4",
            expected_size=len(data),
            expected_sha256=sha(data) if checksum_known else None,
            on_progress=on_progress,
        )
    assert caught.value is lost
    assert calls[-1] == (len(data) if fail_on == "last" else calls[0])
    assert await backend.storage.head(key) == old  # the previous object, untouched
    assert backend.objects() == [key]
    assert backend.leftovers() == []  # no multipart upload, no staged object, no temp file


async def test_an_on_progress_exception_on_a_small_file_leaves_nothing_partial(
    backend: Backend,
) -> None:
    """A small file is one write: the callback runs once, at the end. On S3 the single PutObject
    is already whole by then; either way nothing half-written exists and the error propagates."""

    async def on_progress(written: int) -> None:
        raise LeaseLost("gone")

    data = payload(1000)
    with pytest.raises(LeaseLost):
        await backend.storage.put_stream(
            "videos/small.mp4", stream(data), content_type="video/mp4", on_progress=on_progress
        )
    found = await backend.storage.head("videos/small.mp4")
    assert found is None or replace(found, etag="") == StoredObject(
        key="videos/small.mp4", size=1000, sha256=sha(data), content_type="video/mp4"
    )
    assert backend.leftovers() == []


async def test_s3_multipart_objects_are_written_once_straight_to_their_key(
    moto_url: str, moto_admin: Any
) -> None:
    """No staging key and no server-side copy: the parts go to the key itself, and the ETag S3
    gives the object is the one its parts' MD5s imply (S3's own whole-object checksum)."""
    bucket = f"b-{os.urandom(6).hex()}"
    moto_admin.create_bucket(Bucket=bucket)
    s3 = S3Storage(
        bucket=bucket, endpoint_url=moto_url, region="us-east-1", part_bytes=PART, **CREDENTIALS
    )
    data = payload(2 * PART + 3, seed=9)
    async with s3:
        task = asyncio.create_task(
            s3.put_stream("videos/once.mp4", stream(data), content_type="video/mp4")
        )
        seen: set[str] = set()
        while not task.done():
            answer = moto_admin.list_multipart_uploads(Bucket=bucket)
            seen.update(u["Key"] for u in answer.get("Uploads", []))
            await asyncio.sleep(0.005)
        stored = await task
        found = await s3.head("videos/once.mp4")
    assert seen <= {"videos/once.mp4"}
    assert stored.sha256 == sha(data)
    md5s = b"".join(
        hashlib.md5(data[i : i + PART], usedforsecurity=False).digest()
        for i in range(0, len(data), PART)
    )
    assert stored.etag == f"{hashlib.md5(md5s, usedforsecurity=False).hexdigest()}-3"
    assert found is not None
    assert (found.etag, found.size) == (stored.etag, len(data))
    body = moto_admin.get_object(Bucket=bucket, Key="videos/once.mp4")["Body"].read()
    assert body == data
    assert [o["Key"] for o in moto_admin.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "videos/once.mp4"
    ]
    assert "Uploads" not in moto_admin.list_multipart_uploads(Bucket=bucket)


# --- delete, head, keys ---


async def test_delete_is_idempotent_and_head_sees_it(backend: Backend) -> None:
    assert await backend.storage.head("videos/none.mp4") is None
    await backend.storage.delete("videos/none.mp4")  # missing: no error
    await backend.storage.put_stream("videos/x.mp4", stream(b"abc"), content_type="video/mp4")
    await backend.storage.delete("videos/x.mp4")
    await backend.storage.delete("videos/x.mp4")
    assert await backend.storage.head("videos/x.mp4") is None
    assert backend.objects() == []


async def test_a_stored_object_reads_back_chunk_by_chunk_and_a_missing_one_is_an_error(
    backend: Backend,
) -> None:
    data = payload(PART + 123)
    await backend.storage.put_stream("k/text.vtt", stream(data), content_type="text/vtt")
    chunks = [c async for c in backend.storage.iter_object("k/text.vtt", chunk_bytes=4096)]
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= 4096
    assert await read_object(backend.storage, "k/text.vtt", max_bytes=len(data)) == data
    with pytest.raises(StorageError, match="larger than"):
        await read_object(backend.storage, "k/text.vtt", max_bytes=len(data) - 1)
    with pytest.raises(StorageError):
        await read_object(backend.storage, "k/missing.vtt", max_bytes=1024)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../escape.mp4",
        "videos/../../escape.mp4",
        "videos/./x.mp4",
        "videos//x.mp4",
        "videos/x.mp4/",
        "videos\\x.mp4",
        "videos/\x00x.mp4",
        "videos/x\n.mp4",
        "videos/.hidden.mp4",
        "x" * 1025,
        "é" * 513,  # 1026 bytes of UTF-8
    ],
)
async def test_bad_keys_are_refused_before_any_io(backend: Backend, key: str) -> None:
    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("the stream must not be read for a bad key")
        yield b""  # pragma: no cover

    with pytest.raises(ValueError, match="object key"):
        await backend.storage.put_stream(key, never(), content_type="video/mp4")
    with pytest.raises(ValueError, match="object key"):
        await backend.storage.head(key)
    with pytest.raises(ValueError, match="object key"):
        await backend.storage.delete(key)
    with pytest.raises(ValueError, match="object key"):
        await backend.storage.signed_url(key, expires_in=60)
    assert backend.objects() == []


async def test_unusual_but_valid_keys_round_trip(backend: Backend) -> None:
    key = "videos/student/s 1/Clase ñ #1 ?&=%2F+ 2024-01-15T04:30:00Z.mp4"
    stored = await backend.storage.put_stream(key, stream(b"data"), content_type="video/mp4")
    assert await backend.storage.head(key) == stored
    assert backend.objects() == [key]


# --- memory stays bounded ---


async def test_memory_stays_within_a_few_parts(backend: Backend) -> None:
    size = 64 * 1024 * 1024
    block = os.urandom(256 * 1024)
    expected = hashlib.sha256()
    for _ in range(size // len(block)):
        expected.update(block)

    async def big() -> AsyncIterator[bytes]:
        for _ in range(size // len(block)):
            yield block  # the same object each time: the source itself costs nothing

    tracemalloc.start()
    try:
        stored = await backend.storage.put_stream("videos/big.mp4", big(), content_type="video/mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == size
    assert stored.sha256 == expected.hexdigest()
    # The pool's two parts, the copy of a short last part (botocore takes no memoryview), slack.
    assert peak < 4 * backend.part, f"peak {peak / 2**20:.1f} MiB"


# --- signed URLs ---


async def _get(
    backend: Backend, tmp_path: Path, url: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """GET a signed URL; the local backend's URLs are served by the files app on a real port."""
    async with httpx.AsyncClient() as client:
        if isinstance(backend.storage, S3Storage):
            return await client.get(url, headers=headers)
        assert isinstance(backend.storage, LocalStorage)
        app = create_files_app(backend.storage, SIGNING_KEY)
        async with serving_http(app, bind_socket("127.0.0.1", 0)) as port:
            parts = urlsplit(url)
            return await client.get(
                f"http://127.0.0.1:{port}{parts.path}?{parts.query}", headers=headers
            )


async def test_signed_url_downloads_the_exact_bytes(backend: Backend, tmp_path: Path) -> None:
    data = payload(PART + 77, seed=7)
    await backend.storage.put_stream("videos/b-2/l.mp4", stream(data), content_type="video/mp4")
    url = await backend.storage.signed_url("videos/b-2/l.mp4", expires_in=60)
    answer = await _get(backend, tmp_path, url)
    assert answer.status_code == 200
    assert answer.content == data
    assert answer.headers["content-type"].startswith("video/mp4")


async def test_signed_url_with_download_name_is_an_attachment(
    backend: Backend, tmp_path: Path
) -> None:
    await backend.storage.put_stream("videos/c.vtt", stream(b"WEBVTT\n"), content_type="text/vtt")
    url = await backend.storage.signed_url(
        "videos/c.vtt",
        expires_in=60,
        download_name="Clase ñ 1.vtt",
        content_type="text/plain; charset=utf-8",
    )
    answer = await _get(backend, tmp_path, url)
    assert answer.status_code == 200
    assert answer.content == b"WEBVTT\n"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Clase%20%C3%B1%201.vtt" in disposition
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


async def test_signed_url_serves_a_range(backend: Backend, tmp_path: Path) -> None:
    data = payload(100_000, seed=3)
    await backend.storage.put_stream("videos/r.mp4", stream(data), content_type="video/mp4")
    url = await backend.storage.signed_url("videos/r.mp4", expires_in=60)
    answer = await _get(backend, tmp_path, url, headers={"Range": "bytes=1000-1999"})
    assert answer.status_code == 206
    assert answer.content == data[1000:2000]
    assert answer.headers["content-range"] == "bytes 1000-1999/100000"


async def test_a_tampered_signed_url_is_refused(backend: Backend, tmp_path: Path) -> None:
    if isinstance(backend.storage, S3Storage):
        pytest.skip("moto does not verify presigned signatures (S3 does); local only")
    await backend.storage.put_stream("videos/a.mp4", stream(b"a"), content_type="video/mp4")
    await backend.storage.put_stream("videos/b.mp4", stream(b"b"), content_type="video/mp4")
    url = await backend.storage.signed_url("videos/a.mp4", expires_in=60)
    answer = await _get(backend, tmp_path, url.replace("videos/a.mp4", "videos/b.mp4"))
    assert answer.status_code == 403


async def test_signed_url_lifetime_is_capped(backend: Backend) -> None:
    await backend.storage.put_stream("videos/t.mp4", stream(b"t"), content_type="video/mp4")
    before = int(time.time())
    url = await backend.storage.signed_url("videos/t.mp4", expires_in=10**6)
    query = parse_qs(urlsplit(url).query)
    if isinstance(backend.storage, S3Storage):
        assert query["X-Amz-Expires"] == ["600"]
    else:
        assert before + 600 <= int(query["exp"][0]) <= int(time.time()) + 600
    with pytest.raises(ValueError, match="expires_in"):
        await backend.storage.signed_url("videos/t.mp4", expires_in=0)


# --- the factory ---


def test_create_storage_picks_the_backend(tmp_path: Path) -> None:
    local = create_storage(
        make_settings(Settings, service_name="recording-sync", data_dir=tmp_path)
    )
    assert isinstance(local, LocalStorage)
    assert local.backend == "local"
    assert local.root == tmp_path / "storage"
    assert (tmp_path / "recording-sync-files.key").stat().st_mode & 0o077 == 0  # dev key, 0600
    s3 = create_storage(
        make_settings(
            Settings,
            service_name="recording-sync",
            data_dir=tmp_path,
            s3_bucket="recordings",
            s3_endpoint_url="http://127.0.0.1:1",
            s3_access_key_id="id",
            s3_secret_access_key="secret",
        )
    )
    assert isinstance(s3, S3Storage)
    assert s3.backend == "s3"
    assert "secret" not in repr(s3)


async def test_s3_errors_are_storage_errors_without_secrets(tmp_path: Path) -> None:
    s3 = S3Storage(
        bucket="missing",
        endpoint_url="http://127.0.0.1:1",
        region="us-east-1",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="do-not-log-me",
        max_attempts=1,
    )
    async with s3:
        with pytest.raises(StorageError) as caught:
            await s3.put_stream("k/x.bin", stream(b"x"), content_type="application/octet-stream")
    assert "do-not-log-me" not in str(caught.value)
    assert "'k/x.bin'" in str(caught.value)
