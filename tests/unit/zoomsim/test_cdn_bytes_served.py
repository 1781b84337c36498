"""The CDN counts what it serves: each entry of `GET /_sim/cdn/requests` carries the `range`
asked for, the span answered and the body bytes sent so far (`bytes_sent`, updated while the
body streams), so a test of a resumable downloader can count the bytes Zoom served
(`SimClient.cdn_bytes_served`). Over real sockets: a client that stops reading and hangs up is
what the count must survive.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from zoomsim import Fidelity, SimConfig, Simulator, sha256_of
from zoomsim.client import SimClient
from zoomsim.content import read_range
from zoomsim.server import serve_in_process

from .fidelity_support import first_account, s2s_bearer

SMALL = 3 * 1024 * 1024 + 4321  # a few chunks and a partial one
BIG = 256 * 1024 * 1024  # far more than loopback sockets buffer
HUGE = 2 * 1024 * 1024 * 1024  # 2 GiB: listed and ranged, never read whole here
SLACK = 32 * 1024 * 1024  # what sockets and the server's buffer may hold beyond what was read


@asynccontextmanager
async def recorded(*sizes: int) -> AsyncIterator[tuple[SimClient, list[dict[str, Any]]]]:
    """A served simulator (its CDN on its own port) with one MP4 file per size: (control
    client, the files as listed with each one's signed CDN URL under `cdn_url`)."""
    sim = Simulator(SimConfig(webhooks=[], rate_limits=False, fidelity=Fidelity(separate_cdn=True)))
    async with sim, serve_in_process(sim) as url:  # noqa: SIM117
        async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
            m = await ctl.create_meeting()
            await ctl.start(m["id"])
            files = [{"file_type": "MP4", "size": n} for n in sizes]
            await ctl.end(m["id"], recording={"files": files, "delay": 0})
            await ctl.recording_ready(m["id"])
            auth = await s2s_bearer(http, await first_account(ctl))
            r = await http.get(f"/v2/meetings/{m['id']}/recordings", headers=auth)
            listed = r.json()["recording_files"]
            for f in listed:
                moved = await http.get(f["download_url"], headers=auth)
                assert moved.status_code == 302
                f["cdn_url"] = moved.headers["location"]
            yield ctl, listed


async def entries(ctl: SimClient, file_id: str) -> list[dict[str, Any]]:
    return [r for r in await ctl.cdn_requests() if r["file_id"] == file_id]


async def test_a_whole_and_a_ranged_download_are_counted_to_the_byte() -> None:
    async with recorded(SMALL) as (ctl, [f]), httpx.AsyncClient() as http:
        whole = await http.get(f["cdn_url"])
        assert whole.status_code == 200
        assert len(whole.content) == SMALL
        assert hashlib.sha256(whole.content).hexdigest() == sha256_of(f["id"], SMALL, "MP4")
        [first] = await entries(ctl, f["id"])
        assert first["range"] is None
        assert (first["start"], first["end"]) == (0, SMALL)
        assert first["bytes_sent"] == SMALL
        assert first["complete"] is True
        assert await ctl.cdn_bytes_served(f["id"]) == SMALL

        ranged = await http.get(f["cdn_url"], headers={"Range": "bytes=1048000-2097999"})
        assert ranged.status_code == 206
        assert ranged.content == whole.content[1048000:2098000]  # the same bytes at that offset
        tail = await http.get(f["cdn_url"], headers={"Range": "bytes=-4321"})
        assert tail.content == whole.content[-4321:]
        _, mid, last = await entries(ctl, f["id"])
        assert mid["range"] == "bytes=1048000-2097999"
        assert (mid["start"], mid["end"], mid["bytes_sent"]) == (1048000, 2098000, 1050000)
        assert mid["status"] == 206
        assert mid["complete"] is True
        assert (last["range"], last["bytes_sent"]) == ("bytes=-4321", 4321)
        assert await ctl.cdn_bytes_served(f["id"]) == SMALL + 1050000 + 4321
        assert await ctl.cdn_bytes_served() == SMALL + 1050000 + 4321

        # a HEAD and an unsatisfiable range send no file bytes, and count none
        assert (await http.head(f["cdn_url"])).status_code == 200
        bad = await http.get(f["cdn_url"], headers={"Range": f"bytes={SMALL}-"})
        assert bad.status_code == 416
        assert await ctl.cdn_bytes_served(f["id"]) == SMALL + 1050000 + 4321
        # an error answer names no file and counts toward no file
        forged = f["cdn_url"].replace("Signature=", "Signature=0")
        assert (await http.get(forged)).status_code == 403
        assert (await ctl.cdn_requests())[-1]["status"] == 403
        assert await ctl.cdn_bytes_served() == SMALL + 1050000 + 4321


async def test_a_download_cut_short_counts_what_was_sent_up_to_then() -> None:
    async with recorded(BIG) as (ctl, [f]), httpx.AsyncClient() as http:
        received = 0
        async with http.stream("GET", f["cdn_url"]) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received >= 8 * 1024 * 1024:
                    break
            # live while it streams: the server, held back by the client, has sent part
            [live] = await entries(ctl, f["id"])
            assert received <= live["bytes_sent"] <= received + SLACK
            assert live["complete"] is False
        # the client hung up: the stream stops and its count with it
        counts = []
        for _ in range(20):
            await asyncio.sleep(0.05)
            counts.append((await entries(ctl, f["id"]))[0]["bytes_sent"])
        assert counts[-1] == counts[-5], "the CDN went on sending to a client that hung up"
        [gone] = await entries(ctl, f["id"])
        assert received <= gone["bytes_sent"] <= received + SLACK
        assert gone["bytes_sent"] < BIG
        assert gone["complete"] is False
        assert await ctl.cdn_bytes_served(f["id"]) == gone["bytes_sent"]

        # the resumed rest, from where the client stopped, is served and counted exactly
        rest = await http.get(f["cdn_url"], headers={"Range": f"bytes={BIG - 1000}-"})
        assert rest.content == read_range(f["id"], BIG, "MP4", BIG - 1000, BIG)
        assert await ctl.cdn_bytes_served(f["id"]) == gone["bytes_sent"] + 1000


async def test_a_two_gib_file_is_listed_and_served_by_range() -> None:
    async with recorded(HUGE) as (ctl, [f]), httpx.AsyncClient() as http:
        assert f["file_size"] == HUGE
        head = await http.head(f["cdn_url"])
        assert head.headers["content-length"] == str(HUGE)
        r = await http.get(f["cdn_url"], headers={"Range": f"bytes={HUGE - 65536 - 10}-"})
        assert r.status_code == 206
        assert r.headers["content-range"] == f"bytes {HUGE - 65546}-{HUGE - 1}/{HUGE}"
        assert r.content == read_range(f["id"], HUGE, "MP4", HUGE - 65546, HUGE)
        assert await ctl.cdn_bytes_served(f["id"]) == 65546
