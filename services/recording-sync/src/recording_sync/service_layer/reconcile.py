"""Reconciliation beyond the sweep: what no webhook brought is synced anyway.

Zoom stops retrying a webhook after three tries, and the sweep only plans meetings the
scheduler linked and that have no job at all. Every interval, for each tenant and each Zoom host
of its linked meetings of the window, the reconciler lists the host's cloud recordings over the
rolling window and files every recording of a linked meeting on its job, exactly as a
``recording.completed`` would: a recording without a job gets one, a job missing files learns
them, and anything left to copy is started. Files already stored are left alone, so a pass over
a fully synced window writes nothing and copies nothing; a job that failed waits for its retry
or a person, unless Zoom lists a file it did not know.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from classbridge_common.errors import NotFound
from classbridge_common.tenancy import TenantScope
from recording_sync.adapters.sync_repository import StaleJob
from recording_sync.domain.model import SyncFailure
from recording_sync.domain.sync_job import Trigger
from recording_sync.service_layer.ports import ZoomGateway
from recording_sync.service_layer.sync import SyncPipeline

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class Reconciler:
    """One pass over every tenant's recent cloud recordings (see the module docstring)."""

    def __init__(
        self,
        *,
        pipeline: SyncPipeline,
        gateway: ZoomGateway,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._pipeline = pipeline
        self._gateway = gateway
        self._clock = clock

    async def reconcile_once(self) -> int:
        """List, file and start; returns how many jobs were started."""
        now = self._clock()
        since = now - self._pipeline.policy.reconcile_window
        async with self._pipeline.unit_of_work() as uow:
            hosts = await uow.projections.hosts(since)
        started = 0
        for tenant_id, host in hosts:
            try:
                listed = await self._gateway.list_host_recordings(
                    tenant_id=tenant_id, host_user_id=host, start=since, end=now
                )
            except SyncFailure as failure:
                log.warning(
                    "reconciliation could not list a host's recordings: %s",
                    failure.message,
                    extra={"tenant_id": tenant_id},
                )
                continue
            async with self._pipeline.unit_of_work(TenantScope(tenant_id)) as uow:
                linked = await uow.projections.linked_meeting_ids(r.meeting_id for r in listed)
            for recording in listed:
                if recording.meeting_id not in linked or not recording.meeting_uuid:
                    continue
                try:
                    async with self._pipeline.unit_of_work(TenantScope(tenant_id)) as uow:
                        job_id = await self._pipeline.record_recording(
                            uow.session, recording, trigger=Trigger.SWEEP, tenant_id=tenant_id
                        )
                        await uow.commit()
                except (NotFound, StaleJob) as error:  # one recording never stops the pass
                    log.warning(
                        "reconciliation skipped a recording: %s",
                        type(error).__name__,
                        extra={"tenant_id": tenant_id, "meeting_id": recording.meeting_id},
                    )
                    continue
                if job_id is not None:
                    log.info(
                        "reconciliation found a recording no webhook brought",
                        extra={"job_id": job_id, "tenant_id": tenant_id},
                    )
                    self._pipeline.spawn(job_id)
                    started += 1
        return started
