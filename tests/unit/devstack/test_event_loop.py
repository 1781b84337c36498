"""`make run` runs the embedded stack on uvloop, as each service's own command line does."""

from __future__ import annotations

import argparse
import asyncio

import pytest
import uvloop

import devstack.__main__ as entry
import devstack.embedded


def test_the_embedded_stack_runs_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    loops: list[type[asyncio.AbstractEventLoop]] = []

    async def fake_run_embedded(_args: argparse.Namespace) -> int:
        loops.append(type(asyncio.get_running_loop()))
        return 0

    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setattr(devstack.embedded, "run_embedded", fake_run_embedded)
    assert entry.main(["--exit-when-ready", "--any-ports"]) == 0
    assert loops == [uvloop.Loop]


def test_run_loop_returns_the_result() -> None:
    async def answer() -> int:
        return 42

    assert entry.run_loop(answer()) == 42
