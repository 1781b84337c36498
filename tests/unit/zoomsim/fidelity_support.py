"""What the fidelity tests share: credentials and tokens obtained through the simulator's HTTP
interface only (`/_sim/credentials`, `/oauth/*`), so the tests prove what a client sees."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from zoomsim.client import SimClient

from .conftest import basic

REDIRECT = "https://classbridge.example/zoom/callback"


async def first_account(ctl: SimClient) -> dict[str, Any]:
    return (await ctl.credentials())["accounts"][0]


def app_of_kind(account: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for a in account["apps"] if a["kind"] == kind)


async def s2s_bearer(http: httpx.AsyncClient, account: dict[str, Any]) -> dict[str, str]:
    """An Authorization header with a fresh S2S token of `account`."""
    app = app_of_kind(account, "s2s")
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": account["account_id"]},
        headers=basic(app["client_id"], app["client_secret"]),
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def authorize(
    http: httpx.AsyncClient, app: dict[str, Any], redirect: str = REDIRECT
) -> httpx.Response:
    return await http.get(
        "/oauth/authorize",
        params={"client_id": app["client_id"], "redirect_uri": redirect, "response_type": "code"},
    )


async def code_grant(
    http: httpx.AsyncClient, app: dict[str, Any], redirect: str = REDIRECT
) -> dict[str, Any]:
    """The user authorizes `app` and Classbridge exchanges the code: the token answer."""
    r = await authorize(http, app, redirect)
    assert r.status_code == 302, r.text
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    r = await http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        headers=basic(app["client_id"], app["client_secret"]),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def refresh(
    http: httpx.AsyncClient, app: dict[str, Any], refresh_token: str
) -> httpx.Response:
    return await http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers=basic(app["client_id"], app["client_secret"]),
    )


def bearer(token_answer: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_answer['access_token']}"}


async def eventually(pred: Callable[[], bool], ctl: SimClient, tries: int = 300) -> None:
    """Wait until `pred()` holds, letting queued webhooks go out between looks."""
    for _ in range(tries):
        await ctl.drain()
        if pred():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")
