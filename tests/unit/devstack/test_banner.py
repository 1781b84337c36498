"""What `make run` prints: every address a newcomer needs, and how to get a token for anyone."""

from __future__ import annotations

import shlex
from pathlib import Path
from types import SimpleNamespace

import pytest

from classbridge_common.auth import TokenVerifier
from devstack.banner import Banner
from devstack.embedded import banner
from devstack.secrets import load_or_create
from devstack.stack import Stack, StackConfig
from devstack.tokens import token_command
from recording_sync.settings import load as recording_sync_settings


def sample(**changes: object) -> Banner:
    fields: dict[str, object] = {
        "shape": "embedded default",
        "edge_url": "http://127.0.0.1:8080",
        "webhook_url": "http://127.0.0.1:8081/zoom/webhook",
        "sim_url": "http://127.0.0.1:9090",
        "files_url": "http://127.0.0.1:8083",
        "grpc": {"scheduler": "127.0.0.1:50051"},
        "health": {"scheduler": "SERVING"},
        "data_dir": Path("var"),
        "token": "the.token.itself",
    }
    return Banner(**{**fields, **changes})  # type: ignore[arg-type]


def row(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_the_banner_names_the_signed_file_server_and_how_to_make_tokens() -> None:
    text = sample().render()
    assert row(text, "recording files").split()[2] == "http://127.0.0.1:8083"
    hint = row(text, "tokens:").split("tokens:", 1)[1].strip()
    assert hint.endswith("-m devstack token --role student --subject stu1")
    assert "--data-dir" not in hint  # the default data dir: what a person would type
    assert "export TOKEN=the.token.itself" in text
    assert row(text, "scheduler").split()[1:] == ["grpc", "127.0.0.1:50051", "SERVING"]
    assert text.splitlines()[-1] == "Ctrl-C stops everything."


def test_the_token_hint_follows_a_data_dir_of_its_own_and_the_simulators_address() -> None:
    text = sample(data_dir=Path("elsewhere"), sim_url="http://127.0.0.1:41000").render()
    hint = row(text, "tokens:").split("tokens:", 1)[1].strip()
    assert shlex.split(hint)[-2:] == ["--data-dir", "elsewhere"]
    assert "ZOOMSIM_URL=http://127.0.0.1:41000" in row(text, "Script a class")


def test_without_a_files_server_s3_there_is_no_files_row() -> None:
    assert "recording files" not in sample(files_url=None).render()


def test_the_hint_runs_this_interpreter_as_a_person_in_this_directory_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.executable", str(tmp_path / ".venv" / "bin" / "python"))
    assert token_command(Path("var")).startswith(".venv/bin/python -m devstack token ")


def test_the_embedded_banner_reads_the_files_servers_bound_port(tmp_path: Path) -> None:
    settings = recording_sync_settings(data_dir=tmp_path, files_http_port=0)
    stack = Stack(
        config=StackConfig(data_dir=tmp_path),
        secrets=load_or_create(tmp_path),
        sim=None,  # type: ignore[arg-type]  # the banner never asks the simulator anything
        sim_url="http://127.0.0.1:41000",
        grpc={"recording-sync": "127.0.0.1:41001"},
        http={"edge": "http://127.0.0.1:41002", "webhook-ingest": "http://127.0.0.1:41003"},
        running={"recording-sync": SimpleNamespace(settings=settings, files_port=41004)},
    )
    made = banner(stack, {"recording-sync": "SERVING"})
    assert made.files_url == "http://127.0.0.1:41004"
    assert made.edge_url == "http://127.0.0.1:41002"
    assert made.webhook_url == "http://127.0.0.1:41003/zoom/webhook"
    caller = TokenVerifier(load_or_create(tmp_path).auth_jwt_secret).verify(made.token)
    assert caller.roles == frozenset({"admin", "teacher"})
    text = made.render()
    assert f"--data-dir {tmp_path}" in row(text, "tokens:")
