"""Storage checked at start (``ensure_ready``) and cleaned after crashes (``remove_abandoned``),
on both backends: S3 against moto's real server (one plain, one enforcing IAM so refusals are
real 403s), local disk in a temp folder.

The janitor must remove what a crashed copy left (incomplete multipart uploads, ``.staging/``
objects, ``.partial-`` files) once idle for ``older_than``, and never a final object or an
upload still in progress.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from classbridge_common.testing import moto_s3_server
from recording_sync.adapters.storage import LocalStorage, S3Storage, StorageNotReady
from recording_sync.adapters.storage_s3 import LIFECYCLE_CONFIGURATION
from tests.unit.recording_sync.test_storage_contract import (
    CREDENTIALS,
    PART,
    SIGNING_KEY,
    payload,
    sha,
    stream,
)

REPO = Path(__file__).resolve().parents[3]
# moto's timestamps have whole seconds: "old" things are made this long before the janitor runs,
# which then spares anything younger than OLDER_THAN (the fresh ones are well under a second).
OLDER_THAN = timedelta(seconds=2)
AGE = 2.5


def _bucket() -> str:
    return f"b-{os.urandom(6).hex()}"


def _s3(url: str, bucket: str, **extra: Any) -> S3Storage:
    kwargs: dict[str, Any] = {"region": "us-east-1", "part_bytes": PART, **CREDENTIALS, **extra}
    return S3Storage(bucket=bucket, endpoint_url=url, **kwargs)


def _local(root: Path) -> LocalStorage:
    return LocalStorage(root, signing_key=SIGNING_KEY, public_url="http://127.0.0.1:1")


def _keys(admin: Any, bucket: str) -> list[str]:
    answer = admin.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def _uploads(admin: Any, bucket: str) -> list[str]:
    answer = admin.list_multipart_uploads(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Uploads", []))


async def _parts_stored(admin: Any, bucket: str, count: int) -> None:
    """Wait until the bucket's one multipart upload lists ``count`` parts."""
    for _ in range(200):
        uploads = admin.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        if uploads:
            upload = uploads[0]
            parts = admin.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            if len(parts.get("Parts", [])) >= count:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the upload never listed {count} parts")


def _abandon_upload(admin: Any, bucket: str, key: str) -> None:
    """What a copy that crashed mid-way leaves: a multipart upload with a part and no end."""
    upload = admin.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    admin.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"x" * 1000)


# --- ensure_ready on S3 ---


async def test_a_missing_bucket_is_refused_when_it_may_not_be_created(
    moto_url: str, moto_admin: Any
) -> None:
    bucket = _bucket()
    async with _s3(moto_url, bucket) as s3:
        with pytest.raises(StorageNotReady) as caught:
            await s3.ensure_ready(create=False)
    message = str(caught.value)
    assert repr(bucket) in message
    assert "S3_CREATE_BUCKET=true" in message
    assert "testing" not in message  # no credentials
    assert bucket not in [b["Name"] for b in moto_admin.list_buckets()["Buckets"]]


async def test_a_missing_bucket_is_created_with_the_lifecycle_rules(
    moto_url: str, moto_admin: Any
) -> None:
    bucket = _bucket()
    async with _s3(moto_url, bucket) as s3:
        await s3.ensure_ready(create=True)
        stored = await s3.put_stream("videos/a.mp4", stream(b"abc"), content_type="video/mp4")
        assert await s3.head("videos/a.mp4") == stored
        rules = moto_admin.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert sorted(rules, key=lambda r: r["ID"]) == sorted(
            LIFECYCLE_CONFIGURATION["Rules"], key=lambda r: r["ID"]
        )
        # An existing bucket is left as its owner configured it: no second creation, no rules.
        own = {
            "ID": "own",
            "Status": "Enabled",
            "Filter": {"Prefix": "x/"},
            "Expiration": {"Days": 30},
        }
        moto_admin.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [own]}
        )
        await s3.ensure_ready(create=True)
        await s3.ensure_ready(create=False)
        rules = moto_admin.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert [r["ID"] for r in rules] == ["own"]


async def test_a_bucket_is_created_in_the_configured_region(moto_url: str, moto_admin: Any) -> None:
    bucket = _bucket()
    async with _s3(moto_url, bucket, region="eu-west-1") as s3:
        await s3.ensure_ready(create=True)
    location = moto_admin.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert location == "eu-west-1"


async def test_an_unreachable_endpoint_is_not_ready() -> None:
    async with _s3("http://127.0.0.1:1", "recordings", max_attempts=1) as s3:
        with pytest.raises(StorageNotReady, match="'recordings' could not be reached"):
            await s3.ensure_ready(create=True)


# --- ensure_ready on S3 with IAM enforced: refusals are the server's ---


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[dict[str, Any]]:
    """A moto server that checks IAM after the setup below: an existing bucket nobody was given,
    a user that may create buckets but not set lifecycle rules, one that may only look, and one
    that may do nothing."""
    setup_actions = 9  # the calls below; every later request is authorised against IAM
    with moto_s3_server({"INITIAL_NO_AUTH_ACTION_COUNT": str(setup_actions)}) as url:

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(s3={"addressing_style": "path"}),
            )

        iam, s3 = client("iam"), client("s3")
        keys: dict[str, dict[str, str]] = {}
        look = ["s3:ListBucket", "s3:HeadBucket"]  # AWS checks the first; moto the second
        allowed = {"creator": [*look, "s3:CreateBucket"], "reader": look}
        for user, actions in allowed.items():
            iam.create_user(UserName=user)
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            iam.put_user_policy(
                UserName=user,
                PolicyName="limited",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
            )
        iam.create_user(UserName="nobody")
        for user in ("creator", "reader", "nobody"):
            key = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = {
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
            }
        s3.create_bucket(Bucket="locked-recordings")
        iam.close()
        s3.close()
        yield {"url": url, "keys": keys}


def _as(iam_moto: dict[str, Any], user: str, bucket: str) -> S3Storage:
    return S3Storage(
        bucket=bucket,
        endpoint_url=iam_moto["url"],
        region="us-east-1",
        max_attempts=1,
        **iam_moto["keys"][user],
    )


async def test_access_denied_names_the_bucket_and_the_permission(iam_moto: dict[str, Any]) -> None:
    async with _as(iam_moto, "nobody", "locked-recordings") as s3:
        with pytest.raises(StorageNotReady) as caught:
            await s3.ensure_ready(create=False)
    message = str(caught.value)
    assert "'locked-recordings'" in message
    assert "s3:ListBucket" in message
    assert iam_moto["keys"]["nobody"]["secret_access_key"] not in message


async def test_creating_without_the_permission_names_it(iam_moto: dict[str, Any]) -> None:
    async with _as(iam_moto, "reader", "new-recordings-1") as s3:
        with pytest.raises(StorageNotReady, match=r"'new-recordings-1'.*s3:CreateBucket"):
            await s3.ensure_ready(create=True)


async def test_a_refused_lifecycle_rule_is_logged_and_the_start_goes_on(
    iam_moto: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="recording_sync.adapters.storage_s3")
    async with _as(iam_moto, "creator", "new-recordings-2") as s3:
        await s3.ensure_ready(create=True)  # created; the lifecycle rule is AccessDenied
    refused = [r for r in caplog.records if "no lifecycle rule" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.INFO]
    assert "AccessDenied" in refused[0].getMessage()


# --- ensure_ready on local disk ---


async def test_local_ensure_ready_creates_the_folder_and_leaves_no_probe(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "storage"
    local = _local(root)
    await local.ensure_ready(create=False)  # the folder is the service's own: always created
    assert root.is_dir()
    assert list(root.iterdir()) == []
    async with local:
        await local.put_stream("videos/x.mp4", stream(b"x"), content_type="video/mp4")


async def test_local_storage_that_cannot_be_written_is_not_ready(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    local = _local(blocker / "storage")  # a folder under a file cannot exist
    with pytest.raises(StorageNotReady) as caught:
        await local.ensure_ready(create=True)
    assert str(blocker / "storage") in str(caught.value)
    assert "LOCAL_STORAGE_DIR" in str(caught.value)
    with pytest.raises(StorageNotReady):  # entering it says the same, not a bare OSError
        async with _local(blocker):
            pass


# --- the janitor on S3 ---


async def test_the_s3_janitor_removes_abandoned_uploads_and_old_staging_objects_only(
    moto_url: str, moto_admin: Any
) -> None:
    bucket = _bucket()
    moto_admin.create_bucket(Bucket=bucket)
    async with _s3(moto_url, bucket) as s3:
        assert await s3.remove_abandoned(older_than=OLDER_THAN) == 0
        # What crashed copies left, long ago: an upload to a staging key, one straight to its
        # final key (sha256 known), a completed staging object; and a final object, as old.
        _abandon_upload(moto_admin, bucket, ".staging/crashed-1")
        _abandon_upload(moto_admin, bucket, "videos/b-1/crashed.mp4")
        moto_admin.put_object(Bucket=bucket, Key=".staging/crashed-2", Body=b"whole")
        old = await s3.put_stream("videos/b-1/old.mp4", stream(b"old"), content_type="video/mp4")
        await asyncio.sleep(AGE)
        # Fresh: another replica's upload in progress, a staging object about to be promoted,
        # and a final object.
        _abandon_upload(moto_admin, bucket, ".staging/live")
        moto_admin.put_object(Bucket=bucket, Key=".staging/promoting", Body=b"whole")
        new = await s3.put_stream("videos/b-1/new.mp4", stream(b"new"), content_type="video/mp4")

        assert await s3.remove_abandoned(older_than=OLDER_THAN) == 3

        assert _uploads(moto_admin, bucket) == [".staging/live"]
        assert _keys(moto_admin, bucket) == [
            ".staging/promoting",
            "videos/b-1/new.mp4",
            "videos/b-1/old.mp4",
        ]
        assert await s3.head("videos/b-1/old.mp4") == old
        assert await s3.head("videos/b-1/new.mp4") == new
        assert await s3.remove_abandoned(older_than=OLDER_THAN) == 0
        with pytest.raises(ValueError, match="older_than"):
            await s3.remove_abandoned(older_than=timedelta(seconds=-1))


async def test_the_s3_janitor_spares_a_long_upload_still_sending_parts(
    moto_url: str, moto_admin: Any
) -> None:
    """Idle time counts from the newest part, so an upload older than ``older_than`` that is
    still moving survives and completes."""
    bucket = _bucket()
    moto_admin.create_bucket(Bucket=bucket)
    data = payload(2 * PART + 10, seed=4)
    first_part, go_on, second_part, finish = (asyncio.Event() for _ in range(4))

    async def slow() -> AsyncIterator[bytes]:
        # Each event is set once the bytes of the part before it are handed over; the part
        # itself uploads in the background (the pipeline keeps reading), so the test waits
        # for the store to list it before it asks the janitor.
        async for chunk in stream(data[: PART + 10]):
            yield chunk
        first_part.set()
        await go_on.wait()
        async for chunk in stream(data[PART + 10 : 2 * PART + 5]):
            yield chunk
        second_part.set()
        await finish.wait()
        yield data[2 * PART + 5 :]

    async with _s3(moto_url, bucket) as s3:
        task = asyncio.create_task(s3.put_stream("videos/long.mp4", slow(), content_type="x/y"))
        await asyncio.wait_for(first_part.wait(), 10)
        await _parts_stored(moto_admin, bucket, 1)
        await asyncio.sleep(AGE)
        # Its start is older than OLDER_THAN (moto even reports every upload as started in
        # 2010), but it is still sending parts: one more, just now.
        go_on.set()
        await asyncio.wait_for(second_part.wait(), 10)
        await _parts_stored(moto_admin, bucket, 2)
        assert len(_uploads(moto_admin, bucket)) == 1
        assert await s3.remove_abandoned(older_than=OLDER_THAN) == 0
        finish.set()
        stored = await asyncio.wait_for(task, 30)
    assert stored.sha256 == sha(data)
    assert _keys(moto_admin, bucket) == ["videos/long.mp4"]


# --- the janitor on local disk ---


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


async def test_the_local_janitor_removes_old_temporary_files_only(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    hour = timedelta(hours=1)
    async with _local(root) as local:
        old = await local.put_stream("videos/b-1/old.mp4", stream(b"old"), content_type="video/mp4")
        folder = root / "videos" / "b-1"
        for final in (folder / "old.mp4", folder / ".old.mp4.meta"):
            _age(final, 7200)  # final objects and their metadata: never touched, however old
        crashed = [
            folder / f".lesson.mp4.partial-{os.urandom(8).hex()}",
            folder / f".lesson.mp4.meta.partial-{os.urandom(8).hex()}",
            root / f".ready.partial-{os.urandom(8).hex()}",
        ]
        recent = folder / f".other.mp4.partial-{os.urandom(8).hex()}"
        for leftover in [*crashed, recent]:
            leftover.write_bytes(b"half")
        for leftover in crashed:
            _age(leftover, 7200)
        _age(recent, 60)

        # A write in progress (its temporary file is fresh) while the janitor runs.
        reached = asyncio.Event()
        go_on = asyncio.Event()

        async def slow() -> AsyncIterator[bytes]:
            yield payload(3 * 1024 * 1024)
            reached.set()
            await go_on.wait()
            yield b"end"

        task = asyncio.create_task(local.put_stream("videos/live.mp4", slow(), content_type="v/m"))
        await asyncio.wait_for(reached.wait(), 10)

        assert await local.remove_abandoned(older_than=hour) == 3

        go_on.set()
        live = await asyncio.wait_for(task, 10)
        assert live.size == 3 * 1024 * 1024 + 3
        assert not any(p.exists() for p in crashed)
        assert recent.exists()
        assert await local.head("videos/b-1/old.mp4") == old
        assert await local.head("videos/live.mp4") == live
        assert await local.remove_abandoned(older_than=hour) == 0
        recent.unlink()
        leftovers = sorted(p.name for p in root.rglob("*") if ".partial-" in p.name)
        assert leftovers == []
        with pytest.raises(ValueError, match="older_than"):
            await local.remove_abandoned(older_than=timedelta(seconds=-1))


# --- the documented rule is the one applied ---


def test_the_lifecycle_rule_in_the_deploy_readme_is_the_one_the_service_applies() -> None:
    readme = (REPO / "deploy" / "k8s" / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```json\n(\{.*?\})\n```", readme, re.DOTALL)
    assert found, "deploy/k8s/README.md should show the lifecycle configuration as JSON"
    assert json.loads(found.group(1)) == LIFECYCLE_CONFIGURATION
