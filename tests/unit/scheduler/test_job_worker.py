"""The background worker's loop (entrypoints/job_worker.py): rounds at each poll, at once again
after a round that finished jobs, a failing round only logged, and a stop that lets the round
in progress finish."""

from __future__ import annotations

import asyncio

import pytest

from classbridge_common.testing import wait_until
from scheduler.entrypoints.job_worker import JobWorker


async def test_rounds_go_on_after_a_failure_and_stop_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[int | Exception] = [RuntimeError("database away"), 2, 0, 0]
    finished_rounds: list[int] = []

    async def run_round() -> int:
        outcome = outcomes.pop(0) if outcomes else 0
        if isinstance(outcome, Exception):
            raise outcome
        finished_rounds.append(outcome)
        return outcome

    async with JobWorker(run_round=run_round, poll_interval=0.01) as worker:
        await wait_until(lambda: worker.rounds >= 4, within=10)
        with pytest.raises(RuntimeError):
            async with worker:
                pass  # one loop per worker
    assert finished_rounds[:3] == [2, 0, 0]
    assert "a round failed" in caplog.text


async def test_a_stop_waits_for_the_round_in_progress() -> None:
    started, done = asyncio.Event(), asyncio.Event()

    async def slow_round() -> int:
        started.set()
        await asyncio.sleep(0.05)
        done.set()
        return 0

    worker = JobWorker(run_round=slow_round, poll_interval=60)
    async with worker:
        await started.wait()
    assert done.is_set()
    await worker.stop()  # stopping again is nothing


async def test_a_wake_runs_a_round_before_the_next_poll() -> None:
    """A job armed by a commit (a class scheduled, a student enrolled) is run at once: the
    student asking for their join link a moment later gets their own."""
    rounds = 0

    async def run_round() -> int:
        nonlocal rounds
        rounds += 1
        return 0

    async with JobWorker(run_round=run_round, poll_interval=3600) as worker:
        await wait_until(lambda: rounds == 1, within=5)
        worker.wake()
        await wait_until(lambda: rounds == 2, within=5)
        worker.wake()
        worker.wake()  # woken twice while asleep: one round
        await wait_until(lambda: rounds == 3, within=5)
        await asyncio.sleep(0.05)
        assert rounds == 3
