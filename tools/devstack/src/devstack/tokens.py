"""`python -m devstack token`: a caller token for the running development stack.

Every request to the edge needs a bearer token, and outside `make run` the course platform signs
them. So that a person trying Classbridge can act as a student, a teacher, a tenant's admin or an
operator, this signs one with the stack's own key (`<data_dir>/dev-secrets.json`, the file
`make run` reads), and prints nothing but the token, for `TOKEN=$(… token --role teacher)`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Final

from classbridge_common.auth import ADMIN, OPERATOR, SERVICE, STUDENT, TEACHER, issue_token
from devstack.secrets import FILE_NAME, load_or_create
from zoom_gateway.domain.tenants import valid_tenant_id

#: A person's roles, in the order they are explained (``service`` is not one: service tokens are
#: signed with the service key, which only services hold).
ROLES: Final[dict[str, str]] = {
    STUDENT: "attends the batches they are enrolled in",
    TEACHER: "teaches the courses and batches they are an instructor of",
    ADMIN: "a tenant's administrator: everything of that tenant",
    OPERATOR: "platform support: every tenant, each use audited",
}
DEFAULT_DATA_DIR: Final = Path("var")
DEFAULT_TTL: Final = timedelta(hours=12)
_TTL = re.compile(r"^(\d+)([smhd]?)$")
_UNITS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def default_data_dir() -> Path:
    """Where `make run` keeps its files (and the key tokens are signed with): ``$DATA_DIR`` or
    ``var``."""
    return Path(os.environ.get("DATA_DIR") or DEFAULT_DATA_DIR)


def role(value: str) -> str:
    """An argparse type: one of a person's roles, or an error that lists them."""
    name = value.strip().lower()
    if name in ROLES:
        return name
    if name == SERVICE:
        raise argparse.ArgumentTypeError(
            "'service' is not a person's role: services sign their own tokens with a key only "
            "they hold; choose one of " + ", ".join(ROLES)
        )
    known = "; ".join(f"{name} ({what})" for name, what in ROLES.items())
    raise argparse.ArgumentTypeError(f"unknown role {value!r}: Classbridge's roles are {known}")


def tenant(value: str) -> str:
    """An argparse type: a tenant id as Classbridge accepts one (it travels in URLs too)."""
    if valid_tenant_id(value):
        return value
    raise argparse.ArgumentTypeError(
        f"invalid tenant {value!r}: lower-case letters, digits and '-', at most 64 characters, "
        "not starting or ending with '-'"
    )


def ttl(value: str) -> timedelta:
    """An argparse type: a lifetime such as ``90s``, ``30m``, ``12h``, ``7d`` (bare: seconds)."""
    match = _TTL.match(value.strip().lower())
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(
            f"invalid ttl {value!r}: a positive number of seconds, or with s, m, h or d (12h)"
        )
    return timedelta(seconds=seconds)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `token` subcommand's options (``--data-dir`` may also come before `token`)."""
    parser.add_argument(
        "--role",
        dest="roles",
        action="append",
        type=role,
        required=True,
        metavar="ROLE",
        help=f"one of {', '.join(ROLES)}; repeat for a person with several",
    )
    parser.add_argument("--subject", help="the person's id (default dev-<role>)")
    parser.add_argument(
        "--tenant",
        type=tenant,
        help="the person's tenant (default: the default tenant; operators span every tenant)",
    )
    parser.add_argument(
        "--ttl",
        type=ttl,
        default=DEFAULT_TTL,
        help="how long the token is valid: 90s, 30m, 12h (default), 7d",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="the stack's data directory, whose key signs the token (default $DATA_DIR or var)",
    )


def make_token(
    data_dir: Path,
    roles: Sequence[str],
    *,
    subject: str | None = None,
    tenant: str | None = None,
    lifetime: timedelta = DEFAULT_TTL,
) -> str:
    """A user token the stack kept in ``data_dir`` accepts; a first use there draws the stack's
    secrets, which `make run` then uses, so the token stays valid."""
    unknown = [name for name in roles if name not in ROLES]
    if unknown or not roles:
        raise ValueError(f"roles must be some of {', '.join(ROLES)}, got {list(roles)}")
    secrets = load_or_create(data_dir)
    return issue_token(
        subject=subject or f"dev-{roles[0]}",
        secret=secrets.auth_jwt_secret,
        roles=roles,
        tenant=tenant,
        ttl=lifetime,
    )


def run(args: argparse.Namespace) -> int:
    """`python -m devstack token`: print the token alone on stdout."""
    roles = list(dict.fromkeys(args.roles))
    if not (args.data_dir / FILE_NAME).exists():
        # Likely the wrong directory: say so, on stderr, so `TOKEN=$(…)` still gets the token.
        print(
            f"note: no stack has kept its secrets in {args.data_dir}/ yet; they are made now, "
            "and a stack started with this data directory accepts the token",
            file=sys.stderr,
        )
    token = make_token(
        args.data_dir, roles, subject=args.subject, tenant=args.tenant, lifetime=args.ttl
    )
    print(token)
    return 0


def python_command() -> str:
    """How this interpreter is best named to a person in this directory (``.venv/bin/python``
    for the repository's own environment), for commands the banner suggests."""
    executable = Path(sys.executable)
    try:
        return str(executable.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(executable)


def token_command(data_dir: Path, *, role: str = STUDENT, subject: str = "stu1") -> str:
    """The command that makes a token for the stack kept in ``data_dir`` (its ``--data-dir``
    only when it is not the default, so the suggestion matches what a person would type)."""
    command = f"{python_command()} -m devstack token --role {role} --subject {subject}"
    if data_dir != DEFAULT_DATA_DIR:
        command += f" --data-dir {data_dir}"
    return command
