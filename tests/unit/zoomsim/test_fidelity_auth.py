"""Fidelity: authorization as Zoom does it — scopes (401/4711, a new scope needs the user to
authorize again, a disabled app's token 4700), the token endpoint's body-only parameters, the
redirect allow list, expired vs invalid tokens, and app_deauthorized.

Each behaviour is switched on through the control API (`PATCH /_sim/fidelity`) and proven over
HTTP; the test after it switches it off and finds the simulator's kinder answer.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zoomsim import Fidelity, SimConfig
from zoomsim.client import SimClient

from .conftest import HOOK, SECRET, Receiver, basic
from .fidelity_support import (
    REDIRECT,
    app_of_kind,
    authorize,
    bearer,
    code_grant,
    eventually,
    first_account,
    refresh,
    s2s_bearer,
)

WITHOUT_RECORDINGS = "meeting:read:meeting meeting:write:meeting user:read:user"
RECORDINGS = "cloud_recording:read:list_user_recordings"


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    """Every switch kind whatever `ZOOMSIM_FIDELITY` says: each test turns on only its own."""
    config.fidelity = Fidelity.kind()
    return config


async def _narrow_oauth_app(ctl: SimClient) -> tuple[dict[str, Any], dict[str, Any]]:
    acc = await first_account(ctl)
    oauth = app_of_kind(acc, "oauth")
    await ctl.update_app(acc["account_id"], oauth["client_id"], scopes=WITHOUT_RECORDINGS)
    return acc, oauth


async def test_scopes_missing_is_401_4711_new_ones_need_reauthorization_disabled_app_4700(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(scopes=True)
    acc, oauth = await _narrow_oauth_app(ctl)
    first = await code_grant(http, oauth)
    assert first["scope"] == WITHOUT_RECORDINGS

    r = await http.get("/v2/users/me/recordings", headers=bearer(first))
    assert r.status_code == 401
    assert r.json() == {
        "code": 4711,
        "message": "Invalid access token, does not contain scopes:["
        f"{RECORDINGS}, {RECORDINGS}:admin].",
    }
    assert (await http.get("/v2/users/me", headers=bearer(first))).status_code == 200

    # the app now asks for the recordings scope: the token issued before keeps its grant, and
    # so does a refresh (the user never authorized the new scope)
    await ctl.update_app(
        acc["account_id"], oauth["client_id"], scopes=f"{WITHOUT_RECORDINGS} {RECORDINGS}"
    )
    assert (await http.get("/v2/users/me/recordings", headers=bearer(first))).status_code == 401
    refreshed = await refresh(http, oauth, first["refresh_token"])
    assert refreshed.status_code == 200
    assert refreshed.json()["scope"] == WITHOUT_RECORDINGS
    r = await http.get("/v2/users/me/recordings", headers=bearer(refreshed.json()))
    assert (r.status_code, r.json()["code"]) == (401, 4711)

    # once the user authorizes again, the new scope is there
    again = await code_grant(http, oauth)
    assert RECORDINGS in again["scope"].split()
    assert (await http.get("/v2/users/me/recordings", headers=bearer(again))).status_code == 200

    # a deactivated app's tokens stop working: Zoom's catch-all 4700
    await ctl.update_app(acc["account_id"], oauth["client_id"], enabled=False)
    r = await http.get("/v2/users/me", headers=bearer(again))
    assert r.status_code == 401
    assert r.json() == {"code": 4700, "message": "Invalid access token."}
    # a token Zoom never issued stays an authentication failure
    r = await http.get("/v2/users/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.json() == {"code": 124, "message": "Invalid access token."}


async def test_scopes_switched_off_400_and_a_refresh_gets_new_scopes(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(scopes=False)
    acc, oauth = await _narrow_oauth_app(ctl)
    first = await code_grant(http, oauth)
    r = await http.get("/v2/users/me/recordings", headers=bearer(first))
    assert (r.status_code, r.json()["code"]) == (400, 4711)
    await ctl.update_app(
        acc["account_id"], oauth["client_id"], scopes=f"{WITHOUT_RECORDINGS} {RECORDINGS}"
    )
    refreshed = (await refresh(http, oauth, first["refresh_token"])).json()
    assert RECORDINGS in refreshed["scope"].split()
    assert (await http.get("/v2/users/me/recordings", headers=bearer(refreshed))).status_code == 200
    await ctl.update_app(acc["account_id"], oauth["client_id"], enabled=False)
    assert (await http.get("/v2/users/me", headers=bearer(refreshed))).status_code == 200


async def _s2s_token_request(
    http: httpx.AsyncClient, ctl: SimClient, *, in_query: bool
) -> httpx.Response:
    acc = await first_account(ctl)
    app = app_of_kind(acc, "s2s")
    params = {"grant_type": "account_credentials", "account_id": acc["account_id"]}
    auth = basic(app["client_id"], app["client_secret"])
    if in_query:
        return await http.post("/oauth/token", params=params, headers=auth)
    return await http.post("/oauth/token", data=params, headers=auth)


async def test_token_parameters_in_the_query_string_are_refused(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(token_params_in_body=True)
    r = await _s2s_token_request(http, ctl, in_query=True)
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"reason", "error"}  # the OAuth error shape of the token endpoint
    assert body["error"] == "invalid_request"
    assert "query string" in body["reason"]
    acc = await first_account(ctl)
    app = app_of_kind(acc, "s2s")
    r = await http.post(  # half in the body is still refused
        "/oauth/token",
        params={"account_id": acc["account_id"]},
        data={"grant_type": "account_credentials"},
        headers=basic(app["client_id"], app["client_secret"]),
    )
    assert r.status_code == 400
    assert (await _s2s_token_request(http, ctl, in_query=False)).status_code == 200


async def test_token_parameters_switched_off_the_query_string_still_works(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(token_params_in_body=False)
    assert (await _s2s_token_request(http, ctl, in_query=True)).status_code == 200


async def test_redirect_uri_must_be_allowed_and_https_unless_loopback(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(redirect_uri_allow_list=True)
    acc = await first_account(ctl)
    loopback = "http://127.0.0.1:8080/api/zoom/auth"
    listed = await ctl.add_app(acc["account_id"], "oauth", redirect_uris=[REDIRECT, loopback])
    assert (await authorize(http, listed, REDIRECT)).status_code == 302
    assert (await authorize(http, listed, loopback)).status_code == 302
    r = await authorize(http, listed, "https://elsewhere.example/cb")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")

    seeded = app_of_kind(acc, "oauth")  # seeded without a list: any https or loopback URL
    r = await authorize(http, seeded, "http://classbridge.test/cb")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert "http://classbridge.test/cb" in r.json()["reason"]
    assert (await authorize(http, seeded, "https://classbridge.test/cb")).status_code == 302
    assert (await authorize(http, seeded, "http://localhost:8080/cb")).status_code == 302


async def test_redirect_uri_switched_off_plain_http_anywhere_is_accepted(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(redirect_uri_allow_list=False)
    seeded = app_of_kind(await first_account(ctl), "oauth")
    assert (await authorize(http, seeded, "http://classbridge.test/cb")).status_code == 302


async def test_an_expired_token_is_told_apart_from_an_invalid_one(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(expired_token_message=True)
    acc = await first_account(ctl)
    h = await s2s_bearer(http, acc)
    assert (await http.get("/v2/users/me", headers=h)).status_code == 200
    await ctl.advance_clock(3601)
    r = await http.get("/v2/users/me", headers=h)
    assert r.status_code == 401
    assert r.json() == {"code": 124, "message": "Access token is expired."}
    r = await http.get("/v2/users/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.json() == {"code": 124, "message": "Invalid access token."}
    revoked = await s2s_bearer(http, acc)
    app = app_of_kind(acc, "s2s")
    await http.post(
        "/oauth/revoke",
        data={"token": revoked["Authorization"].split()[1]},
        headers=basic(app["client_id"], app["client_secret"]),
    )
    r = await http.get("/v2/users/me", headers=revoked)
    assert r.json() == {"code": 124, "message": "Invalid access token."}


async def test_expired_token_message_switched_off_is_invalid_access_token(
    http: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(expired_token_message=False)
    h = await s2s_bearer(http, await first_account(ctl))
    await ctl.advance_clock(3601)
    r = await http.get("/v2/users/me", headers=h)
    assert r.json() == {"code": 124, "message": "Invalid access token."}


async def test_a_revoked_authorization_sends_app_deauthorized(
    http: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(app_deauthorized_event=True)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    acc = await first_account(ctl)
    oauth = app_of_kind(acc, "oauth")
    grant = await code_grant(http, oauth)

    out = await ctl.deauthorize(acc["account_id"], oauth["client_id"])
    assert out["revoked_tokens"] == 1
    await eventually(lambda: bool(receiver.events("app_deauthorized")), ctl)
    [event] = receiver.events("app_deauthorized")
    payload = event["payload"]
    assert payload["account_id"] == acc["account_id"]
    assert payload["user_id"] == oauth["user_id"]
    assert payload["client_id"] == oauth["client_id"]
    assert payload["deauthorization_time"].endswith("Z")
    assert payload["signature"]
    assert all(r["ok"] for r in receiver.received)  # signed like every event

    r = await http.get("/v2/users/me", headers=bearer(grant))
    assert (r.status_code, r.json()["code"]) == (401, 124)
    r = await refresh(http, oauth, grant["refresh_token"])
    assert r.json()["error"] == "invalid_grant"


async def test_app_deauthorized_switched_off_tokens_end_without_an_event(
    http: httpx.AsyncClient, ctl: SimClient, receiver: Receiver
) -> None:
    await ctl.set_fidelity(app_deauthorized_event=False)
    await ctl.set_webhooks([{"url": HOOK, "secret": SECRET}], validate=False)
    acc = await first_account(ctl)
    oauth = app_of_kind(acc, "oauth")
    grant = await code_grant(http, oauth)
    await ctl.deauthorize(acc["account_id"], oauth["client_id"])
    await ctl.drain()
    assert receiver.events("app_deauthorized") == []
    assert (await http.get("/v2/users/me", headers=bearer(grant))).status_code == 401
