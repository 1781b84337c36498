"""Reconciliation against the whole stack (devstack: the Zoom simulator and the real zoom-gateway).

Zoom stops retrying a webhook after three tries, so a recording whose ``recording.completed``
never arrived must still be synced: one ``Reconciler.reconcile_once`` lists each linked host's
cloud recordings through the gateway's ListUserRecordings and files them on their jobs. These
tests drop the webhooks at the simulator (its ``webhook_drop`` fault) or give an account no
webhook at all, link the meetings in recording-sync's projection by hand (with the host's Zoom
user id), and check what one pass, and a second one, do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import delete, insert, select

from classbridge.events.v1 import recording_events_pb2 as rev
from classbridge_common.auth import issue_token
from classbridge_common.testing import wait_until
from devstack.stack import Stack, StackConfig, running_stack
from recording_sync.adapters.tables import meeting_projections, outbox, recording_files, sync_jobs
from recording_sync.bootstrap import Running
from recording_sync.domain.model import ZoomRecording
from recording_sync.service_layer.reconcile import Reconciler
from recording_sync.service_layer.sync import SyncPipeline
from zoomsim import expected_sha256

ACME_WEBHOOK_SECRET = "acme-reconcile-webhook-secret"


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """A whole stack per test: the simulator's meetings, faults and the rows start empty."""
    config = StackConfig(data_dir=tmp_path, fixed_ports=False, sim_rate_limits=False)
    async with running_stack(config) as running:
        yield running


def _sync(stack: Stack) -> Running:
    """The running recording-sync: its pipeline, storage and database are what is checked."""
    return stack.running["recording-sync"]  # type: ignore[no-any-return]


def _reconciler(pipeline: SyncPipeline, gateway: Any = None) -> Reconciler:
    """The reconciler the service wires, on the running pipeline and its real gateway client."""
    return Reconciler(pipeline=pipeline, gateway=gateway or pipeline.gateway)


async def _reconcile(service: Running, gateway: Any = None) -> int:
    """One pass, then wait for the copies it started: returns how many jobs it started."""
    started = await _reconciler(service.pipeline, gateway).reconcile_once()
    await service.pipeline.idle()
    return started


class SpyGateway:
    """The real gateway, with a record of whose recordings were listed in which tenant, so a
    test sees a host listed once and only with its own tenant's Zoom account."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.listed: list[tuple[str, str, int]] = []  # (tenant, host, recordings answered)

    async def list_host_recordings(
        self, *, tenant_id: str, host_user_id: str, start: datetime, end: datetime
    ) -> list[ZoomRecording]:
        found: list[ZoomRecording] = await self._real.list_host_recordings(
            tenant_id=tenant_id, host_user_id=host_user_id, start=start, end=end
        )
        self.listed.append((tenant_id, host_user_id, len(found)))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


async def _link(
    service: Running,
    meeting_id: int,
    *,
    host: str,
    tenant: str = "default",
    batch_id: str = "b-rec",
    status: str = "linked",
    start: datetime | None = None,
) -> None:
    """What the scheduler's ``session.meeting_linked`` would have left in the projection: the
    meeting filed under a session of ``batch_id``, hosted by the Zoom user ``host``."""
    now = datetime.now(UTC)
    async with service.sessions() as session, session.begin():
        await session.execute(
            insert(meeting_projections).values(
                meeting_id=meeting_id,
                session_id=f"s-{meeting_id}",
                batch_id=batch_id,
                batch_type="group",
                folder=f"videos/{batch_id}",
                status=status,
                tenant_id=tenant,
                host_zoom_user_id=host,
                start_time=start or now - timedelta(minutes=5),
                duration_minutes=60,  # scheduled end still ahead: the sweep plans nothing
                linked_at=now - timedelta(days=1),
                last_event_at=now - timedelta(days=1),
                updated_at=now - timedelta(days=1),
            )
        )


async def _drop(stack: Stack, *events: str) -> None:
    """Zoom's deliveries of these events fail for good (every one, until the test ends)."""
    async with stack.sim_client() as zoom:
        for event in events:
            await zoom.fault("webhook_drop", event=event, count=-1)


async def _recorded(
    stack: Stack,
    files: list[dict[str, Any]],
    *,
    user: str = "host@classbridge.test",
    account_id: str | None = None,
    transcript_delay: float | None = None,
) -> tuple[int, str]:
    """A meeting of ``user`` held and recorded at the simulator: (meeting id, host's user id)."""
    recording: dict[str, Any] = {"files": files, "delay": 0}
    if transcript_delay is not None:
        recording["transcript_delay"] = transcript_delay
    async with stack.sim_client() as zoom:
        fields: dict[str, Any] = {"topic": "Reconciled", "user": user}
        if account_id:
            fields["account_id"] = account_id
        meeting = await zoom.create_meeting(**fields)
        meeting_id = int(meeting["id"])
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording=recording)
    return meeting_id, str(meeting["host_id"])


async def _dropped(stack: Stack, event: str, meeting_id: int) -> None:
    """Wait until the simulator gave up on ``event`` of this meeting (the recording is visible
    at Zoom by then), so nothing but the reconciliation can bring it."""

    async def gone() -> bool:
        async with stack.sim_client() as zoom:
            deliveries = await zoom.deliveries(event=event, state="dropped")
        return any(
            str(json.loads(d["body"])["payload"]["object"]["id"]) == str(meeting_id)
            for d in deliveries
        )

    await wait_until(gone, within=15)


async def _job(service: Running, meeting_id: int) -> Any:
    """The meeting's job row (None without one): every column, to see what a pass changed."""
    async with service.sessions() as session:
        return (
            await session.execute(select(sync_jobs).where(sync_jobs.c.meeting_id == meeting_id))
        ).one_or_none()


async def _files(service: Running, meeting_id: int) -> list[Any]:
    """The file rows of the meeting's job, in a stable order to compare passes."""
    async with service.sessions() as session:
        return list(
            (
                await session.execute(
                    select(recording_files)
                    .join(sync_jobs, sync_jobs.c.id == recording_files.c.job_id)
                    .where(sync_jobs.c.meeting_id == meeting_id)
                    .order_by(recording_files.c.zoom_file_type)
                )
            ).all()
        )


async def _synced_events(service: Running, meeting_id: int) -> list[rev.RecordingSynced]:
    """The meeting's ``recording.synced`` in the outbox: each announces files once."""
    async with service.sessions() as session:
        rows = (
            await session.execute(select(outbox.c.body).where(outbox.c.type == "recording.synced"))
        ).all()
    events = [rev.RecordingSynced.FromString(row.body) for row in rows]
    return [e for e in events if e.meeting_id == meeting_id]


async def _downloads(stack: Stack) -> list[str]:
    """The download URLs' paths the simulator was asked for so far, one per fetch (the CDN
    redirect each answers is left out)."""
    async with stack.sim_client() as zoom:
        requests = await zoom.requests()
    return [
        r["path"]
        for r in requests
        if r["method"] == "GET" and r["path"].startswith("/rec/download/")
    ]


async def _assert_stored(service: Running, meeting_id: int, folder: str, count: int) -> None:
    """Every file of the meeting is stored under ``folder`` with Zoom's bytes."""
    files = await _files(service, meeting_id)
    assert [f.state for f in files] == ["stored"] * count, [
        (f.zoom_file_type, f.state) for f in files
    ]
    for f in files:
        assert f.storage_key.startswith(f"{folder}/"), f.storage_key
        assert f.sha256 == expected_sha256(f.zoom_file_id, f.size_bytes, f.zoom_file_type)
        head = await service.storage.head(f.storage_key)
        assert head is not None
        assert (head.size, head.sha256) == (f.size_bytes, f.sha256)


async def test_a_recording_whose_webhooks_were_dropped_is_synced_by_one_pass(stack: Stack) -> None:
    """The recording.completed (and meeting.ended) never arrived: one pass makes the job and
    stores the files under the linked session's folder; a second pass copies nothing and
    announces nothing again."""
    service = _sync(stack)
    await _drop(stack, "meeting.ended", "recording.completed")
    files = [{"file_type": "MP4", "size": 120_000}, {"file_type": "M4A", "size": 16_000}]
    meeting_id, host = await _recorded(stack, files)
    await _link(service, meeting_id, host=host, batch_id="b-dropped")
    await _dropped(stack, "recording.completed", meeting_id)
    assert await _job(service, meeting_id) is None  # no webhook brought anything

    assert await _reconcile(service) == 1
    job = await _job(service, meeting_id)
    assert job is not None
    assert (job.state, job.batch_id, job.session_id) == ("synced", "b-dropped", f"s-{meeting_id}")
    assert job.meeting_uuid  # keyed by the instance the listing named
    await _assert_stored(service, meeting_id, "videos/b-dropped", count=2)
    events = await _synced_events(service, meeting_id)
    assert len(events) == 1
    assert sorted(f.zoom_file_type for f in events[0].files) == ["M4A", "MP4"]

    before = [tuple(f) for f in await _files(service, meeting_id)]
    downloads = await _downloads(stack)
    assert await _reconcile(service) == 0
    assert await _downloads(stack) == downloads
    assert len(await _synced_events(service, meeting_id)) == 1
    # "A pass over a fully synced window changes nothing": not even the rows' update times,
    # which order the status page's jobs and feed ListSyncJobs(updated_after).
    assert tuple(await _job(service, meeting_id)) == tuple(job)
    assert [tuple(f) for f in await _files(service, meeting_id)] == before


async def test_a_recording_no_projection_links_is_not_synced(stack: Stack) -> None:
    """The host is listed for its linked meeting, but its other recordings (a meeting no session
    claims, one whose link was withdrawn) are not the school's lessons: no job, no copy."""
    service = _sync(stack)
    await _drop(stack, "meeting.ended", "recording.completed")
    files = [{"file_type": "MP4", "size": 40_000}]
    linked, host = await _recorded(stack, files)
    stranger, _ = await _recorded(stack, files)
    withdrawn, _ = await _recorded(stack, files)
    await _link(service, linked, host=host)
    await _link(service, withdrawn, host=host, status="unlinked")
    for meeting_id in (linked, stranger, withdrawn):
        await _dropped(stack, "recording.completed", meeting_id)

    assert await _reconcile(service) == 1
    assert (await _job(service, linked)).state == "synced"
    for meeting_id in (stranger, withdrawn):
        assert await _job(service, meeting_id) is None
        assert await _files(service, meeting_id) == []
        assert await _synced_events(service, meeting_id) == []


async def test_a_transcript_whose_webhook_was_dropped_is_added_to_its_job(stack: Stack) -> None:
    """The video came by webhook; the transcript Zoom finished later did not (its
    recording.transcript_completed was dropped): the pass adds it to the synced job."""
    service = _sync(stack)
    files = [{"file_type": "MP4", "size": 50_000}, {"file_type": "TRANSCRIPT", "size": 3_000}]
    meeting_id, host = await _recorded(stack, files, transcript_delay=3600)
    await _link(service, meeting_id, host=host, batch_id="b-late")

    async def video_synced() -> bool:
        job = await _job(service, meeting_id)
        return job is not None and job.state == "synced"

    await wait_until(video_synced, within=15)
    await service.pipeline.idle()
    states = {f.zoom_file_type: f.state for f in await _files(service, meeting_id)}
    assert states == {"MP4": "stored", "TRANSCRIPT": "skipped"}  # still processing at Zoom

    await _drop(stack, "recording.transcript_completed")
    async with stack.sim_client() as zoom:
        await zoom.recording_ready(meeting_id, transcript=True)
    await _dropped(stack, "recording.transcript_completed", meeting_id)

    assert await _reconcile(service) == 1
    assert (await _job(service, meeting_id)).state == "synced"
    await _assert_stored(service, meeting_id, "videos/b-late", count=2)
    events = await _synced_events(service, meeting_id)
    assert [[f.zoom_file_type for f in e.files] for e in events] == [["MP4"], ["TRANSCRIPT"]]
    assert await _reconcile(service) == 0


async def test_a_job_that_lost_a_file_gets_it_again(stack: Stack) -> None:
    """A synced job whose file row and object are gone (a restore from an older backup, a
    removal by hand) learns the file from the listing and copies it again."""
    service = _sync(stack)
    files = [{"file_type": "MP4", "size": 60_000}, {"file_type": "M4A", "size": 9_000}]
    meeting_id, host = await _recorded(stack, files)
    await _link(service, meeting_id, host=host, batch_id="b-lost")

    async def synced() -> bool:
        job = await _job(service, meeting_id)
        return job is not None and job.state == "synced"

    await wait_until(synced, within=15)
    await service.pipeline.idle()
    lost = next(f for f in await _files(service, meeting_id) if f.zoom_file_type == "M4A")
    await service.storage.delete(lost.storage_key)
    async with service.sessions() as session, session.begin():
        await session.execute(delete(recording_files).where(recording_files.c.id == lost.id))
    downloads = await _downloads(stack)

    assert await _reconcile(service) == 1
    await _assert_stored(service, meeting_id, "videos/b-lost", count=2)
    again = next(f for f in await _files(service, meeting_id) if f.zoom_file_type == "M4A")
    assert (again.zoom_file_id, again.storage_key) == (lost.zoom_file_id, lost.storage_key)
    # Only the lost file was fetched again.
    assert (await _downloads(stack))[len(downloads) :] == [urlparse(lost.download_url).path]
    assert (await _job(service, meeting_id)).state == "synced"


def _person(stack: Stack, subject: str, role: str, tenant: str) -> dict[str, str]:
    """Headers of a person of ``tenant``, signed as the stack's edge expects."""
    token = issue_token(
        subject=subject, secret=stack.secrets.auth_jwt_secret, roles=[role], tenant=tenant
    )
    return {"Authorization": f"Bearer {token}"}


async def _acme(stack: Stack) -> str:
    """A second school, Acme, on a Zoom account of its own that sends no webhooks at all;
    returns the account id. Set up through the edge as an operator and Acme's admin would."""
    async with (
        httpx.AsyncClient(base_url=stack.edge_url, timeout=30) as edge,
        stack.sim_client() as zoom,
    ):
        account = await zoom.add_account("Acme School", users=[{"email": "host@acme.test"}])
        app = next(a for a in account["apps"] if a["kind"] == "s2s")
        made = await edge.post(
            "/api/v1/tenants",
            json={"id": "acme", "name": "Acme School"},
            headers=_person(stack, "operator-1", "operator", "default"),
        )
        assert made.status_code == 201, made.status_code
        configured = await edge.put(
            "/api/v1/tenants/me/zoom",
            json={
                "account_id": account["account_id"],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "webhook_secret_token": ACME_WEBHOOK_SECRET,
            },
            headers=_person(stack, "acme-admin", "admin", "acme"),
        )
        assert configured.status_code == 200, configured.status_code
    return str(account["account_id"])


async def test_another_tenants_host_is_listed_in_that_tenant_only(stack: Stack) -> None:
    """Each host is listed once, with its own school's Zoom account, and what is found there is
    filed in that school only."""
    service = _sync(stack)
    account_id = await _acme(stack)
    await _drop(stack, "meeting.ended", "recording.completed")
    ours, our_host = await _recorded(stack, [{"file_type": "MP4", "size": 30_000}])
    theirs, their_host = await _recorded(
        stack, [{"file_type": "MP4", "size": 35_000}], user="host@acme.test", account_id=account_id
    )
    await _link(service, ours, host=our_host, batch_id="b-ours")
    await _link(service, theirs, host=their_host, tenant="acme", batch_id="b-theirs")
    await _dropped(stack, "recording.completed", ours)
    assert await _job(service, theirs) is None  # Acme's account sends nothing

    spy = SpyGateway(service.pipeline.gateway)
    assert await _reconcile(service, spy) == 2
    assert sorted(spy.listed) == sorted([("acme", their_host, 1), ("default", our_host, 1)])
    mine, acme = await _job(service, ours), await _job(service, theirs)
    assert (mine.tenant_id, mine.state, mine.batch_id) == ("default", "synced", "b-ours")
    assert (acme.tenant_id, acme.state, acme.batch_id) == ("acme", "synced", "b-theirs")
    await _assert_stored(service, theirs, "videos/b-theirs", count=1)
    assert {f.tenant_id for f in await _files(service, theirs)} == {"acme"}
    assert [e.tenant_id for e in await _synced_events(service, theirs)] == ["acme"]
