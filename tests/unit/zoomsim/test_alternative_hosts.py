"""Fidelity: alternative hosts. Zoom takes only licensed users of the host's own account; any
other email fails the whole create or update with 400/1114 naming it, and nothing changes.
Switched off, any email is kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from zoomsim import AccountSeed, AppSeed, Fidelity, SimConfig, UserSeed
from zoomsim.client import SimClient


@pytest.fixture
def config(config: SimConfig) -> SimConfig:
    config.fidelity = Fidelity.kind()
    config.accounts = [
        AccountSeed(
            users=[
                UserSeed("host@classbridge.test", role_name="Owner"),
                UserSeed("teacher@classbridge.test"),
                UserSeed("basic@classbridge.test", type=1),
            ],
            apps=[AppSeed(kind="s2s")],
        ),
        AccountSeed(name="Another school", users=[UserSeed("elsewhere@other.test")]),
    ]
    return config


def _hosts(*emails: str) -> dict[str, Any]:
    return {"settings": {"alternative_hosts": ";".join(emails)}}


async def test_only_licensed_users_of_the_account_may_be_alternative_hosts(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(alternative_host_rules=True)
    ok = await api.post(
        "/v2/users/me/meetings", json={"topic": "Class", **_hosts("teacher@classbridge.test")}
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["settings"]["alternative_hosts"] == "teacher@classbridge.test"
    for bad in ("basic@classbridge.test", "elsewhere@other.test", "nobody@nowhere.test"):
        r = await api.post(
            "/v2/users/me/meetings",
            json={"topic": "Class", **_hosts("teacher@classbridge.test", bad)},
        )
        assert r.status_code == 400, bad
        assert r.json()["code"] == 1114
        assert f"'{bad}'" in r.json()["message"]
        assert "alternative host" in r.json()["message"]
    meeting_id = ok.json()["id"]
    r = await api.patch(f"/v2/meetings/{meeting_id}", json=_hosts("elsewhere@other.test"))
    assert (r.status_code, r.json()["code"]) == (400, 1114)
    kept = (await api.get(f"/v2/meetings/{meeting_id}")).json()["settings"]["alternative_hosts"]
    assert kept == "teacher@classbridge.test"  # the refused update changed nothing
    cleared = await api.patch(f"/v2/meetings/{meeting_id}", json=_hosts())
    assert cleared.status_code == 204


async def test_switched_off_any_alternative_host_is_kept(
    api: httpx.AsyncClient, ctl: SimClient
) -> None:
    await ctl.set_fidelity(alternative_host_rules=False)
    r = await api.post(
        "/v2/users/me/meetings", json={"topic": "Class", **_hosts("elsewhere@other.test")}
    )
    assert r.status_code == 201
    assert r.json()["settings"]["alternative_hosts"] == "elsewhere@other.test"
