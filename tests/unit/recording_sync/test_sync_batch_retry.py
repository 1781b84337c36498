"""SyncBatch racing a worker (service_layer/jobs.py): a job the worker changed between reading
and writing (StaleJob) makes the batch be queued again on fresh state, not an INTERNAL error;
one that keeps changing is ABORTED, which the caller retries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from classbridge_common.errors import Aborted
from recording_sync.adapters.sync_repository import StaleJob
from recording_sync.service_layer import jobs


class _Reach:
    async def require_batch(self, batch_id: str) -> None:
        return None


class _Pipeline:
    def __init__(self) -> None:
        self.spawned: list[str] = []

    def spawn(self, job_id: str) -> None:
        self.spawned.append(job_id)


async def _call(monkeypatch: pytest.MonkeyPatch, outcomes: list[Any]) -> tuple[Any, int]:
    tries = 0

    async def queue_batch(**_: Any) -> jobs.BatchSyncResult:
        nonlocal tries
        tries += 1
        outcome = outcomes.pop(0) if outcomes else StaleJob("job-1")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    monkeypatch.setattr(jobs, "_queue_batch", queue_batch)
    result = await jobs.sync_batch(
        reach=_Reach(),  # type: ignore[arg-type]
        batch_id="b-1",
        force=False,
        uow=object(),  # type: ignore[arg-type]
        pipeline=_Pipeline(),  # type: ignore[arg-type]
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )
    return result, tries


async def test_a_job_changed_meanwhile_queues_the_batch_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = jobs.BatchSyncResult(jobs=[], skipped_synced=2, skipped_not_ended=0)
    result, tries = await _call(monkeypatch, [StaleJob("job-1"), done])
    assert (result, tries) == (done, 2)


async def test_a_batch_whose_jobs_keep_changing_is_aborted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(Aborted, match="kept changing"):
        await _call(monkeypatch, [])
