"""Several Zoom accounts (tenants) at once, and OAuth scopes enforced per endpoint.

What Classbridge's tenant routing relies on: each account's token only reaches that account's
meetings, users, recordings and reports; each account's events go only to its own webhook
targets, signed with its own secret; a token without an endpoint's scope gets Zoom's 401/4711;
a rotated client secret replaces the old one at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoomsim import (
    AccountSeed,
    AppSeed,
    Fidelity,
    SimConfig,
    Simulator,
    UserSeed,
    WebhookTarget,
    cli,
)
from zoomsim.client import SimClient, SimError
from zoomsim.scopes import DEFAULT_OAUTH_SCOPES, DEFAULT_S2S_SCOPES, NEEDS, check, granted
from zoomsim.server import serve_in_process

from .conftest import BASE, basic

SECRET_A = "secret-of-school-a"
SECRET_B = "secret-of-school-b"
HOOK_A = "http://hooks.test/a"
HOOK_B = "http://hooks.test/b"
PATH_SECRETS = {"/a": SECRET_A, "/b": SECRET_B, "/acme": "acme-secret"}


def signed_by(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """Verify `x-zm-signature` the way a receiver must: HMAC over `v0:{ts}:{raw body}`."""
    ts = headers["x-zm-request-timestamp"]
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return hmac.compare_digest("v0=" + mac.hexdigest(), headers["x-zm-signature"])


class Hooks:
    """Records every webhook POST per path, raw; answers url_validation with the secret of the
    path it arrived on (so a target validated with the wrong account's secret fails)."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/{name}", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        self.got.append(
            {"path": request.url.path, "headers": dict(request.headers), "raw": raw, "body": body}
        )
        if body["event"] == "endpoint.url_validation":
            secret = PATH_SECRETS[request.url.path]
            plain = body["payload"]["plainToken"]
            enc = hmac.new(secret.encode(), plain.encode(), hashlib.sha256).hexdigest()
            return JSONResponse({"plainToken": plain, "encryptedToken": enc})
        return Response(status_code=200)

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        return [
            g
            for g in self.got
            if g["body"]["event"] != "endpoint.url_validation"
            and (path is None or g["path"] == path)
        ]


def two_schools() -> SimConfig:
    """Two tenants configured through `SimConfig.accounts`, each with its own hook and secret."""
    return SimConfig(
        public_base_url=BASE,
        rate_limits=False,
        uuid_slash_probability=0.0,
        validate_on_configure=False,
        time_factor=0.0002,
        # these tests count what each account's target received; at-least-once delivery
        # (duplicates, reordering) has tests of its own
        fidelity=Fidelity(webhook_at_least_once=False),
        accounts=[
            AccountSeed(
                name="School A",
                id="acctSchoolA0000000000A",
                users=[UserSeed("host@a.test", "Ann", "A"), UserSeed("teacher@a.test")],
                apps=[AppSeed("s2s"), AppSeed("oauth")],
                webhooks=[WebhookTarget(HOOK_A, SECRET_A)],
            ),
            AccountSeed(
                name="School B",
                id="acctSchoolB0000000000B",
                users=[UserSeed("host@b.test", "Bo", "B")],
                apps=[AppSeed("s2s")],
                webhooks=[WebhookTarget(HOOK_B, SECRET_B)],
            ),
        ],
    )


@pytest.fixture
def hooks() -> Hooks:
    return Hooks()


@pytest.fixture
async def schools(hooks: Hooks) -> AsyncIterator[Simulator]:
    s = Simulator(two_schools(), webhook_transport=httpx.ASGITransport(hooks.app))
    async with s:
        yield s


@pytest.fixture
async def web(schools: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(schools.app), base_url=BASE) as c:
        yield c


@pytest.fixture
async def control(schools: Simulator) -> AsyncIterator[SimClient]:
    async with SimClient(BASE, transport=httpx.ASGITransport(schools.app)) as c:
        yield c


def s2s_of(creds: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in creds["apps"] if a["kind"] == "s2s")


async def token_for(web: httpx.AsyncClient, creds: dict[str, Any]) -> dict[str, str]:
    """An S2S token of the account `creds` describes, as a header."""
    app = s2s_of(creds)
    r = await web.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": creds["account_id"]},
        headers=basic(app["client_id"], app["client_secret"]),
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def accounts_by_name(control: SimClient) -> dict[str, dict[str, Any]]:
    return {a["account_name"]: a for a in await control.accounts()}


def assert_zoom_error(r: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code, body
    return body


async def test_each_account_sees_only_its_own_meetings_users_recordings_and_reports(
    schools: Simulator, web: httpx.AsyncClient, control: SimClient
) -> None:
    accs = await accounts_by_name(control)
    a, b = accs["School A"], accs["School B"]
    ta, tb = await token_for(web, a), await token_for(web, b)

    made_a = []
    for topic in ("A1", "A2"):
        r = await web.post("/v2/users/me/meetings", json={"topic": topic}, headers=ta)
        assert r.status_code == 201, r.text
        made_a.append(r.json()["id"])
    r = await web.post("/v2/users/me/meetings", json={"topic": "B1"}, headers=tb)
    assert r.status_code == 201
    mb = r.json()["id"]
    assert r.json()["host_id"] == b["users"][0]["id"]

    listed_a = (await web.get("/v2/users/me/meetings", headers=ta)).json()["meetings"]
    listed_b = (await web.get("/v2/users/me/meetings", headers=tb)).json()["meetings"]
    assert sorted(m["id"] for m in listed_a) == sorted(made_a)
    assert [m["id"] for m in listed_b] == [mb]

    # A's token and B's meeting: Zoom's "not yours" is "does not exist"
    for method, kw in (("GET", {}), ("PATCH", {"json": {"topic": "hijacked"}}), ("DELETE", {})):
        r = await web.request(method, f"/v2/meetings/{mb}", headers=ta, **kw)
        body = assert_zoom_error(r, 404, 3001)
        assert body["message"] == f"Meeting does not exist: {mb}."
    r = await web.put(f"/v2/meetings/{mb}/status", json={"action": "end"}, headers=ta)
    assert_zoom_error(r, 404, 3001)
    still = await web.get(f"/v2/meetings/{mb}", headers=tb)
    assert still.status_code == 200
    assert still.json()["topic"] == "B1"  # the PATCH did not land

    # B's users are not A's
    r = await web.get(f"/v2/users/{quote(b['users'][0]['email'])}", headers=ta)
    assert_zoom_error(r, 404, 1001)
    r = await web.get(f"/v2/users/{b['users'][0]['id']}/meetings", headers=ta)
    assert_zoom_error(r, 404, 1001)

    # B's class runs and is recorded; A sees none of it
    await control.start(mb)
    await control.join(mb, "Student", "")
    ended = await control.end(
        mb, recording={"files": [{"file_type": "MP4", "size": 4096}], "delay": 0}
    )
    await control.recording_ready(mb)
    uuid = ended["uuid"]
    enc = quote(quote(uuid, safe=""), safe="")
    own = await web.get(f"/v2/meetings/{mb}/recordings", headers=tb)
    assert own.status_code == 200, own.text
    assert own.json()["account_id"] == b["account_id"]
    for path in (f"/v2/meetings/{mb}/recordings", f"/v2/meetings/{enc}/recordings"):
        assert_zoom_error(await web.get(path, headers=ta), 404, 3301)
    assert_zoom_error(await web.delete(f"/v2/meetings/{mb}/recordings", headers=ta), 404, 3301)
    file_id = own.json()["recording_files"][0]["id"]
    r = await web.delete(f"/v2/meetings/{mb}/recordings/{file_id}", headers=ta)
    assert_zoom_error(r, 404, 3301)
    r = await web.get(f"/v2/users/{b['users'][0]['id']}/recordings", headers=ta)
    assert_zoom_error(r, 404, 1001)
    for path in (
        f"/v2/past_meetings/{mb}",
        f"/v2/past_meetings/{mb}/participants",
        f"/v2/past_meetings/{enc}/participants",
        f"/v2/past_meetings/{mb}/instances",
        f"/v2/report/meetings/{mb}/participants",
    ):
        assert_zoom_error(await web.get(path, headers=ta), 404, 3001)
        assert (await web.get(path, headers=tb)).status_code == 200, path
    # the download link needs B's token (or B's download token), not A's
    link = own.json()["recording_files"][0]["download_url"].removeprefix(BASE)
    assert (await web.get(link, headers=ta)).status_code == 401
    assert (await web.get(link, headers=tb)).status_code == 302
    # and B's recording is still there: A's deletes changed nothing
    assert (await web.get(f"/v2/meetings/{mb}/recordings", headers=tb)).status_code == 200

    # A's credentials cannot mint a token for B's account
    app_a = s2s_of(a)
    r = await web.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": b["account_id"]},
        headers=basic(app_a["client_id"], app_a["client_secret"]),
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


async def test_events_go_to_the_accounts_own_target_signed_with_its_secret(
    schools: Simulator, web: httpx.AsyncClient, control: SimClient, hooks: Hooks
) -> None:
    accs = await accounts_by_name(control)
    a, b = accs["School A"], accs["School B"]
    mb = (await control.create_meeting(topic="B class", account_id=b["account_id"]))["id"]
    assert (await control.meeting(mb))["account_id"] == b["account_id"]
    await control.start(mb)
    await control.end(mb, no_recording=True)
    await control.drain()

    sent = hooks.events()
    assert [e["body"]["event"] for e in sent] == [
        "meeting.started",
        "recording.started",  # the meeting records to the cloud (the simulator's default)
        "recording.stopped",
        "meeting.ended",
    ]
    for e in sent:
        assert e["path"] == "/b"
        assert e["body"]["payload"]["account_id"] == b["account_id"]
        assert signed_by(SECRET_B, e["headers"], e["raw"])
        assert not signed_by(SECRET_A, e["headers"], e["raw"])
        assert e["headers"]["clientid"] == s2s_of(b)["client_id"]
    assert hooks.events("/a") == []
    recorded = await control.deliveries(account_id=b["account_id"])
    assert {d["url"] for d in recorded} == {HOOK_B}
    assert await control.deliveries(account_id=a["account_id"]) == []

    # A's own meeting (the default account: no account_id) goes to A only, with A's secret
    ma = (await control.create_meeting(topic="A class"))["id"]
    await control.start(ma)
    await control.drain()
    started = hooks.events("/a")
    assert [e["body"]["event"] for e in started] == ["meeting.started", "recording.started"]
    assert started[0]["body"]["payload"]["account_id"] == a["account_id"]
    assert signed_by(SECRET_A, started[0]["headers"], started[0]["raw"])
    assert not signed_by(SECRET_B, started[0]["headers"], started[0]["raw"])
    assert len(hooks.events("/b")) == 4

    # a REST-created meeting of B (meeting.created) also goes to B only
    tb = await token_for(web, b)
    assert (await web.post("/v2/users/me/meetings", json={}, headers=tb)).status_code == 201
    await control.drain()
    created = [e for e in hooks.events() if e["body"]["event"] == "meeting.created"]
    assert [e["path"] for e in created] == ["/b"]
    assert signed_by(SECRET_B, created[0]["headers"], created[0]["raw"])


async def test_one_url_for_every_tenant_is_signed_per_account_and_validated_apart(
    schools: Simulator, control: SimClient, hooks: Hooks
) -> None:
    """Classbridge may give every tenant's app the same endpoint: the secret still follows the
    account, and changing one account's targets leaves the other's alone."""
    accs = await accounts_by_name(control)
    a, b = accs["School A"], accs["School B"]
    await control.set_account_webhooks(b["account_id"], [{"url": HOOK_A, "secret": SECRET_B}])
    assert (await control.webhooks())["targets"][0]["secret"] == SECRET_A  # A unchanged
    assert (await control.account_webhooks(b["account_id"]))["targets"] == [
        {"url": HOOK_A, "secret": SECRET_B, "events": None, "client_id": ""}
    ]
    mb = (await control.create_meeting(account_id=b["account_id"]))["id"]
    await control.start(mb)
    await control.drain()
    [event, _recording_started] = hooks.events("/a")
    assert signed_by(SECRET_B, event["headers"], event["raw"])
    assert not signed_by(SECRET_A, event["headers"], event["raw"])

    # url_validation of B's target is computed with B's secret; /a answers with A's: it fails
    [result] = await control.validate_webhooks(b["account_id"])
    assert result["account_id"] == b["account_id"]
    assert not result["ok"]
    [ok] = await control.validate_webhooks()  # A's target, A's secret
    assert ok["ok"]
    assert ok["account_id"] == a["account_id"]
    assert (await control.account_webhooks(b["account_id"]))["validations"] == [result]

    # the global PUT still means the default account
    await control.set_webhooks([{"url": HOOK_B, "secret": "new-a"}], validate=False)
    assert (await control.account(a["account_id"]))["webhooks"][0]["url"] == HOOK_B
    assert (await control.account(b["account_id"]))["webhooks"][0]["secret"] == SECRET_B


async def test_accounts_added_at_run_time_with_their_own_credentials_and_hooks(
    sim: Simulator, http: httpx.AsyncClient, ctl: SimClient
) -> None:
    before = await ctl.credentials()
    acme = await ctl.add_account(
        "Acme",
        users=[{"email": "host@acme.test", "first_name": "Ada"}, {"email": "t@acme.test"}],
        s2s={"client_id": "acmeS2S", "client_secret": "acme-s2s-secret"},
        oauth={},
        webhook={"url": "http://hooks.test/acme", "secret": "acme-secret"},
        validate=False,
    )
    assert acme["account_name"] == "Acme"
    assert [u["email"] for u in acme["users"]] == ["host@acme.test", "t@acme.test"]
    kinds = {a["kind"]: a for a in acme["apps"]}
    assert kinds["s2s"]["client_id"] == "acmeS2S"
    assert kinds["s2s"]["scopes"] == DEFAULT_S2S_SCOPES
    assert kinds["oauth"]["client_secret"]
    assert acme["webhooks"] == [
        {"url": "http://hooks.test/acme", "secret": "acme-secret", "events": None, "client_id": ""}
    ]
    listed = await ctl.accounts()
    assert [x["account_id"] for x in listed] == [
        before["accounts"][0]["account_id"],
        acme["account_id"],
    ]
    assert listed[0] == {**before["accounts"][0]}  # the default account is as it was

    token = await token_for(http, acme)
    me = await http.get("/v2/users/me", headers=token)
    assert me.json()["email"] == "host@acme.test"
    assert me.json()["account_id"] == acme["account_id"]
    m = await http.post("/v2/users/t@acme.test/meetings", json={"topic": "x"}, headers=token)
    assert m.status_code == 201
    assert (await ctl.meetings(acme["account_id"]))[0]["id"] == m.json()["id"]
    assert await ctl.meetings(before["accounts"][0]["account_id"]) == []

    with pytest.raises(SimError) as dup:
        await ctl.add_account("Copy", users=[{"email": "HOST@acme.test"}])
    assert dup.value.status == 409
    with pytest.raises(SimError) as dup:
        await ctl.add_account("Copy", id=acme["account_id"])
    assert dup.value.status == 409
    with pytest.raises(SimError) as dup:
        await ctl.add_account("Copy", s2s={"client_id": "acmeS2S"})
    assert dup.value.status == 409
    with pytest.raises(SimError) as bad:
        await ctl.create_meeting(account_id="nope")
    assert bad.value.status == 404
    assert len(await ctl.accounts()) == 2  # failed adds left nothing behind


def test_default_configuration_is_one_account_with_every_endpoint_granted() -> None:
    sim = Simulator(SimConfig())
    [acc] = sim.credentials()
    assert acc["account_name"] == "Classbridge Test Account"
    assert [u["email"] for u in acc["users"]] == [
        "host@classbridge.test",
        "teacher@classbridge.test",
        "assistant@classbridge.test",
    ]
    assert [a["kind"] for a in acc["apps"]] == ["s2s", "oauth"]
    assert Simulator(SimConfig()).credentials() == [acc]  # derived from the seed: stable
    routes = {r.name for r in sim.api.router.routes}
    assert routes == set(NEEDS)  # no endpoint goes unchecked
    for scope in (DEFAULT_S2S_SCOPES, DEFAULT_OAUTH_SCOPES):
        for route in routes:
            check(route, granted(scope), scope, code=4711, status=400)


async def test_a_token_without_a_scope_gets_4711_there_and_works_elsewhere(
    sim: Simulator, http: httpx.AsyncClient, ctl: SimClient
) -> None:
    classic = "meeting:write:admin meeting:read:admin user:read:admin report:read:admin"
    school = await ctl.add_account(
        "No Recordings",
        users=[{"email": "host@norec.test"}],
        s2s={"scopes": classic},
    )
    token = await token_for(http, school)
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": school["account_id"]},
        headers=basic(s2s_of(school)["client_id"], s2s_of(school)["client_secret"]),
    )
    assert r.json()["scope"] == classic  # the token endpoint tells the grant, as today

    made = await http.post("/v2/users/me/meetings", json={"topic": "ok"}, headers=token)
    assert made.status_code == 201
    mid = made.json()["id"]
    assert (await http.get(f"/v2/meetings/{mid}", headers=token)).status_code == 200
    assert (await http.get("/v2/users/me/meetings", headers=token)).status_code == 200
    assert (await http.get("/v2/users/me", headers=token)).status_code == 200

    r = await http.get("/v2/users/me/recordings", headers=token)
    assert r.status_code == 401
    assert r.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:[recording:read:admin, "
        "recording:read].",
    }
    r = await http.get(f"/v2/meetings/{mid}/recordings", headers=token)
    assert_zoom_error(r, 401, 4711)
    r = await http.delete(f"/v2/meetings/{mid}/recordings", headers=token)
    assert "recording:write" in assert_zoom_error(r, 401, 4711)["message"]
    assert "x-ratelimit-category" in r.headers

    # a granular grant is answered in granular names, user-level and :admin
    await ctl.update_app(
        school["account_id"],
        s2s_of(school)["client_id"],
        scopes="meeting:read:meeting:admin meeting:write:meeting:admin",
    )
    granular = await token_for(http, school)
    r = await http.get(f"/v2/past_meetings/{mid}/participants", headers=granular)
    assert assert_zoom_error(r, 401, 4711)["message"] == (
        "Invalid access token, does not contain scopes:[meeting:read:list_past_participants, "
        "meeting:read:list_past_participants:admin]."
    )
    assert (await http.get(f"/v2/meetings/{mid}", headers=granular)).status_code == 200
    # the old token keeps the grant it was issued with
    assert (await http.get("/v2/users/me/meetings", headers=token)).status_code == 200
    assert_zoom_error(await http.get("/v2/users/me/meetings", headers=granular), 401, 4711)

    # a bad token is still an authentication failure, not a scope one
    r = await http.get("/v2/users/me/recordings", headers={"Authorization": "Bearer nope"})
    assert_zoom_error(r, 401, 124)

    # the older answer, and switching the check off
    await ctl.configure(scope_error_code=4700)
    r = await http.get("/v2/users/me/recordings", headers=token)
    assert assert_zoom_error(r, 401, 4700)["message"].startswith(
        "Invalid access token, does not contain scopes: [recording:read:admin"
    )
    await ctl.configure(enforce_scopes=False)
    assert (await http.get("/v2/users/me/recordings", headers=token)).status_code == 200


async def test_a_rotated_client_secret_replaces_the_old_one_at_once(
    sim: Simulator, http: httpx.AsyncClient, ctl: SimClient
) -> None:
    [acc] = (await ctl.credentials())["accounts"]
    app = s2s_of(acc)
    form = {"grant_type": "account_credentials", "account_id": acc["account_id"]}
    old = await http.post(
        "/oauth/token", data=form, headers=basic(app["client_id"], app["client_secret"])
    )
    assert old.status_code == 200
    issued = {"Authorization": f"Bearer {old.json()['access_token']}"}

    rotated = await ctl.rotate_client_secret(acc["account_id"], app["client_id"])
    assert rotated["client_id"] == app["client_id"]
    assert rotated["client_secret"] != app["client_secret"]
    r = await http.post(
        "/oauth/token", data=form, headers=basic(app["client_id"], app["client_secret"])
    )
    assert r.status_code == 401
    assert r.json() == {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    r = await http.post(
        "/oauth/token", data=form, headers=basic(app["client_id"], rotated["client_secret"])
    )
    assert r.status_code == 200
    assert (
        s2s_of((await ctl.credentials())["accounts"][0])["client_secret"]
        == (rotated["client_secret"])
    )
    # tokens issued before stay valid until they expire, unless revoked on rotation
    assert (await http.get("/v2/users/me", headers=issued)).status_code == 200
    again = await ctl.rotate_client_secret(
        acc["account_id"], app["client_id"], client_secret="chosen", revoke_tokens=True
    )
    assert again["client_secret"] == "chosen"
    assert again["revoked_tokens"] == 2
    assert (await http.get("/v2/users/me", headers=issued)).status_code == 401
    with pytest.raises(SimError) as missing:
        await ctl.rotate_client_secret("no-such-account", app["client_id"])
    assert missing.value.status == 404


async def test_cli_lists_and_adds_accounts(capsys: pytest.CaptureFixture[str]) -> None:
    sim = Simulator(SimConfig(webhooks=[], rate_limits=False, validate_on_configure=False))

    async def run(*args: str) -> Any:
        capsys.readouterr()
        code = await asyncio.to_thread(cli.main, ["--sim", url, *args])
        out = capsys.readouterr()
        assert code == 0, out.err
        return json.loads(out.out)

    async with sim, serve_in_process(sim) as url:
        added = await run(
            "add-account", "Beta", "--user", "host@beta.test", "--webhook-url",
            "http://127.0.0.1:9/hook", "--webhook-secret", "beta", "--oauth",
        )  # fmt: skip
        beta = added["account_id"]
        assert [a["kind"] for a in added["apps"]] == ["s2s", "oauth"]
        listed = await run("accounts")
        assert [a["account_name"] for a in listed] == ["Classbridge Test Account", "Beta"]
        played = await run(
            "class", "--account", beta, "--students", "1", "--guests", "1", "--minutes", "5",
            "--delay", "0", "--files", "MP4:1k",
        )  # fmt: skip
        assert sim.state.meetings[int(played["meeting_id"])].account_id == beta
        shown = await run("show", "--account", beta)
        assert [m["id"] for m in shown] == [int(played["meeting_id"])]
        await run("webhooks", "http://127.0.0.1:9/other", "s2", "--account", beta)
        assert sim.state.accounts[beta].webhooks[0].url.endswith("/other")
        assert sim.state.default_account.webhooks == []
        client_id = added["apps"][0]["client_id"]
        rotated = await run("rotate", beta, client_id, "--secret", "fresh")
        assert sim.state.apps[client_id].client_secret == rotated["client_secret"] == "fresh"
