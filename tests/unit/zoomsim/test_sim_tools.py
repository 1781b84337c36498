"""The simulator's own tools and switches: the CLI, run_subprocess, OAuth variants, the uuid
generator, url_validation failures, fault consumption and the 30-day trash purge."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from zoomsim import SimConfig, Simulator, cli
from zoomsim.client import SimClient
from zoomsim.faults import Faults
from zoomsim.server import run_subprocess, serve_in_process
from zoomsim.state import TRASH_DAYS, State

from .conftest import BASE, HOOK, SECRET, app_of, basic, s2s_token


async def test_cli_control_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    sim = Simulator(SimConfig(webhooks=[], rate_limits=False, uuid_slash_probability=0.0))

    async def run(*args: str) -> object:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, ["--sim", url, *args])
        out = capsys.readouterr()
        assert code == 0, out.err
        return json.loads(out.out)

    async with sim, serve_in_process(sim) as url:
        played = await run("class", "--students", "3", "--guests", "1", "--minutes", "10",
                           "--delay", "0", "--files", "MP4:1k,CHAT:1k")  # fmt: skip
        assert played["participants"] == 5  # the host, 3 students, 1 guest
        assert [f["file_type"] for f in played["recording"]["files"]] == ["MP4", "CHAT"]
        async with SimClient(url) as c:
            mid = str((await c.create_meeting(topic="cli"))["id"])
        await run("start", mid)
        joined = await run("join", mid, "Ana Lima")
        assert joined["email"] == ""
        left = await run("leave", mid, joined["user_id"])
        assert left["user_id"] == joined["user_id"]
        ended = await run("end", mid, "--files", "MP4:2k", "--delay", "0")
        assert ended["recording"]["files"][0]["file_size"] == 2048
        await run("ready", mid)
        assert (await run("trash", mid))["files"] == 1
        assert (await run("recover", mid))["files"] == 1
        fault = await run("fault", "error", '{"status": 502, "count": 2}')
        assert (fault["kind"], fault["status"], fault["count"]) == ("error", 502, 2)
        before = sim.state.clock.now()
        assert (await run("clock", "3600"))["offset"] == 3600
        assert sim.state.clock.now() >= before + 3600
        shown = await run("show", mid)
        assert shown["instances"][0]["recording"]["files"][0]["state"] == "active"
        assert (await run("credentials"))["accounts"]
        assert await run("deliveries", "--event", "meeting.started") == []
        code = await asyncio.to_thread(cli.main, ["--sim", url, "show", "999"])
        assert code == 1
        assert "no meeting 999" in capsys.readouterr().err


def test_run_subprocess_serves_and_stops() -> None:
    with run_subprocess("--rate-limits", "off", env={"ZOOMSIM_WEBHOOKS": "[]"}) as (url, proc):
        r = httpx.get(url + "/_sim/health", timeout=10)
        assert r.status_code == 200
        assert r.json()["base_url"] == url
        r = httpx.get(url + "/v2/users/me", timeout=10)
        assert r.status_code == 401
        assert r.headers["x-zm-trackingid"]
    assert proc.poll() is not None


async def _code_grant(sim: Simulator, http: httpx.AsyncClient) -> dict[str, str]:
    app = app_of(sim, "oauth")
    redirect = "https://classbridge.test/cb"  # Zoom: https, or plain http on loopback only
    r = await http.get(
        "/oauth/authorize",
        params={"client_id": app.client_id, "redirect_uri": redirect, "response_type": "code"},
    )
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        headers=basic(app.client_id, app.client_secret),
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_refresh_grace_period(sim: Simulator, http: httpx.AsyncClient, ctl) -> None:
    await ctl.configure(refresh_grace_seconds=60)
    app = app_of(sim, "oauth")
    first = await _code_grant(sim, http)

    async def refresh(token: str) -> httpx.Response:
        return await http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": token},
            headers=basic(app.client_id, app.client_secret),
        )

    r = await refresh(first["refresh_token"])
    assert r.status_code == 200
    second = r.json()["refresh_token"]
    sim.state.clock.advance(30)  # a racing worker reuses the old token inside the grace
    assert (await refresh(first["refresh_token"])).status_code == 200
    sim.state.clock.advance(31)
    r = await refresh(first["refresh_token"])
    assert r.status_code == 400
    assert r.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}
    assert (await refresh(second)).status_code == 200


async def test_reject_token_query_params(sim: Simulator, http: httpx.AsyncClient, ctl) -> None:
    app = app_of(sim, "s2s")
    params = {"grant_type": "account_credentials", "account_id": app.account_id}
    auth = basic(app.client_id, app.client_secret)
    r = await http.post("/oauth/token", params=params, headers=auth)  # as Zoom: refused
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert (await http.post("/oauth/token", data=params, headers=auth)).status_code == 200
    await ctl.configure(reject_token_query_params=False)  # the older setting still works
    assert (await http.post("/oauth/token", params=params, headers=auth)).status_code == 200
    await ctl.configure(reject_token_query_params=True)
    assert (await http.post("/oauth/token", params=params, headers=auth)).status_code == 400


def test_uuid_generator_with_probability_one() -> None:
    state = State(SimConfig(uuid_slash_probability=1.0, webhooks=[]))
    uuids = [state.new_uuid() for _ in range(300)]
    assert all(u.startswith("/") or "//" in u for u in uuids)
    assert all(len(u) == 24 for u in uuids)
    assert any(u.startswith("/") for u in uuids)
    assert any("//" in u[1:] for u in uuids)


async def test_generated_slash_uuid_needs_double_encoding(sim: Simulator, api, ctl) -> None:
    await ctl.configure(uuid_slash_probability=1.0)
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    await ctl.start(m["id"])
    uuid = (await ctl.end(m["id"]))["uuid"]
    assert uuid.startswith("/") or "//" in uuid
    once, twice = quote(uuid, safe=""), quote(quote(uuid, safe=""), safe="")
    assert (await api.get(f"/v2/past_meetings/{once}")).status_code == 404
    r = await api.get(f"/v2/past_meetings/{twice}")
    assert r.status_code == 200
    assert r.json()["uuid"] == uuid
    await ctl.configure(strict_uuid_encoding=False)
    assert (await api.get(f"/v2/past_meetings/{once}")).status_code == 200


async def test_wrong_encrypted_token_fails_validation_and_disables_target() -> None:
    async def liar(request: Request) -> JSONResponse:
        plain = json.loads(await request.body())["payload"].get("plainToken", "")
        return JSONResponse({"plainToken": plain, "encryptedToken": "0" * 64})

    receiver = Starlette(routes=[Route("/zoom/webhook", liar, methods=["POST"])])
    sim = Simulator(
        SimConfig(public_base_url=BASE, webhooks=[]),
        webhook_transport=httpx.ASGITransport(receiver),
    )
    async with sim, SimClient(BASE, transport=httpx.ASGITransport(sim.app)) as ctl:
        await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
        results = [(await ctl.validate_webhooks())[0] for _ in range(6)]
        assert all(not r["ok"] and r["error"] == "wrong answer" for r in results)
        assert [r["failures_in_a_row"] for r in results] == [1, 2, 3, 4, 5, 6]
        assert [r["disabled"] for r in results] == [False] * 5 + [True]
        assert (await ctl.webhooks())["disabled"] == [HOOK]
        m = await ctl.create_meeting(settings={"auto_recording": "none"})
        await ctl.start(m["id"])
        await ctl.drain()
        assert [d["state"] for d in await ctl.deliveries("meeting.started")] == ["disabled"]
        await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)  # re-saved
        assert (await ctl.webhooks())["disabled"] == []


async def test_request_faults_are_consumed_one_per_request(api, ctl: SimClient) -> None:
    await ctl.fault("error", status=503, path="^/v2/users")
    await ctl.fault("error", status=502, path="^/v2/users")
    await ctl.fault("delay", seconds=0.01, path="^/v2/users")
    codes = [(await api.get("/v2/users/me")).status_code for _ in range(3)]
    assert codes == [503, 502, 200]  # the delay rode along with the first request
    assert await ctl.faults() == []


def test_download_and_webhook_faults_one_of_each_kind_per_use() -> None:
    faults = Faults()
    for spec in (
        {"kind": "truncate", "after_bytes": 10},
        {"kind": "truncate", "after_bytes": 20},
        {"kind": "stall", "after_bytes": 5, "seconds": 0.1},
    ):
        faults.add(spec)
    first = faults.take_download("f1")
    assert sorted((f.kind, f.after_bytes) for f in first) == [("stall", 5), ("truncate", 10)]
    assert [(f.kind, f.after_bytes) for f in faults.take_download("f1")] == [("truncate", 20)]
    assert faults.take_download("f1") == []
    faults.add({"kind": "webhook_drop"})
    faults.add({"kind": "webhook_duplicate"})
    assert faults.webhook_action("meeting.started") == "drop"
    assert faults.webhook_action("meeting.started") == "duplicate"
    assert faults.webhook_action("meeting.started") is None
    faults.add({"kind": "error", "count": -1})
    assert all(len(faults.take_request("GET", "/v2/x")) == 1 for _ in range(5))
    assert len(faults.pending) == 1


async def test_trash_is_purged_after_30_days_of_simulated_time(
    sim: Simulator, api: httpx.AsyncClient, ctl: SimClient
) -> None:
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    await ctl.start(m["id"])
    await ctl.end(m["id"], recording={"files": [{"file_type": "MP4", "size": 100}], "delay": 0})
    await ctl.recording_ready(m["id"])
    assert (await api.delete(f"/v2/meetings/{m['id']}/recordings")).status_code == 204

    async def trash_ids() -> list[int]:
        api.headers["Authorization"] = f"Bearer {await s2s_token(sim, api)}"  # clock moved
        r = await api.get("/v2/users/me/recordings", params={"trash": "true"})
        return [x["id"] for x in r.json()["meetings"]]

    assert await trash_ids() == [m["id"]]
    sim.state.clock.advance((TRASH_DAYS - 1) * 86400)
    assert await trash_ids() == [m["id"]]
    sim.state.clock.advance(86400 + 1)
    assert await trash_ids() == []
    r = await api.put(f"/v2/meetings/{m['id']}/recordings/status", json={"action": "recover"})
    assert r.status_code == 404
    shown = await ctl.meeting(m["id"])
    assert shown["instances"][0]["recording"]["files"][0]["state"] == "deleted"
    assert sim.state.next_purge_at == float("inf")
