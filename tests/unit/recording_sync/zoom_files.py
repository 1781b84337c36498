"""A served Zoom simulator holding one cloud recording: what the downloader and transfer tests
copy from, with the file as Zoom lists it and an access token, as zoom-gateway would have them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from recording_sync.domain.model import DownloadAccess
from zoomsim import Fidelity, SimConfig, Simulator
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process


@dataclass(frozen=True)
class RecordedFile:
    """The simulator's control client, its API base URL, the file as Zoom lists it, and an
    S2S access token that may download it."""

    ctl: SimClient
    url: str
    file: dict[str, Any]
    token: str

    @property
    def file_id(self) -> str:
        return str(self.file["id"])

    async def access(self) -> DownloadAccess:
        """Access to the file as zoom-gateway grants it: the token for the API host only, the
        simulator's CDN host for the redirect."""
        return DownloadAccess(
            url=self.file["download_url"],
            token=self.token,
            credential_hosts=(urlsplit(self.file["download_url"]).hostname or "",),
            redirect_hosts=(urlsplit(await self.ctl.cdn_base_url()).hostname or "",),
            size=int(self.file["file_size"]),
            extension="MP4",
        )


@asynccontextmanager
async def recorded_file(size: int, *, separate_cdn: bool = True) -> AsyncIterator[RecordedFile]:
    """A served simulator with one recorded MP4 of ``size`` bytes, ready to download."""
    sim = Simulator(
        SimConfig(webhooks=[], rate_limits=False, fidelity=Fidelity(separate_cdn=separate_cdn))
    )
    async with sim, serve_in_process(sim) as url:  # noqa: SIM117
        async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
            meeting = await ctl.create_meeting(topic="Algebra")
            await ctl.start(meeting["id"])
            files = [{"file_type": "MP4", "size": size}]
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
            yield RecordedFile(ctl=ctl, url=url, file=file, token=token)
