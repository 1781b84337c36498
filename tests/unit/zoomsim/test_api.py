"""OAuth, REST endpoints, pagination, encoding, rate limits, faults, webhooks, downloads."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from zoomsim import SimConfig, Simulator, expected_sha256
from zoomsim.client import SimClient
from zoomsim.content import read_range
from zoomsim.server import serve_in_process

from .conftest import BASE, HOOK, SECRET, Receiver, app_of, basic, s2s_token


async def wait_for(pred, ctl: SimClient, tries: int = 300) -> None:
    for _ in range(tries):
        await ctl.drain()
        if pred():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_bad_client_credentials_get_oauth_error_body(sim: Simulator, http) -> None:
    app = app_of(sim, "s2s")
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": app.account_id},
        headers=basic(app.client_id, "wrong"),
    )
    assert r.status_code == 401
    assert r.json() == {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "password"},
        headers=basic(app.client_id, app.client_secret),
    )
    assert r.json()["error"] == "unsupported_grant_type"


async def test_expired_and_revoked_tokens_get_124(sim: Simulator, http) -> None:
    tok = await s2s_token(sim, http)
    h = {"Authorization": f"Bearer {tok}"}
    assert (await http.get("/v2/users/me", headers=h)).status_code == 200
    sim.state.clock.advance(3601)
    r = await http.get("/v2/users/me", headers=h)
    assert r.status_code == 401
    assert r.json() == {"code": 124, "message": "Access token is expired."}
    tok = await s2s_token(sim, http)
    app = app_of(sim, "s2s")
    await http.post(
        "/oauth/revoke", data={"token": tok}, headers=basic(app.client_id, app.client_secret)
    )
    revoked = await http.get("/v2/users/me", headers={"Authorization": f"Bearer {tok}"})
    assert revoked.status_code == 401
    assert revoked.json() == {"code": 124, "message": "Invalid access token."}


async def test_authorization_code_with_pkce_and_rotating_refresh(sim: Simulator, http) -> None:
    app = app_of(sim, "oauth")
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    r = await http.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app.client_id,
            "state": "s1",
            "redirect_uri": "https://app.test/cb",
            "code_challenge": challenge.rstrip("="),
            "code_challenge_method": "S256",
        },
    )
    assert r.status_code == 302
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "code": q["code"][0],
        "redirect_uri": "https://app.test/other",
        "code_verifier": verifier,
    }
    auth = basic(app.client_id, app.client_secret)
    assert (await http.post("/oauth/token", data=form, headers=auth)).status_code == 400
    form["redirect_uri"] = "https://app.test/cb"
    r = await http.post("/oauth/token", data=form, headers=auth)
    body = r.json()
    assert r.status_code == 200
    assert body["refresh_token"]
    assert body["expires_in"] == 3600
    assert (await http.post("/oauth/token", data=form, headers=auth)).json()["error"] == (
        "invalid_grant"
    )  # single use
    me = await http.get("/v2/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == app.user_id
    old = body["refresh_token"]
    r = await http.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": old}, headers=auth
    )
    assert r.status_code == 200
    assert r.json()["refresh_token"] != old
    r = await http.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": old}, headers=auth
    )
    assert r.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}


async def test_meeting_crud_validation_and_tracking(api: httpx.AsyncClient) -> None:
    bad = [
        {"topic": "x" * 201},
        {"agenda": "a" * 2001},
        {"password": "bad pass"},
        {"password": "12345678901"},
        {"type": 5},
        {"start_time": "tomorrow"},
        {"duration": 0},
    ]
    for body in bad:
        r = await api.post("/v2/users/me/meetings", json=body)
        assert r.status_code == 400 and r.json()["code"] == 300 and r.json()["errors"], body  # noqa: PT018
    r = await api.post(
        "/v2/users/me/meetings",
        json={
            "topic": "Weekly",
            "type": 8,
            "start_time": "2030-03-04T09:00:00",
            "timezone": "Europe/Berlin",
            "duration": 30,
            "recurrence": {"type": 2, "weekly_days": "2,4", "end_times": 4},
        },
    )
    assert r.status_code == 201
    assert "x-zm-trackingid" in r.headers
    m = r.json()
    assert m["start_time"] == "2030-03-04T08:00:00Z"
    assert len(m["occurrences"]) == 4
    g1 = (await api.get(f"/v2/meetings/{m['id']}")).json()
    g2 = (await api.get(f"/v2/meetings/{m['id']}")).json()
    assert g1["start_url"] != g2["start_url"]
    assert g1["status"] == "waiting"
    r = await api.patch(f"/v2/meetings/{m['id']}", json={"topic": "Renamed"})
    assert r.status_code == 204
    assert r.content == b""
    occ = m["occurrences"][1]["occurrence_id"]
    assert (
        await api.delete(f"/v2/meetings/{m['id']}", params={"occurrence_id": occ})
    ).status_code == 204
    g = (await api.get(f"/v2/meetings/{m['id']}")).json()
    assert g["topic"] == "Renamed"
    assert g["occurrences"][1]["status"] == "deleted"
    assert (await api.delete(f"/v2/meetings/{m['id']}")).status_code == 204
    r = await api.get(f"/v2/meetings/{m['id']}")
    assert r.status_code == 404
    assert r.json() == {
        "code": 3001,
        "message": f"Meeting does not exist: {m['id']}.",
    }
    r = await api.get("/v2/users/nobody@x.test")
    assert r.status_code == 404
    assert r.json()["code"] == 1001


async def test_list_pagination_and_invalid_token(api: httpx.AsyncClient) -> None:
    for i in range(5):
        await api.post("/v2/users/me/meetings", json={"topic": f"m{i}"})
    r = (await api.get("/v2/users/me/meetings", params={"page_size": 2})).json()
    seen = [x["topic"] for x in r["meetings"]]
    assert r["total_records"] == 5
    while r["next_page_token"]:
        r = (
            await api.get(
                "/v2/users/me/meetings",
                params={"page_size": 2, "next_page_token": r["next_page_token"]},
            )
        ).json()
        seen += [x["topic"] for x in r["meetings"]]
    assert sorted(seen) == [f"m{i}" for i in range(5)]
    r = await api.get("/v2/users/me/meetings", params={"next_page_token": "nope"})
    assert r.status_code == 400
    assert r.json() == {"code": 300, "message": "The next page token is invalid or expired."}


async def test_uuid_double_encoding_rule(sim: Simulator, api, ctl: SimClient) -> None:
    m = (await api.post("/v2/users/me/meetings", json={"topic": "t"})).json()
    sim.state.meetings[m["id"]].uuid = "/ab//cdEFghIJklMNopQR=="
    await ctl.start(m["id"])
    await ctl.join(m["id"], "Guest One")
    await ctl.end(m["id"], no_recording=True)
    uuid = "/ab//cdEFghIJklMNopQR=="
    once, twice = quote(uuid, safe=""), quote(quote(uuid, safe=""), safe="")
    assert (await api.get(f"/v2/past_meetings/{once}/participants")).status_code == 404
    r = await api.get(f"/v2/past_meetings/{twice}/participants")
    assert r.status_code == 200
    row = r.json()["participants"][0]
    assert row["user_email"] == ""
    assert row["id"] == ""
    assert isinstance(row["duration"], int)


async def test_participants_report_before_and_after_end(api, ctl: SimClient) -> None:
    m = (await api.post("/v2/users/me/meetings", json={"topic": "t"})).json()
    await ctl.start(m["id"], at=1_900_000_000)
    p = await ctl.join(m["id"], "Ana", at=1_900_000_010)
    await ctl.leave(m["id"], p["user_id"], at=1_900_000_070)
    p2 = await ctl.join(m["id"], "Ana", at=1_900_000_100)
    assert p2["user_id"] != p["user_id"]
    r = await api.get(f"/v2/report/meetings/{m['id']}/participants")
    assert r.status_code == 404
    assert r.json() == {"code": 3001, "message": "Meeting ID is invalid or not end."}
    await ctl.end(m["id"], at=1_900_000_400, no_recording=True)
    r = await api.get(f"/v2/report/meetings/{m['id']}/participants", params={"page_size": 1})
    body = r.json()
    assert body["total_records"] == 2
    assert body["participants"][0]["duration"] == 60
    r = await api.get(
        f"/v2/report/meetings/{m['id']}/participants",
        params={"page_size": 1, "next_page_token": body["next_page_token"]},
    )
    assert r.json()["participants"][0]["duration"] == 300
    past = (await api.get(f"/v2/past_meetings/{m['id']}")).json()
    assert past["participants_count"] == 2
    inst = (await api.get(f"/v2/past_meetings/{m['id']}/instances")).json()
    assert len(inst["meetings"]) == 1


async def test_recordings_list_window_trash_and_recover(sim: Simulator, api, ctl) -> None:
    m = (await api.post("/v2/users/me/meetings", json={"topic": "t"})).json()
    await ctl.start(m["id"])
    await ctl.end(
        m["id"],
        recording={
            "files": [
                {"file_type": "MP4", "size": 100},
                {"file_type": "CHAT", "size": 300},
                {"file_type": "TRANSCRIPT", "size": 300},
            ],
            "delay": 0,
            "transcript_delay": 60,
        },
    )
    await ctl.recording_ready(m["id"])
    r = await api.get(
        f"/v2/meetings/{m['id']}/recordings",
        params={"include_fields": "download_access_token", "ttl": 60},
    )
    body = r.json()
    assert r.status_code == 200
    assert body["download_access_token"]
    assert {f["file_type"] for f in body["recording_files"]} == {"MP4", "CHAT"}
    tr = next(f for f in sim.state.files_by_id.values() if f[1].file_type == "TRANSCRIPT")[1]
    r = await api.delete(f"/v2/meetings/{m['id']}/recordings/{tr.id}")
    assert r.status_code == 400
    assert r.json()["code"] == 3303
    r = await api.get("/v2/users/me/recordings", params={"from": "2024-01-01", "to": "2024-03-01"})
    assert r.status_code == 400
    assert r.json()["code"] == 300
    r = await api.get("/v2/users/me/recordings")
    assert r.json()["total_records"] == 1
    r = await api.get("/v2/users/me/recordings", params={"next_page_token": "bad"})
    assert r.json()["message"] == "The next page token is invalid or expired."
    mp4 = body["recording_files"][0]["id"]
    assert (await api.delete(f"/v2/meetings/{m['id']}/recordings/{mp4}")).status_code == 204
    # one file trashed, not the whole meeting: Zoom lists it under trash_type=recording_file
    whole = (await api.get("/v2/users/me/recordings", params={"trash": "true"})).json()
    assert whole["meetings"] == []
    files = {"trash": "true", "trash_type": "recording_file"}
    r = (await api.get("/v2/users/me/recordings", params=files)).json()
    assert r["meetings"][0]["recording_files"][0]["id"] == mp4
    assert (
        await api.put(f"/v2/meetings/{m['id']}/recordings/status", json={"action": "recover"})
    ).status_code == 204
    assert (
        await api.delete(f"/v2/meetings/{m['id']}/recordings", params={"action": "delete"})
    ).status_code == 204
    r = await api.get(f"/v2/meetings/{m['id']}/recordings")
    assert r.json()["code"] == 3301


async def test_rate_limits_qps_daily_and_host(sim: Simulator, api) -> None:
    sim.config.create_meeting_label = "Light"
    sim.state.accounts[next(iter(sim.state.accounts))].plan = "free"
    codes = [(await api.get("/v2/users/me")).status_code for _ in range(8)]
    assert 429 in codes
    r = await api.get("/v2/users/me")
    assert r.headers["X-RateLimit-Type"] == "QPS"
    assert r.headers["X-RateLimit-Category"] == "Light"
    sim.api.limiter.reset()
    acct = next(iter(sim.state.accounts))
    day = (
        __import__("datetime")
        .datetime.fromtimestamp(sim.state.clock.now(), __import__("datetime").UTC)
        .date()
        .isoformat()
    )
    sim.api.limiter.daily[(acct, "Light", day)] = 6000
    r = await api.get("/v2/users/me")
    assert r.status_code == 429
    assert r.headers["X-RateLimit-Type"] == "Daily-limit"
    assert r.headers["Retry-After"].endswith("T00:00:00Z")
    assert "daily" in r.json()["message"]
    sim.api.limiter.reset()
    sim.state.accounts[acct].plan = "business"
    sim.config.host_daily_limit = 3
    got = [(await api.post("/v2/users/me/meetings", json={})).status_code for _ in range(4)]
    assert got == [201, 201, 201, 429]


async def test_faults_error_delay_and_429_bursts(api, ctl: SimClient) -> None:
    await ctl.fault("error", status=503, count=2, path="/v2/users")
    codes = [(await api.get("/v2/users/me")).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    await ctl.fault("rate_limit", limit_type="Daily-limit", count=1)
    r = await api.get("/v2/users/me")
    assert r.status_code == 429
    assert "Retry-After" in r.headers
    await ctl.fault("delay", seconds=0.05, count=1)
    assert (await api.get("/v2/users/me")).status_code == 200
    reqs = await ctl.requests()
    assert reqs[-1]["path"] == "/v2/users/me"
    assert reqs[-1]["status"] == 200


async def test_signature_covers_raw_bytes_not_reserialised_json(
    sim: Simulator, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    results = await ctl.validate_webhooks()
    assert results[0]["ok"]
    first = receiver.received[0]
    raw = first["raw"]
    assert raw.startswith(b'{"payload":')  # Zoom's observed key order
    reserialised = json.dumps(json.loads(raw), separators=(",", ":"), sort_keys=True).encode()
    assert reserialised != raw
    import hmac

    ts = first["headers"]["x-zm-request-timestamp"]
    wrong = (
        "v0="
        + hmac.new(
            SECRET.encode(), b"v0:" + ts.encode() + b":" + reserialised, hashlib.sha256
        ).hexdigest()
    )
    assert first["ok"]
    assert wrong != first["headers"]["x-zm-signature"]
    h = first["headers"]
    assert h["user-agent"] == "Zoom Marketplace/1.0a"
    assert h["clientid"]
    assert h["content-type"] == "application/json; charset=utf-8"
    assert len(ts) == 10


async def test_webhook_faults_and_retry_schedule(
    sim: Simulator, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    m = await ctl.create_meeting(settings={"auto_recording": "none"})
    await ctl.fault("webhook_reorder", event="meeting.started")
    await ctl.fault("webhook_duplicate", event="meeting.participant_joined")
    await ctl.start(m["id"])
    p = await ctl.join(m["id"], "Ana")
    await ctl.fault("webhook_drop", event="meeting.participant_left")
    await ctl.leave(m["id"], p["user_id"])
    await ctl.drain()
    names = [e["event"] for e in receiver.events()]
    assert names == ["meeting.participant_joined", "meeting.participant_joined", "meeting.started"]
    dropped = await ctl.deliveries(state="dropped")
    assert dropped[0]["event"] == "meeting.participant_left"
    receiver.status = 500  # now every attempt fails: 1 + 3 retries, then dropped
    await ctl.end(m["id"])
    await wait_for(
        lambda: any(
            d.state == "dropped" and d.event == "meeting.ended" for d in sim.webhooks.deliveries
        ),
        ctl,
    )
    d = next(d for d in sim.webhooks.deliveries if d.event == "meeting.ended")
    assert len(d.attempts) == 4
    assert all(a.status == 500 for a in d.attempts)


async def test_download_auth_range_and_cdn_signature(sim: Simulator, api, ctl, http) -> None:
    m = await ctl.create_meeting()
    await ctl.start(m["id"])
    await ctl.end(
        m["id"],
        recording={
            "files": [
                {"file_type": "M4A", "size": 200_000},
                {"file_type": "TRANSCRIPT", "size": 3000},
            ],
            "delay": 0,
        },
    )
    await ctl.recording_ready(m["id"], transcript=True)
    files = (await api.get(f"/v2/meetings/{m['id']}/recordings")).json()["recording_files"]
    m4a = next(f for f in files if f["file_type"] == "M4A")
    vtt = next(f for f in files if f["file_type"] == "TRANSCRIPT")
    path = m4a["download_url"].removeprefix(BASE)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(sim.app), base_url=BASE) as anon:
        assert (await anon.get(path)).status_code == 401
        token = api.headers["Authorization"].split()[1]
        loc = (await anon.get(path, params={"access_token": token})).headers["location"]
        assert "/cdn/replay/" in loc
        assert "Signature=" in loc
        assert "Expires=" in loc
        r = await anon.get(loc, headers={"Range": "bytes=100-199"})
        assert r.status_code == 206
        assert r.content == read_range(m4a["id"], 200_000, "M4A", 100, 200)
        assert r.headers["content-range"] == "bytes 100-199/200000"
        r = await anon.get(loc, headers={"Range": "bytes=300000-"})
        assert r.status_code == 416
        r = await anon.get(loc)
        assert hashlib.sha256(r.content).hexdigest() == expected_sha256(m4a["id"], 200_000, "M4A")
        assert r.headers["content-type"] == "audio/mp4"
        assert "filename=" in r.headers["content-disposition"]
        assert (await anon.get(loc.replace("Signature=", "Signature=0"))).status_code == 403
        vloc = (
            await anon.get(
                vtt["download_url"].removeprefix(BASE), headers={"Authorization": f"Bearer {token}"}
            )
        ).headers["location"]
        text = (await anon.get(vloc)).text
        assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
        assert len(text) == 3000


async def test_truncated_and_stalled_downloads_over_a_socket(receiver: Receiver) -> None:
    sim = Simulator(SimConfig(webhooks=[], rate_limits=False))
    async with sim, serve_in_process(sim) as url:  # noqa: SIM117
        async with SimClient(url) as ctl, httpx.AsyncClient(base_url=url) as http:
            m = await ctl.create_meeting()
            await ctl.start(m["id"])
            end = await ctl.end(
                m["id"], recording={"files": [{"file_type": "MP4", "size": 3 << 20}], "delay": 0}
            )
            await ctl.recording_ready(m["id"])
            f = end["recording"]["files"][0]
            tok = await s2s_token(sim, http)
            await ctl.fault("stall", after_bytes=1000, seconds=0.2)
            await ctl.fault("expire_token", after_bytes=10)
            r = await http.get(
                f["download_url"], headers={"Authorization": f"Bearer {tok}"}, follow_redirects=True
            )
            assert r.status_code == 200
            assert len(r.content) == 3 << 20
            assert (
                await http.get("/v2/users/me", headers={"Authorization": f"Bearer {tok}"})
            ).status_code == 401
            tok = await s2s_token(sim, http)
            await ctl.fault("truncate", after_bytes=1 << 20)
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(
                    f["download_url"],
                    headers={"Authorization": f"Bearer {tok}"},
                    follow_redirects=True,
                )


async def test_webhook_timeout_over_a_socket_is_retried() -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    calls: list[float] = []

    async def slow(request):
        calls.append(1)
        if len(calls) == 1:
            await asyncio.sleep(1.5)
        return Response(status_code=204)

    recv = Simulator(SimConfig(webhooks=[]))  # only used for its uvicorn helper
    recv.app = Starlette(routes=[Route("/hook", slow, methods=["POST"])])
    sim = Simulator(SimConfig(webhooks=[], webhook_timeout=0.5, time_factor=0.0001))
    async with serve_in_process(recv) as rurl, sim:
        await sim.webhooks.configure(
            [__import__("zoomsim").WebhookTarget(rurl + "/hook", "s")], validate=False
        )
        sim.webhooks.emit("meeting.started", {"object": {"id": "1"}})
        for _ in range(300):
            if sim.webhooks.deliveries[0].state == "delivered":
                break
            await asyncio.sleep(0.02)
        d = sim.webhooks.deliveries[0]
        assert (d.state == "delivered" and d.attempts[0].error == "TimeoutError") or (
            d.attempts[0].error
        )


async def test_control_api_requires_admin_token_when_configured() -> None:
    sim = Simulator(SimConfig(admin_token="adm", webhooks=[]))
    async with SimClient(BASE, transport=httpx.ASGITransport(sim.app)) as c:
        with pytest.raises(Exception, match="401"):
            await c.health()
    async with SimClient(BASE, admin_token="adm", transport=httpx.ASGITransport(sim.app)) as c:
        assert (await c.health())["status"] == "ok"


def test_content_ranges_are_consistent_for_every_type() -> None:
    for ft in ("MP4", "M4A", "CHAT", "TRANSCRIPT", "CC", "TIMELINE", "CSV", "SUMMARY"):
        full = read_range("fid", 70_000, ft, 0, 70_000)
        assert len(full) == 70_000
        for a, b in ((0, 1), (5, 65_540), (69_990, 70_000)):
            assert read_range("fid", 70_000, ft, a, b) == full[a:b]
        if ft in ("TIMELINE", "SUMMARY"):
            json.loads(full)
        assert hashlib.sha256(full).hexdigest() == expected_sha256("fid", 70_000, ft)


def test_config_from_environment() -> None:
    cfg = SimConfig.from_env(
        {
            "ZOOMSIM_PORT": "1234",
            "ZOOMSIM_RATE_LIMITS": "off",
            "ZOOMSIM_TIME_FACTOR": "0.5",
            "ZOOMSIM_WEBHOOKS": '[{"url": "http://x/h", "secret": "s"}]',
        }
    )
    assert cfg.port == 1234
    assert cfg.rate_limits is False
    assert cfg.time_factor == 0.5
    assert cfg.webhooks[0].secret == "s"
