"""The downloader never sends the Zoom bearer token to the CDN that Zoom's download URL
redirects to. Proven with the real downloader against the Zoom simulator whose CDN answers on
another host name and port (`separate_cdn`) and records whether an Authorization header reached
it; and, on the simulator's single-host default, that the token is not carried across a redirect
to the same origin either (where httpx itself would keep it).
"""

from __future__ import annotations

import hashlib

import httpx
import pytest

from recording_sync.adapters.downloader import Downloader
from recording_sync.domain.model import DownloadAccess
from tests.unit.recording_sync.zoom_files import recorded_file
from zoomsim import expected_sha256

SIZE = 1_500_000  # more than one chunk


async def _download(access: DownloadAccess) -> bytes:
    downloader = Downloader(local_hosts=())
    try:
        async with downloader.open(access) as chunks:
            return b"".join([chunk async for chunk in chunks])
    finally:
        await downloader.close()


@pytest.mark.parametrize("separate_cdn", [True, False], ids=["cdn-host", "one-host"])
async def test_the_bearer_token_never_reaches_the_cdn(separate_cdn: bool) -> None:
    async with recorded_file(SIZE, separate_cdn=separate_cdn) as zoom:
        ctl, file, token = zoom.ctl, zoom.file, zoom.token
        access = await zoom.access()
        [api_host], [cdn_host] = access.credential_hosts, access.redirect_hosts
        assert (cdn_host != api_host) is separate_cdn

        data = await _download(access)

        assert len(data) == SIZE
        assert hashlib.sha256(data).hexdigest() == expected_sha256(file["id"], SIZE)
        asked = [r for r in await ctl.requests() if r["path"].startswith("/rec/download/")]
        assert [r["authorization"] for r in asked] == [True]  # Zoom's host got the token
        served = await ctl.cdn_requests()
        assert served, "the file came from the CDN"
        assert [r["authorization"] for r in served] == [False]
        assert all(r["host"].split(":")[0] == cdn_host for r in served)

        # the check is live: a client that forwards its token is seen doing it
        async with httpx.AsyncClient() as leaky:
            moved = await leaky.get(
                file["download_url"], headers={"Authorization": f"Bearer {token}"}
            )
            await leaky.get(moved.headers["location"], headers={"Authorization": f"Bearer {token}"})
        assert (await ctl.cdn_requests())[-1]["authorization"] is True
