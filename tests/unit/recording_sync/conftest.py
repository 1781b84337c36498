"""Fixtures of the recording-sync unit tests that need a real S3-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from classbridge_common.testing import moto_s3_server


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's S3 server, one per test module."""
    with moto_s3_server() as url:
        yield url


@pytest.fixture(scope="module")
def moto_admin(moto_url: str) -> Iterator[Any]:
    """A plain boto3 client to look behind the storage's back (buckets, pending uploads)."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )
    yield client
    client.close()
