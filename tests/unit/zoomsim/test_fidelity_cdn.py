"""Fidelity: recording files come from a CDN on another host (its own host name and port on
loopback), so a client that carries its bearer token across the redirect is caught: the CDN
records whether an Authorization header reached it (`GET /_sim/cdn/requests`).

Over real sockets: the separate origin is the point.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx

from zoomsim import Fidelity, SimConfig, Simulator, expected_sha256
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process

from .fidelity_support import first_account, s2s_bearer

SIZE = 300_000


@asynccontextmanager
async def recorded(separate_cdn: bool) -> AsyncIterator[tuple[str, SimClient, dict[str, str]]]:
    """A served simulator with one recorded file: (API URL, control client, the file as listed
    by GET /v2/meetings/{id}/recordings plus the bearer token header)."""
    sim = Simulator(
        SimConfig(webhooks=[], rate_limits=False, fidelity=Fidelity(separate_cdn=separate_cdn))
    )
    async with sim, serve_in_process(sim) as url:  # noqa: SIM117
        async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
            m = await ctl.create_meeting()
            await ctl.start(m["id"])
            await ctl.end(
                m["id"], recording={"files": [{"file_type": "MP4", "size": SIZE}], "delay": 0}
            )
            await ctl.recording_ready(m["id"])
            auth = await s2s_bearer(http, await first_account(ctl))
            r = await http.get(f"/v2/meetings/{m['id']}/recordings", headers=auth)
            [f] = r.json()["recording_files"]
            yield url, ctl, {**auth, "id": f["id"], "download_url": f["download_url"]}


async def test_the_cdn_is_another_origin_and_tells_whether_a_token_reached_it() -> None:
    async with recorded(separate_cdn=True) as (url, ctl, f):
        auth = {"Authorization": f["Authorization"]}
        async with httpx.AsyncClient() as http:
            r = await http.get(f["download_url"], headers=auth)
            assert r.status_code == 302
            location = r.headers["location"]
            api, cdn = urlsplit(url), urlsplit(location)
            assert cdn.hostname == "localhost"
            assert api.hostname == "127.0.0.1"
            assert cdn.port != api.port  # its own port, too

            # a client that forwards its token is seen doing it
            got = await http.get(location, headers=auth)
            assert got.status_code == 200
            assert got.headers["content-length"] == str(SIZE)
            assert (await ctl.cdn_requests())[-1]["authorization"] is True
            clean = await http.get(location)
            assert clean.status_code == 200
            assert (await ctl.cdn_requests())[-1]["authorization"] is False
            assert hashlib.sha256(clean.content).hexdigest() == expected_sha256(f["id"], SIZE)

            # httpx following the redirect drops the header across origins: detectable as such
            followed = await http.get(f["download_url"], headers=auth, follow_redirects=True)
            assert followed.status_code == 200
            last = (await ctl.cdn_requests())[-1]
            assert last["authorization"] is False
            assert last["host"].startswith("localhost:")

            # each host serves only its own part
            assert (await http.get(f"{cdn.scheme}://{cdn.netloc}/v2/users/me")).status_code == 404
            api_copy = f"{url}{cdn.path}?{cdn.query}"
            assert (await http.get(api_copy)).status_code == 404
        listed = await ctl.cdn_requests()
        assert {r["host"].split(":")[0] for r in listed} == {"localhost", "127.0.0.1"}


async def test_separate_cdn_switched_off_the_file_is_on_the_api_origin() -> None:
    async with recorded(separate_cdn=False) as (url, ctl, f):
        auth = {"Authorization": f["Authorization"]}
        async with httpx.AsyncClient() as http:
            r = await http.get(f["download_url"], headers=auth)
            location = r.headers["location"]
            assert urlsplit(location).netloc == urlsplit(url).netloc
            assert (await http.get(location, headers=auth)).status_code == 200
            assert (await ctl.cdn_requests())[-1]["authorization"] is True
            # on one origin httpx keeps the header across the redirect: only a separate CDN
            # tells a client that relies on httpx from one that drops the token itself
            await http.get(f["download_url"], headers=auth, follow_redirects=True)
            assert (await ctl.cdn_requests())[-1]["authorization"] is True
