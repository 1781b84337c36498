"""`python -m devstack token`: a token for any person, signed with the stack's own key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from classbridge_common.auth import DEFAULT_TENANT, Caller, TokenVerifier
from devstack.__main__ import main
from devstack.secrets import load_or_create


def run_token(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["token", *args]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # the token alone, for TOKEN=$(…)
    return out.strip()


def verify(data_dir: Path, token: str) -> Caller:
    return TokenVerifier(load_or_create(data_dir).auth_jwt_secret).verify(token)


@pytest.mark.parametrize("role", ["student", "teacher", "admin", "operator"])
def test_a_token_decodes_with_the_stacks_secret_to_the_person_asked_for(
    role: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = run_token(capsys, "--role", role, "--subject", "stu1", "--data-dir", str(tmp_path))
    caller = verify(tmp_path, token)
    assert caller.subject == "stu1"
    assert caller.roles == frozenset({role})
    assert caller.tenant == DEFAULT_TENANT
    assert caller.kind == "user"


def test_tenant_ttl_and_several_roles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = run_token(
        capsys,
        "--role", "admin",
        "--role", "teacher",
        "--subject", "boss",
        "--tenant", "acme",
        "--ttl", "30m",
        "--data-dir", str(tmp_path),
    )  # fmt: skip
    caller = verify(tmp_path, token)
    assert (caller.subject, caller.roles, caller.tenant) == (
        "boss",
        frozenset({"admin", "teacher"}),
        "acme",
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(minutes=30)


def test_the_key_is_the_one_make_run_uses_from_the_same_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stack already ran there: its key signs the token (also with --data-dir before `token`,
    # and with DATA_DIR as `make run` reads it).
    stack_secret = load_or_create(tmp_path).auth_jwt_secret
    for args in (["--data-dir", str(tmp_path), "token"], ["token"]):
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        assert main([*args, "--role", "teacher", "--subject", "t1"]) == 0
        token = capsys.readouterr().out.strip()
        assert TokenVerifier(stack_secret).verify(token).subject == "t1"
    # The default subject names the role.
    assert main(["token", "--role", "student"]) == 0
    assert verify(tmp_path, capsys.readouterr().out.strip()).subject == "dev-student"


def test_a_first_use_makes_the_secrets_and_says_so_on_stderr_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "fresh"
    assert main(["token", "--role", "student", "--data-dir", str(data_dir)]) == 0
    captured = capsys.readouterr()
    assert "no stack has kept its secrets" in captured.err
    assert verify(data_dir, captured.out.strip()).subject == "dev-student"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "unknown role 'boss'"),
        (["--role", "service"], "'service' is not a person's role"),
        (["--role", "student", "--tenant", "Not A Tenant"], "invalid tenant"),
        (["--role", "student", "--ttl", "soon"], "invalid ttl"),
        ([], "--role"),
    ],
)
def test_what_is_not_a_person_is_refused_with_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["token", *args, "--data-dir", str(tmp_path)])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_an_unknown_role_lists_the_roles_and_exits_2_from_the_shell(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devstack", "token", "--role", "principal"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "unknown role 'principal'" in done.stderr
    for role in ("student", "teacher", "admin", "operator"):
        assert role in done.stderr
    assert not (tmp_path / "var").exists()  # nothing is signed, so no secrets are made


def test_the_running_stacks_tokens_name_a_tenant_when_asked(tmp_path: Path) -> None:
    """``Stack.token``, as end-to-end tests act as people: of the default tenant unless one is
    named (another school's admin)."""
    from devstack.stack import Stack, StackConfig

    stack = Stack(
        config=StackConfig(data_dir=tmp_path),
        secrets=load_or_create(tmp_path),
        sim=None,  # type: ignore[arg-type]  # not needed to sign
        sim_url="",
    )
    mine = verify(tmp_path, stack.token("admin-1", ("admin",)))
    theirs = verify(tmp_path, stack.token("acme-admin", ("admin",), tenant="acme"))
    assert (mine.subject, mine.tenant) == ("admin-1", DEFAULT_TENANT)
    assert (theirs.subject, theirs.tenant, theirs.roles) == ("acme-admin", "acme", {"admin"})
