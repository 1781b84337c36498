"""Ports: the documented ones (refused clearly when taken), or all free ones with `--any-ports`,
which the process-per-service shape must choose itself and hand to every service."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devstack.__main__ import main
from devstack.ports import any_ports, documented_ports, explain_in_use, in_use, labelled
from devstack.processes import grpc_addresses, process_settings
from devstack.secrets import load_or_create
from devstack.stack import SERVICES, SIM_PORT, StackConfig

DOCUMENTED = {port for ports in documented_ports().values() for port in ports.values()}


def test_the_documented_ports_are_every_server_the_stack_starts() -> None:
    plan = documented_ports()
    assert plan["edge"] == {"http_port": 8080}
    assert plan["webhook-ingest"] == {"grpc_port": 50054, "http_port": 8081}
    assert plan["recording-sync"] == {"grpc_port": 50053, "files_http_port": 8083}
    assert labelled(SIM_PORT, plan)["Zoom simulator"] == 9090
    assert labelled(SIM_PORT, plan)["recording-sync recording files"] == 8083


def test_any_ports_gives_every_port_of_every_service_a_different_free_one() -> None:
    plan = any_ports()
    chosen = [port for ports in plan.values() for port in ports.values()]
    assert len(chosen) == sum(len(p) for p in documented_ports().values())
    assert len(set(chosen)) == len(chosen)
    assert not set(chosen) & DOCUMENTED
    assert in_use({str(port): port for port in chosen}) == []


def test_each_process_is_told_its_own_ports_and_its_peers_addresses(tmp_path: Path) -> None:
    plan = any_ports()
    config = StackConfig(data_dir=tmp_path, amqp_url="amqp://guest:guest@127.0.0.1:5672/")
    secrets = load_or_create(tmp_path)
    settings = {
        spec.name: process_settings(
            spec,
            config=config,
            secrets=secrets,
            sim_url="http://127.0.0.1:41000",
            zoom={},
            plan=plan,
        )
        for spec in SERVICES
    }
    for name, ports in plan.items():
        for key, port in ports.items():
            assert settings[name][key] == port
    addresses = grpc_addresses(plan)
    assert settings["edge"]["scheduler_addr"] == addresses["scheduler"]
    assert settings["scheduler"]["zoom_gateway_addr"] == addresses["zoom-gateway"]
    assert settings["webhook-ingest"]["zoom_gateway_addr"] == addresses["zoom-gateway"]
    edge_port = plan["edge"]["http_port"]
    redirect = f"http://127.0.0.1:{edge_port}/api/zoom/auth"
    assert settings["zoom-gateway"]["zoom_oauth_redirect_uri"] == redirect


def test_a_port_something_listens_on_is_found_and_explained() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert in_use({"Zoom simulator": port}) == [f"{port} (Zoom simulator)"]
    message = explain_in_use([f"{port} (Zoom simulator)"], ".venv/bin/python -m devstack")
    assert f"port {port} (Zoom simulator) is already in use" in message
    assert "`.venv/bin/python -m devstack --any-ports`" in message


def test_make_run_stops_before_starting_anything_when_a_documented_port_is_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("devstack.embedded.in_use", lambda ports: ["9090 (Zoom simulator)"])
    assert main(["--data-dir", str(tmp_path)]) == 1
    assert "--any-ports" in capsys.readouterr().err
    assert not (tmp_path / "scheduler.db").exists()
