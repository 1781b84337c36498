"""The files endpoint that serves local-disk recordings behind signed URLs, on a real port:
signatures and expiry (403), ranges (206/416), headers, and its wiring into the service."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest

from classbridge_common.http import bind_socket, serving_http
from classbridge_common.settings import SettingsError
from classbridge_common.testing import make_settings
from recording_sync.adapters.storage import LocalStorage
from recording_sync.adapters.storage_local import sign_resource
from recording_sync.entrypoints.files import create_files_app, serving_storage
from recording_sync.settings import FILES_KEY_FILE, Settings

KEY = b"files-http-test-signing-key-0123456789"
DATA = bytes(range(256)) * 400  # 102400 bytes
SIZE = len(DATA)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 8192):
        yield data[start : start + 8192]


class Files:
    def __init__(self, storage: LocalStorage, client: httpx.AsyncClient, base: str) -> None:
        self.storage = storage
        self.client = client
        self.base = base

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.client.get(url, **kwargs)  # type: ignore[arg-type]

    def url(
        self,
        key: str,
        *,
        exp: int | None = None,
        dl: str | None = None,
        ct: str | None = None,
        sig: str | None = None,
    ) -> str:
        """A URL signed by hand (for expired or otherwise odd cases)."""
        exp = int(time.time()) + 60 if exp is None else exp
        if sig is None:
            sig = sign_resource(KEY, key, expires_at=exp, download_name=dl, content_type=ct)
        query = {"exp": str(exp), "sig": sig}
        if dl is not None:
            query["dl"] = dl
        if ct is not None:
            query["ct"] = ct
        return f"{self.base}/files/{quote(key, safe='/')}?{urlencode(query)}"


@pytest.fixture
async def files(tmp_path: Path) -> AsyncIterator[Files]:
    sock = bind_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    storage = LocalStorage(tmp_path / "storage", signing_key=KEY, public_url=base)
    async with (
        storage,
        serving_http(create_files_app(storage, KEY), sock),
        httpx.AsyncClient(timeout=10) as client,
    ):
        await storage.put_stream("videos/b-1/lesson.mp4", chunks(DATA), content_type="video/mp4")
        yield Files(storage, client, base)


async def test_a_signed_url_streams_the_file_with_its_headers(files: Files) -> None:
    answer = await files.get(await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60))
    assert answer.status_code == 200
    assert answer.content == DATA
    assert answer.headers["content-length"] == str(SIZE)
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["content-disposition"] == "inline"
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["accept-ranges"] == "bytes"


async def test_download_name_makes_an_attachment(files: Files) -> None:
    url = await files.storage.signed_url(
        "videos/b-1/lesson.mp4", expires_in=60, download_name='Intro "JS" ñ.mp4'
    )
    answer = await files.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"Intro JS _.mp4\"; filename*=UTF-8''Intro%20JS%20%C3%B1.mp4"
    )


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=100000-", 100000, SIZE - 1),
        ("bytes=-10", SIZE - 10, SIZE - 1),
        ("bytes=-999999", 0, SIZE - 1),
        ("bytes=5-99999999", 5, SIZE - 1),
    ],
)
async def test_single_ranges_get_206(files: Files, header: str, start: int, end: int) -> None:
    url = await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60)
    answer = await files.get(url, headers={"Range": header})
    assert answer.status_code == 206
    assert answer.content == DATA[start : end + 1]
    assert answer.headers["content-range"] == f"bytes {start}-{end}/{SIZE}"
    assert answer.headers["content-length"] == str(end - start + 1)


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"])
async def test_unsatisfiable_ranges_get_416(files: Files, header: str) -> None:
    url = await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60)
    answer = await files.get(url, headers={"Range": header})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=9-3", "nonsense"])
async def test_other_range_headers_get_the_whole_file(files: Files, header: str) -> None:
    url = await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60)
    answer = await files.get(url, headers={"Range": header})
    assert answer.status_code == 200
    assert answer.content == DATA


async def test_expired_urls_are_refused(files: Files) -> None:
    answer = await files.get(files.url("videos/b-1/lesson.mp4", exp=int(time.time()) - 1))
    assert answer.status_code == 403
    assert answer.headers["cache-control"] == "private, no-store"


async def test_forged_or_altered_urls_are_refused(files: Files) -> None:
    good = await files.storage.signed_url(
        "videos/b-1/lesson.mp4", expires_in=60, download_name="a.mp4", content_type="video/mp4"
    )
    parts = urlsplit(good)
    later = str(int(time.time()) + 3600)
    exp = dict(p.split("=", 1) for p in parts.query.split("&"))["exp"]
    for forged in [
        files.url("videos/b-1/lesson.mp4", sig="A" * 43),
        good.replace(f"exp={exp}", f"exp={later}"),  # extend the expiry
        good.replace("dl=a.mp4", "dl=b.mp4"),  # change the download name
        good.replace("ct=video%2Fmp4", "ct=text%2Fhtml"),  # change the served type
        good.replace("&dl=a.mp4", ""),  # drop a signed parameter
        f"{files.base}{parts.path}",  # no signature at all
        files.url("videos/b-1/lesson.mp4", exp=int(time.time()) + 60, sig=""),
    ]:
        answer = await files.get(forged)
        assert answer.status_code == 403, forged
    other_key = LocalStorage(
        files.storage.root, signing_key=b"another-signing-key-0123456789", public_url=files.base
    )
    answer = await files.get(await other_key.signed_url("videos/b-1/lesson.mp4", expires_in=60))
    assert answer.status_code == 403


async def test_missing_files_and_bad_keys_are_404_once_signed(files: Files) -> None:
    assert (await files.get(files.url("videos/none.mp4"))).status_code == 404
    assert (await files.get(files.url("videos/b-1/.lesson.mp4.meta"))).status_code == 404
    assert (await files.get(files.url("videos"))).status_code == 404  # a folder
    url = await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60)
    await files.storage.delete("videos/b-1/lesson.mp4")
    assert (await files.get(url)).status_code == 404


async def test_signed_urls_are_not_logged(files: Files, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = await files.storage.signed_url("videos/b-1/lesson.mp4", expires_in=60)
    await files.get(url)
    await files.get(url.replace("sig=", "sig=x"))
    sig = dict(p.split("=", 1) for p in urlsplit(url).query.split("&"))["sig"]
    # httpx/httpcore are this test's own client. uvicorn's access log is off in the service
    # (serving_http: access_log=False), but pytest 9 attaches its capture handler to every
    # non-propagating logger, which switches it back on under test only.
    ours = [
        r.getMessage()
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore", "uvicorn.access"))
    ]
    assert not [m for m in ours if sig in m or "sig=" in m]


# --- wiring and settings ---


async def test_serving_storage_starts_the_files_server_for_local_storage(tmp_path: Path) -> None:
    settings = make_settings(
        Settings, service_name="recording-sync", data_dir=tmp_path, files_http_port=0
    )
    async with serving_storage(settings) as (storage, port):
        assert isinstance(storage, LocalStorage)
        assert port
        await storage.put_stream("videos/x.txt", chunks(b"hello"), content_type="text/plain")
        url = await storage.signed_url("videos/x.txt", expires_in=60)
        assert url.startswith(f"http://127.0.0.1:{port}/files/videos/x.txt?")
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        assert answer.status_code == 200
        assert answer.content == b"hello"
        assert answer.headers["content-type"].startswith("text/plain")


def test_the_dev_signing_key_is_generated_once(tmp_path: Path) -> None:
    settings = make_settings(Settings, service_name="recording-sync", data_dir=tmp_path)
    first = settings.files_signing_key()
    assert len(first) >= 32
    assert settings.files_signing_key() == first
    assert (tmp_path / FILES_KEY_FILE).stat().st_mode & 0o077 == 0


def test_prod_needs_a_signing_key_for_local_storage(tmp_path: Path) -> None:
    # Production also needs both token keys (user and service), each its own.
    common = {
        "service_name": "recording-sync",
        "data_dir": tmp_path,
        "env": "prod",
        "auth_jwt_secret": "x" * 40,
        "service_jwt_secret": "y" * 40,
    }
    with pytest.raises(ValueError, match="LOCAL_STORAGE_SIGNING_KEY"):
        Settings.model_validate(common)
    settings = Settings.model_validate({**common, "local_storage_signing_key": "k" * 40})
    assert settings.files_signing_key() == b"k" * 40
    s3 = Settings.model_validate({**common, "s3_bucket": "b"})
    with pytest.raises(SettingsError):
        s3.files_signing_key()


def test_files_base_url(tmp_path: Path) -> None:
    settings = make_settings(Settings, service_name="recording-sync", data_dir=tmp_path)
    assert settings.files_base_url() == "http://127.0.0.1:8083"
    assert settings.files_base_url(4321) == "http://127.0.0.1:4321"
    public = make_settings(
        Settings,
        service_name="recording-sync",
        data_dir=tmp_path,
        files_public_url="https://files.example.org/",
    )
    assert public.files_base_url(4321) == "https://files.example.org"
