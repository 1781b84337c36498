"""The downloader never sends the Zoom bearer token to the CDN that Zoom's download URL
redirects to. Proven with the real downloader against the Zoom simulator whose CDN answers on
another host name and port (`separate_cdn`) and records whether an Authorization header reached
it; and, on the simulator's single-host default, that the token is not carried across a redirect
to the same origin either (where httpx itself would keep it).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from recording_sync.adapters.downloader import Downloader
from recording_sync.domain.model import DownloadAccess
from zoomsim import Fidelity, SimConfig, Simulator, expected_sha256
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process

SIZE = 1_500_000  # more than one chunk


@asynccontextmanager
async def zoom(separate_cdn: bool) -> AsyncIterator[tuple[SimClient, dict[str, Any], str]]:
    """A served simulator with one recorded MP4: (control client, the file as Zoom lists it,
    an S2S access token)."""
    fidelity = Fidelity(separate_cdn=separate_cdn)
    sim = Simulator(SimConfig(webhooks=[], rate_limits=False, fidelity=fidelity))
    async with sim, serve_in_process(sim) as url:  # noqa: SIM117
        async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
            meeting = await ctl.create_meeting(topic="Algebra")
            await ctl.start(meeting["id"])
            files = [{"file_type": "MP4", "size": SIZE}]
            await ctl.end(meeting["id"], recording={"files": files, "delay": 0})
            await ctl.recording_ready(meeting["id"])
            account = (await ctl.credentials())["accounts"][0]
            app = next(a for a in account["apps"] if a["kind"] == "s2s")
            answer = await http.post(
                "/oauth/token",
                data={"grant_type": "account_credentials", "account_id": account["account_id"]},
                auth=(app["client_id"], app["client_secret"]),
            )
            token = answer.json()["access_token"]
            listed = await http.get(
                f"/v2/meetings/{meeting['id']}/recordings",
                headers={"Authorization": f"Bearer {token}"},
            )
            [file] = listed.json()["recording_files"]
            yield ctl, file, token


async def _download(access: DownloadAccess) -> bytes:
    downloader = Downloader(local_hosts=())
    try:
        async with downloader.open(access) as chunks:
            return b"".join([chunk async for chunk in chunks])
    finally:
        await downloader.close()


@pytest.mark.parametrize("separate_cdn", [True, False], ids=["cdn-host", "one-host"])
async def test_the_bearer_token_never_reaches_the_cdn(separate_cdn: bool) -> None:
    async with zoom(separate_cdn) as (ctl, file, token):
        api_host = urlsplit(file["download_url"]).hostname or ""
        cdn_host = urlsplit(await ctl.cdn_base_url()).hostname
        assert (cdn_host != api_host) is separate_cdn
        access = DownloadAccess(
            url=file["download_url"],
            token=token,
            credential_hosts=(api_host,),
            redirect_hosts=(cdn_host or "",),
            size=SIZE,
            extension="MP4",
        )

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
