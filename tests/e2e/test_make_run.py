"""`make run` as a newcomer meets it: every service comes up SERVING, the banner names every
address (the signed-file server included) and how to make a token for any person, that command
works against the running stack, and Ctrl-C stops the whole stack cleanly. With RabbitMQ (a
process per service) `--any-ports` puts every server on a free port, even with the simulator's
documented port taken."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from classbridge_common.testing import AmqpNamespace, unique_name
from devstack.ports import documented_ports
from devstack.stack import SIM_PORT

READY = "Ctrl-C stops everything."
DOCUMENTED = {SIM_PORT} | {
    p for ports in documented_ports(metrics=True).values() for p in ports.values()
}
SERVICES = ("scheduler", "zoom-gateway", "recording-sync", "webhook-ingest")
QUEUES = ("scheduler", "recording-sync.session-projection", "recording-sync.zoom-recordings")


@contextlib.contextmanager
def make_run(args: list[str], env: dict[str, str], timeout: float) -> Iterator[Running]:
    """`python -m devstack ARGS` until its banner is printed; killed (with everything it
    started) if the test ends without stopping it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the services it starts die with it
    )
    try:
        yield Running(process, timeout)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


class Running:
    """A started `make run`: its banner lines, and the tokens its banner says how to make."""

    def __init__(self, process: subprocess.Popen[str], timeout: float) -> None:
        self.process = process
        assert process.stdout is not None
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if READY in line:
                break
        self.output = "".join(self.lines)
        assert READY in self.output, self.output
        # The banner only (in process mode the services' own output comes before it).
        start = max(i for i, line in enumerate(self.lines) if "Classbridge is running" in line)
        self.lines = self.lines[start:]

    def row(self, label: str) -> str:
        return next(line for line in self.lines if line.strip().startswith(label))

    def address(self, label: str) -> str:
        """The URL on a banner row (``edge (HTTP API)  http://…``)."""
        return next(word for word in self.row(label).split() if word.startswith("http://"))

    def token(self, role: str, subject: str, *more: str) -> str:
        """A token made by running the command the banner suggests, as a person would."""
        hint = shlex.split(self.row("tokens:").split("tokens:", 1)[1])
        assert hint[1:6] == ["-m", "devstack", "token", "--role", "student"], hint
        hint[hint.index("--role") + 1] = role
        hint[hint.index("--subject") + 1] = subject
        done = subprocess.run([*hint, *more], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def stop(self) -> str:
        """Ctrl-C: everything stops, with exit code 0 and no traceback."""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=90)
        assert self.process.returncode == 0, self.output + rest
        assert "Traceback" not in rest, rest
        return rest


def act_as_people(stack: Running) -> None:
    """A teacher, a student and another tenant's admin, each with a token of the banner's
    command, see what their role lets them."""
    edge = stack.address("edge (HTTP API)")
    teacher = {"Authorization": f"Bearer {stack.token('teacher', 't1')}"}
    student = {"Authorization": f"Bearer {stack.token('student', 'stu1')}"}
    other = {"Authorization": f"Bearer {stack.token('admin', 'a2', '--tenant', 'acme')}"}
    with httpx.Client(base_url=edge, timeout=30) as client:
        made = client.post("/api/v1/courses", json={"title": "ES6"}, headers=teacher)
        assert made.status_code == 201, made.text
        mine = client.get("/api/v1/courses", headers=teacher).json()
        assert [c["title"] for c in mine["data"]] == ["ES6"]
        assert client.get("/api/v1/courses", headers=student).status_code == 200
        refused = client.post("/api/v1/courses", json={"title": "x"}, headers=student)
        assert refused.status_code == 403, refused.text
        theirs = client.get("/api/v1/courses", headers=other).json()
        assert theirs["data"] == []  # another tenant sees none of the default tenant's courses
        assert client.get("/api/v1/courses").status_code == 401


def assert_serves_signed_files(stack: Running) -> None:
    files = stack.address("recording files")
    answer = httpx.get(f"{files}/files/nothing.mp4", timeout=30)
    assert answer.status_code == 403, answer.text  # the files server: no signature, no file


def test_the_embedded_default_serves_every_service_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    with make_run(["--any-ports", "--data-dir", str(tmp_path)], env, timeout=120) as stack:
        for service in SERVICES:
            assert stack.row(service).rstrip().endswith("SERVING"), stack.row(service)
        assert "export TOKEN=" in stack.output
        assert (tmp_path / "scheduler.db").exists()
        assert_serves_signed_files(stack)
        assert stack.row("tokens:").rstrip().endswith(f"--data-dir {tmp_path}")
        act_as_people(stack)
        stack.stop()


@contextlib.contextmanager
def holding(port: int) -> Iterator[None]:
    """Listen on ``port`` for the block, as something else on the machine might (already
    taken by something else is as good)."""
    with socket.socket() as sock:
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            sock.listen()
        yield


async def _create_database(url: str, name: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def _drop_database(url: str, name: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


@pytest.mark.integration
def test_process_mode_puts_every_server_on_a_free_port_with_any_ports(
    tmp_path: Path, database_url: str, amqp_url: str
) -> None:
    # The services use their default schemas, so the stack gets a database of its own; and an
    # exchange and queue names of its own on the shared RabbitMQ.
    prefix = unique_name("make_run")
    namespace = AmqpNamespace(amqp_url=amqp_url, prefix=prefix)
    for consumer in QUEUES:
        namespace.consumer(consumer)
    own_database = urlsplit(database_url)._replace(path=f"/{prefix}").geturl()
    env = os.environ | {
        "DATABASE_URL": own_database,
        "AMQP_URL": amqp_url,
        "EVENTS_EXCHANGE": namespace.exchange,
        "EVENTS_QUEUE_PREFIX": f"{prefix}.",
    }
    asyncio.run(_create_database(database_url, prefix))
    try:
        with (
            holding(SIM_PORT),
            make_run(["--any-ports", "--data-dir", str(tmp_path)], env, timeout=240) as stack,
        ):
            assert "a process per service" in stack.row("Classbridge is running")
            for service in SERVICES:
                assert stack.row(service).rstrip().endswith("SERVING"), stack.row(service)
            ports = [
                int(word.rsplit(":", 1)[1].split("/")[0])
                for line in stack.lines
                if "curl" not in line  # the example request repeats the edge's address
                for word in line.split()
                if word.startswith(("http://127.0.0.1:", "127.0.0.1:"))
            ]
            # sim, edge, webhook, files, four gRPC, five metrics endpoints
            assert len(ports) == 13, stack.output
            assert not set(ports) & DOCUMENTED, stack.output
            assert "export TOKEN=" in stack.output
            assert_serves_signed_files(stack)
            act_as_people(stack)
            stack.stop()
    finally:
        asyncio.run(_drop_database(database_url, prefix))
        asyncio.run(namespace.cleanup())
