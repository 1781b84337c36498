"""The transfer engine resumes instead of restarting, and never completes a damaged upload.

Real components throughout: the Zoom simulator served on sockets (its CDN on its own host and
port, counting the bytes it sends), moto's S3 server, recording-sync's own downloader and S3
storage; the crash is a real SIGKILL of a process copying a file.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from recording_sync.adapters.downloader import Downloader
from recording_sync.adapters.storage_base import IntegrityError, Resume
from recording_sync.adapters.storage_s3 import S3Storage
from tests.unit.recording_sync.zoom_files import recorded_file
from zoomsim.content import sha256_of

PART = 5 * 1024 * 1024
SIZE = 12 * PART + 12345  # 13 parts
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}


@pytest.fixture
def bucket(moto_admin: Any) -> str:
    name = f"b-{os.urandom(6).hex()}"
    moto_admin.create_bucket(Bucket=name)
    return name


def storage(moto_url: str, bucket: str, part_checksum: str = "crc32") -> S3Storage:
    return S3Storage(
        bucket=bucket,
        endpoint_url=moto_url,
        region="us-east-1",
        part_bytes=PART,
        part_checksum=part_checksum,
        **CREDENTIALS,
    )


# The copying process: recording-sync's downloader and S3 storage, each checkpoint written to a
# file (atomically) as the sync job's row would be.
CHILD = """
import asyncio, json, os, sys
from recording_sync.adapters.downloader import Downloader
from recording_sync.adapters.storage_s3 import S3Storage
from recording_sync.domain.model import DownloadAccess

args = json.loads(sys.argv[1])

async def main():
    access = DownloadAccess(**args["access"])
    storage = S3Storage(bucket=args["bucket"], endpoint_url=args["moto"], region="us-east-1",
                        part_bytes=args["part"], access_key_id="testing",
                        secret_access_key="testing")
    async def saved(point):
        tmp = args["checkpoint"] + ".tmp"
        with open(tmp, "w") as out:
            out.write(point.token())
        os.replace(tmp, args["checkpoint"])
    downloader = Downloader()
    async with storage:
        async with downloader.open(access) as body:
            await storage.put_stream(args["key"], body, content_type="video/mp4",
                                     expected_size=access.size, on_checkpoint=saved)

asyncio.run(main())
"""


async def test_a_copy_killed_mid_file_resumes_with_only_the_rest_downloaded(
    moto_url: str, bucket: str, moto_admin: Any, tmp_path: Path
) -> None:
    key = "videos/b-1/killed.mp4"
    checkpoint_file = tmp_path / "checkpoint.json"
    async with recorded_file(SIZE) as zoom:
        ctl, access, file_id = zoom.ctl, await zoom.access(), zoom.file_id
        # The download pauses at 75 %: the process is killed while it waits for bytes.
        await ctl.fault("stall", after_bytes=9 * PART + 100, seconds=5, file_id=file_id)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            json.dumps(
                {
                    "access": {
                        "url": access.url,
                        "token": access.token,
                        "credential_hosts": list(access.credential_hosts),
                        "redirect_hosts": list(access.redirect_hosts),
                        "size": access.size,
                        "extension": access.extension,
                    },
                    "bucket": bucket,
                    "moto": moto_url,
                    "part": PART,
                    "key": key,
                    "checkpoint": str(checkpoint_file),
                }
            ),
        )
        try:
            point: Resume | None = None
            for _ in range(600):
                if checkpoint_file.exists():
                    point = Resume.parse(checkpoint_file.read_text())
                    if point is not None and point.offset >= 9 * PART:
                        break
                assert child.returncode is None, "the copy ended before it was killed"
                await asyncio.sleep(0.05)
            assert point is not None
            assert point.offset == 9 * PART, point.offset  # every part before the stall
        finally:
            child.send_signal(signal.SIGKILL)
            await asyncio.wait_for(child.wait(), 10)
        await ctl.clear_faults()
        served_before = await ctl.cdn_bytes_served(file_id)
        assert moto_admin.list_multipart_uploads(Bucket=bucket)["Uploads"], "left to resume"

        s3 = storage(moto_url, bucket)
        downloader = Downloader()
        try:
            async with s3:
                resume = await s3.resume(key, checkpoint_file.read_text())
                assert resume is not None
                assert resume.offset == 9 * PART
                async with downloader.open(access, offset=resume.offset) as body:
                    assert body.offset == resume.offset
                    stored = await s3.put_stream(
                        key, body, content_type="video/mp4", expected_size=SIZE, resume=resume
                    )
        finally:
            await downloader.close()

        rest = await ctl.cdn_requests()
        assert rest[-1]["range"] == f"bytes={9 * PART}-"
        assert rest[-1]["bytes_sent"] == SIZE - 9 * PART  # only the unfinished part again
        assert await ctl.cdn_bytes_served(file_id) == served_before + SIZE - 9 * PART

    zoom_sha = sha256_of(file_id, SIZE, "MP4")
    assert stored.size == SIZE
    assert stored.sha256 == zoom_sha  # proven for the whole file, across the two processes
    body_bytes = moto_admin.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body_bytes).hexdigest() == zoom_sha
    assert "Uploads" not in moto_admin.list_multipart_uploads(Bucket=bucket)


def _corrupt_parts(s3: S3Storage, times: int) -> list[int]:
    """Damage the body of the next ``times`` UploadPart requests after the client computed
    their checksum, as a faulty link would. moto verifies neither Content-MD5 nor the additional
    checksums (S3 would refuse the part): it plays a store that takes them on trust."""
    damaged: list[int] = []

    def corrupt(request: Any, **_: Any) -> None:
        if len(damaged) >= times or not isinstance(request.body, bytes | bytearray):
            return
        body = bytearray(request.body)
        body[len(body) // 2] ^= 0xFF
        request.body = bytes(body)
        damaged.append(len(body))

    s3._client.meta.events.register("before-send.s3.UploadPart", corrupt)
    return damaged


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 256 * 1024):
        yield data[start : start + 256 * 1024]
        await asyncio.sleep(0)


async def test_a_part_damaged_on_the_way_is_sent_again_and_the_object_is_right(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    """With ``md5`` parts, the ETag (the MD5 of what the store kept) shows the damage even on a
    store that ignores Content-MD5: the part is sent again from its buffer."""
    data = os.urandom(3 * PART + 77)
    async with storage(moto_url, bucket, "md5") as s3:
        damaged = _corrupt_parts(s3, times=1)
        stored = await s3.put_stream("videos/fixed.mp4", _chunks(data), content_type="video/mp4")
    assert damaged, "a part really was damaged"
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert moto_admin.get_object(Bucket=bucket, Key="videos/fixed.mp4")["Body"].read() == data


async def test_a_part_that_keeps_arriving_damaged_is_never_completed(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    data = os.urandom(3 * PART + 77)
    async with storage(moto_url, bucket, "md5") as s3:
        _corrupt_parts(s3, times=1000)
        with pytest.raises(IntegrityError):
            await s3.put_stream(
                "videos/broken.mp4",
                _chunks(data),
                content_type="video/mp4",
                on_checkpoint=lambda point: asyncio.sleep(0),
            )
    assert "Contents" not in moto_admin.list_objects_v2(Bucket=bucket)  # never visible
    assert "Uploads" not in moto_admin.list_multipart_uploads(Bucket=bucket)  # and aborted


def _composite_crc32(data: bytes) -> str:
    """S3's composite CRC32 of ``data`` uploaded in parts of PART, computed independently."""
    sums = b"".join(
        zlib.crc32(data[i : i + PART]).to_bytes(4, "big") for i in range(0, len(data), PART)
    )
    return base64.b64encode(zlib.crc32(sums).to_bytes(4, "big")).decode()


async def test_crc32_parts_carry_the_checksum_the_store_keeps(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    """The default: every part carries S3's additional CRC32 checksum (no MD5 is computed), and
    the store keeps the composite checksum of exactly the bytes sent."""
    data = os.urandom(3 * PART + 77)
    sent: list[dict[str, str]] = []
    async with storage(moto_url, bucket) as s3:
        s3._client.meta.events.register(
            "before-send.s3.UploadPart", lambda request, **_: sent.append(dict(request.headers))
        )
        stored = await s3.put_stream("videos/crc.mp4", _chunks(data), content_type="video/mp4")
    assert len(sent) == 4
    assert all("x-amz-checksum-crc32" in h and "Content-MD5" not in h for h in sent)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    head = moto_admin.head_object(Bucket=bucket, Key="videos/crc.mp4", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"].partition("-")[0] == _composite_crc32(data)
    assert moto_admin.get_object(Bucket=bucket, Key="videos/crc.mp4")["Body"].read() == data


async def test_a_damaged_crc32_part_on_a_store_that_does_not_verify_is_removed(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    """S3 refuses a part whose CRC32 is wrong. A store that takes the checksum on trust (moto)
    keeps the damaged part, but the composite checksum it computes from what it joined is not
    ours: the object is deleted at once and the copy fails as an integrity error."""
    data = os.urandom(3 * PART + 77)
    async with storage(moto_url, bucket) as s3:
        damaged = _corrupt_parts(s3, times=1)
        with pytest.raises(IntegrityError):
            await s3.put_stream("videos/bad.mp4", _chunks(data), content_type="video/mp4")
    assert damaged
    assert "Contents" not in moto_admin.list_objects_v2(Bucket=bucket)
    assert "Uploads" not in moto_admin.list_multipart_uploads(Bucket=bucket)


async def test_an_upload_keeps_its_checksum_when_the_setting_changes(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    """A checkpoint of an ``md5`` upload resumes on a worker now configured for ``crc32``: the
    receipts say how the upload was made, and it is completed that way."""
    data = os.urandom(3 * PART + 99)
    points: list[Resume] = []

    class Broke(Exception):
        pass

    async def breaks_after_two_parts() -> AsyncIterator[bytes]:
        async for chunk in _chunks(data[: 2 * PART + 10]):
            yield chunk
        for _ in range(300):
            if points and points[-1].offset >= 2 * PART:
                raise Broke
            await asyncio.sleep(0.01)
        raise AssertionError("no checkpoint after two parts")

    async def saved(point: Resume) -> None:
        points.append(point)

    async with storage(moto_url, bucket, "md5") as s3:
        with pytest.raises(Broke):
            await s3.put_stream(
                "videos/switch.mp4",
                breaks_after_two_parts(),
                content_type="video/mp4",
                on_checkpoint=saved,
            )
    async with storage(moto_url, bucket, "crc32") as s3:
        resumed = await s3.resume("videos/switch.mp4", points[-1].token())
        assert resumed is not None
        assert resumed.offset == 2 * PART
        stored = await s3.put_stream(
            "videos/switch.mp4",
            _chunks(data[resumed.offset :]),
            content_type="video/mp4",
            resume=resumed,
            on_checkpoint=saved,
        )
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert moto_admin.get_object(Bucket=bucket, Key="videos/switch.mp4")["Body"].read() == data


async def test_a_stored_part_changed_behind_the_checkpoint_makes_the_copy_start_over(
    moto_url: str, bucket: str, moto_admin: Any
) -> None:
    """Resuming trusts nothing it cannot see: ListParts must show every recorded part with the
    recorded ETag, else the upload is aborted and the copy starts from byte 0."""
    data = os.urandom(4 * PART)
    points: list[Resume] = []
    three_parts = asyncio.Event()

    async def saved(point: Resume) -> None:
        points.append(point)
        if point.offset >= 3 * PART:
            three_parts.set()

    class Broke(Exception):
        pass

    async def breaks_after_three_parts() -> AsyncIterator[bytes]:
        async for chunk in _chunks(data[: 3 * PART + 10]):
            yield chunk
        await asyncio.wait_for(three_parts.wait(), 30)
        raise Broke

    async with storage(moto_url, bucket) as s3:
        with pytest.raises(Broke):
            await s3.put_stream(
                "videos/tampered.mp4",
                breaks_after_three_parts(),
                content_type="video/mp4",
                on_checkpoint=saved,
            )
        token = points[-1].token()
        assert await s3.resume("videos/tampered.mp4", token) is not None  # intact: resumable
        moto_admin.upload_part(
            Bucket=bucket,
            Key="videos/tampered.mp4",
            UploadId=points[-1].upload,
            PartNumber=2,
            Body=os.urandom(PART),
        )
        assert await s3.resume("videos/tampered.mp4", token) is None
    assert "Uploads" not in moto_admin.list_multipart_uploads(Bucket=bucket)
    assert "Contents" not in moto_admin.list_objects_v2(Bucket=bucket)
