"""The fidelity switches themselves: all kind by default, set the same way from a test, the
environment, the control API and the command line, and every one documented in the README."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from zoomsim import Fidelity, SimConfig, Simulator, cli
from zoomsim.client import SimClient, SimError
from zoomsim.fidelity import switch_names
from zoomsim.server import run_subprocess

from .conftest import BASE

README = Path(__file__).resolve().parents[3] / "tools" / "zoom-sim" / "README.md"


def test_every_switch_defaults_to_zoom_s_behaviour() -> None:
    assert len(switch_names()) == 21
    assert Fidelity().on() == list(switch_names())
    assert Fidelity.zoom().on() == list(switch_names())
    assert Fidelity.kind().on() == []
    assert SimConfig().fidelity.on() == list(switch_names())


def test_every_switch_is_documented_with_its_default() -> None:
    text = README.read_text()
    for name in switch_names():
        assert f"| `{name}` |" in text, name


def test_the_environment_changes_the_defaults() -> None:
    fid = Fidelity.from_env({"ZOOMSIM_FIDELITY": "all,-separate_cdn,webhook_seed=7"})
    assert set(fid.on()) == set(switch_names()) - {"separate_cdn"}
    assert fid.webhook_seed == 7
    assert Fidelity.from_env({}).on() == list(switch_names())
    assert SimConfig.from_env({"ZOOMSIM_FIDELITY": "none,scopes"}).fidelity.on() == ["scopes"]
    unlisted = Fidelity.parse('{"pmi_in_meetings": false}').on()
    assert unlisted == [n for n in switch_names() if n != "pmi_in_meetings"]
    with pytest.raises(ValueError, match="unknown fidelity setting"):
        Fidelity.parse("scopez")


async def test_the_control_api_sets_and_shows_switches() -> None:
    sim = Simulator(SimConfig(public_base_url=BASE, webhooks=[], fidelity=Fidelity.kind()))
    async with sim, SimClient(BASE, transport=httpx.ASGITransport(sim.app)) as ctl:
        shown = await ctl.fidelity()
        assert [n for n in switch_names() if shown[n]] == []
        assert (await ctl.set_fidelity(scopes=True))["scopes"] is True
        everything = await ctl.set_fidelity(all=True)
        assert all(everything[n] for n in switch_names())
        off = await ctl.set_fidelity(all=False, webhook_seed=3)
        assert not any(off[n] for n in switch_names())
        assert off["webhook_seed"] == 3
        for bad in ({"scopez": True}, {"scopes": "yes"}):
            with pytest.raises(SimError) as refused:
                await ctl.set_fidelity(**bad)
            assert refused.value.status == 400
        # the setting this switch replaced is still understood
        await ctl.configure(reject_token_query_params=True)
        assert (await ctl.fidelity())["token_params_in_body"] is True


def test_serve_takes_fidelity_and_runs_the_cdn_on_its_own_port(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("--fidelity", "separate_cdn,scopes", "--rate-limits", "off")
    env = {"ZOOMSIM_WEBHOOKS": "[]", "ZOOMSIM_FIDELITY": "none"}  # the flag alone decides
    with run_subprocess(*args, env=env) as (url, _proc):
        shown = httpx.get(url + "/_sim/fidelity", timeout=10).json()
        assert [n for n in switch_names() if shown[n]] == ["scopes", "separate_cdn"]
        cdn = httpx.get(url + "/_sim/cdn/requests", timeout=10).json()["cdn_base_url"]
        assert cdn.startswith("http://localhost:")
        assert cdn.rsplit(":", 1)[1] != url.rsplit(":", 1)[1]
        assert httpx.get(cdn + "/cdn/replay/x", timeout=10).status_code == 403  # unsigned
        capsys.readouterr()
        assert cli.main(["--sim", url, "fidelity", "pmi_in_meetings"]) == 0
        assert json.loads(capsys.readouterr().out)["pmi_in_meetings"] is True
