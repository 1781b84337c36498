"""Recording policies and deletion at Zoom (``service_layer.retention``).

- verification of a stored copy against a real local storage backend (a temp folder);
- policies per tenant and course: value-by-value inheritance, who may read and set them, tenant
  isolation, ``copy_allowed``; on SQLite migrated to head (so migration 0005 runs too);
- the end of students' access to a course's recordings, in the rule and through the handlers;
- ``zoom_cleanup_once`` with a fake gateway: due files verified, marked and deleted at Zoom with
  our copy kept, mismatches and failures left alone;
- ``DeleteRecording`` with ``delete_from_zoom`` against the whole stack and the Zoom simulator: a
  verified recording is trashed at Zoom; a copy of the wrong size blocks everything.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import grpc.aio
import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge.recordingsync.v1 import recording_sync_pb2 as pb
from classbridge.recordingsync.v1 import recording_sync_pb2_grpc
from classbridge_common.auth import Caller, TokenVerifier, issue_token
from classbridge_common.db import create_engine, session_factory
from classbridge_common.db.migrations import upgrade_to_head
from classbridge_common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from classbridge_common.grpc import GrpcServer
from classbridge_common.tenancy import Scoped, TenantScope
from classbridge_common.testing import make_settings, wait_until
from classbridge_common.uow import UnitOfWork
from devstack.stack import Stack, StackConfig, running_stack
from recording_sync.adapters.policy_tables import sync_policies
from recording_sync.adapters.storage import LocalStorage
from recording_sync.adapters.tables import (
    access_grants,
    meeting_projections,
    recording_files,
    recordings,
    sync_jobs,
)
from recording_sync.bootstrap import MIGRATIONS_DIR
from recording_sync.bootstrap import Running as SyncRunning
from recording_sync.domain import access
from recording_sync.domain.access import Membership
from recording_sync.entrypoints import grpc_api
from recording_sync.entrypoints.access_rules import POLICY
from recording_sync.service_layer import recordings as handlers
from recording_sync.service_layer import retention
from recording_sync.service_layer.reach import Reach
from recording_sync.settings import Settings

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
SIGNING_KEY = b"retention-tests-signing-key-0123456789"


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[LocalStorage]:
    local = LocalStorage(tmp_path / "objects", signing_key=SIGNING_KEY, public_url="http://x:1")
    async with local:
        yield local


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    settings = make_settings(Settings, service_name="recording-sync", data_dir=tmp_path)
    await upgrade_to_head(settings, MIGRATIONS_DIR)
    engine = create_engine(settings)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@dataclass
class FakeMemberships:
    """The scheduler's answer, per (tenant, user)."""

    known: dict[tuple[str, str], Membership] = field(default_factory=dict)

    async def memberships(self, *, user_id: str, tenant_id: str) -> Membership:
        return self.known.get((tenant_id, user_id), Membership())


@dataclass
class FakeGateway:
    """DeleteRecordingFile: records calls; ``gone`` files answer "no such file" (False),
    ``failing`` ones raise."""

    gone: set[str] = field(default_factory=set)
    failing: dict[str, Exception] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def delete_recording_file(
        self, *, meeting_uuid: str, zoom_file_id: str, tenant_id: str, permanently: bool = False
    ) -> bool:
        self.calls.append(
            {"meeting_uuid": meeting_uuid, "zoom_file_id": zoom_file_id, "tenant_id": tenant_id}
        )
        if zoom_file_id in self.failing:
            raise self.failing[zoom_file_id]
        return zoom_file_id not in self.gone


def person(subject: str, *roles: str, tenant: str | None = "acme") -> Caller:
    return Caller(subject=subject, roles=frozenset(roles), tenant=tenant)


ADMIN = person("admin-1", "admin")
TEACHER = person("teacher-1", "teacher")
STUDENT = person("student-1", "student")


def uow_of(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWork:
    return UnitOfWork(session_factory=sessions)


async def put_bytes(storage: LocalStorage, key: str, data: bytes) -> Any:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    return await storage.put_stream(key, chunks(), content_type="video/mp4")


def file_row(stored: Any, **values: Any) -> SimpleNamespace:
    row = {
        "id": "file_1",
        "file_type": "mp4",
        "file_extension": "MP4",
        "storage_key": stored.key,
        "size_bytes": stored.size,
        "zoom_size": stored.size,
        "sha256": stored.sha256,
    }
    row.update(values)
    return SimpleNamespace(**row)


async def seed_file(
    sessions: async_sessionmaker[AsyncSession],
    storage: LocalStorage,
    *,
    tenant: str = "acme",
    course_id: str = "c-1",
    batch_id: str = "b-1",
    stored_days_ago: float = 10,
    data: bytes = b"lesson" * 500,
    zoom_size: int | None = None,
) -> dict[str, str]:
    """A synced job, its recording and one stored Zoom MP4 whose bytes are really in storage."""
    job_id, file_id = f"job_{uuid.uuid4().hex[:10]}", f"file_{uuid.uuid4().hex[:10]}"
    recording_id = f"rec_{job_id}"
    stored = await put_bytes(storage, f"videos/{batch_id}/{job_id}.mp4", data)
    stamp = NOW - timedelta(days=stored_days_ago)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(sync_jobs).values(
                id=job_id,
                job_key=f"uuid-{job_id}",
                meeting_id=85_000_000_000 + len(job_id),
                meeting_uuid=f"uuid-{job_id}",
                session_id="s-1",
                batch_id=batch_id,
                batch_type="group",
                course_id=course_id,
                tenant_id=tenant,
                state="synced",
                trigger="webhook",
                max_attempts=3,
                recording_id=recording_id,
                created_at=stamp,
                updated_at=stamp,
            )
        )
        await session.execute(
            insert(recordings).values(
                id=recording_id,
                job_id=job_id,
                tenant_id=tenant,
                source="zoom_auto_sync",
                session_id="s-1",
                batch_id=batch_id,
                batch_type="group",
                course_id=course_id,
                meeting_uuid=f"uuid-{job_id}",
                created_at=stamp,
            )
        )
        await session.execute(
            insert(recording_files).values(
                id=file_id,
                tenant_id=tenant,
                job_id=job_id,
                recording_id=recording_id,
                zoom_file_id=f"zf-{file_id}",
                meeting_uuid="",  # older rows: the job's uuid is used
                file_type="mp4",
                file_extension="MP4",
                zoom_size=stored.size if zoom_size is None else zoom_size,
                size_bytes=stored.size,
                sha256=stored.sha256,
                storage_key=stored.key,
                state="stored",
                stored_at=stamp,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    return {
        "job": job_id,
        "file": file_id,
        "recording": recording_id,
        "key": stored.key,
        "zoom_file": f"zf-{file_id}",
    }


async def set_policy(
    sessions: async_sessionmaker[AsyncSession], tenant: str, course_id: str, **values: Any
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            insert(sync_policies).values(
                tenant_id=tenant, course_id=course_id, updated_at=NOW, **values
            )
        )


async def file_state(sessions: async_sessionmaker[AsyncSession], file_id: str) -> Any:
    async with sessions() as session:
        return (
            await session.execute(select(recording_files).where(recording_files.c.id == file_id))
        ).first()


# ----------------------------------------------------------------------------- verification


async def test_a_copy_with_the_recorded_size_and_sha256_verifies(storage: LocalStorage) -> None:
    stored = await put_bytes(storage, "videos/b-1/a.mp4", b"x" * 2000)
    assert await retention.verify_stored(storage, file_row(stored)) == retention.Verification(True)
    # Zoom's size unknown (0): the recorded size and sha256 still have to match.
    assert (await retention.verify_stored(storage, file_row(stored, zoom_size=0))).ok


async def test_a_copy_of_another_size_than_zoom_lists_does_not_verify(
    storage: LocalStorage,
) -> None:
    stored = await put_bytes(storage, "videos/b-1/a.mp4", b"x" * 1000)
    check = await retention.verify_stored(storage, file_row(stored, zoom_size=2000))
    assert not check.ok
    assert check.reason == "stored 1000 bytes, Zoom lists 2000"
    assert check.describe(file_row(stored)) == "MP4 file_1: stored 1000 bytes, Zoom lists 2000"


async def test_a_copy_differing_from_what_was_recorded_does_not_verify(
    storage: LocalStorage,
) -> None:
    original = await put_bytes(storage, "videos/b-1/a.mp4", b"x" * 1000)
    row = file_row(original, zoom_size=0)
    await put_bytes(storage, "videos/b-1/a.mp4", b"y" * 1000)  # same size, other bytes
    check = await retention.verify_stored(storage, row)
    assert not check.ok
    assert "sha256" in check.reason
    await put_bytes(storage, "videos/b-1/a.mp4", b"y" * 10)
    check = await retention.verify_stored(storage, row)
    assert check.reason == "stored 10 bytes, the copy recorded 1000"


async def test_a_missing_or_unnamed_copy_does_not_verify(storage: LocalStorage) -> None:
    stored = await put_bytes(storage, "videos/b-1/a.mp4", b"x" * 100)
    await storage.delete(stored.key)
    assert (await retention.verify_stored(storage, file_row(stored))).reason == (
        "the stored copy is missing"
    )
    assert (await retention.verify_stored(storage, file_row(stored, storage_key=""))).reason == (
        "has no stored copy"
    )
    stored = await put_bytes(storage, "videos/b-1/b.mp4", b"x" * 100)
    unrecorded = await retention.verify_stored(storage, file_row(stored, sha256=""))
    assert unrecorded.reason == "no sha256 was recorded for the copy"


# ----------------------------------------------------------------------------- policies


def test_a_course_value_overrides_the_tenant_default_value_by_value() -> None:
    tenant_row = SimpleNamespace(
        copy_recordings=False,
        delete_from_zoom_after_days=30,
        student_access_end_time=None,
        updated_at=NOW,
        updated_by="admin-1",
    )
    course_row = SimpleNamespace(
        copy_recordings=None,
        delete_from_zoom_after_days=0,
        student_access_end_time=NOW,
        updated_at=NOW,
        updated_by="admin-2",
    )
    policy = retention.resolve(
        tenant_id="acme", course_id="c-1", course_row=course_row, tenant_row=tenant_row
    )
    assert (policy.copy_recordings, policy.delete_from_zoom_after_days) == (False, 0)
    assert policy.student_access_end_time == NOW
    assert policy.sources == {
        "copy_recordings": "tenant",
        "delete_from_zoom_after_days": "course",
        "student_access_end_time": "course",
    }
    assert policy.has_own
    assert policy.updated_by == "admin-2"
    inherited = retention.resolve(
        tenant_id="acme", course_id="c-2", course_row=None, tenant_row=tenant_row
    )
    assert not inherited.has_own
    assert inherited.delete_from_zoom_after_days == 30
    built_in = retention.resolve(tenant_id="acme", course_id="", course_row=None, tenant_row=None)
    assert (built_in.copy_recordings, built_in.delete_from_zoom_after_days) == (True, 0)
    assert set(built_in.sources.values()) == {"built_in"}


async def test_admins_set_and_reset_course_and_tenant_policies(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reach = Reach(ADMIN, FakeMemberships())
    tenant = await retention.update_policy(
        reach=reach,
        course_id="",
        tenant_id="",
        changes={"delete_from_zoom_after_days": 30, "copy_recordings": True},
        uow=uow_of(sessions),
        now=NOW,
    )
    assert tenant.delete_from_zoom_after_days == 30
    assert tenant.sources["copy_recordings"] == ("tenant")
    ends = NOW + timedelta(days=90)
    course = await retention.update_policy(
        reach=Reach(ADMIN, FakeMemberships()),
        course_id="c-1",
        tenant_id="acme",
        changes={"copy_recordings": False, "student_access_end_time": ends},
        uow=uow_of(sessions),
        now=NOW,
    )
    assert (course.copy_recordings, course.student_access_end_time) == (False, ends)
    assert course.delete_from_zoom_after_days == 30
    assert course.sources["delete_from_zoom_after_days"] == "tenant"
    assert (course.has_own, course.updated_by) == (True, "admin-1")
    # Another change keeps what it does not name; None resets a value to the inherited one.
    again = await retention.update_policy(
        reach=Reach(ADMIN, FakeMemberships()),
        course_id="c-1",
        tenant_id="",
        changes={"copy_recordings": None},
        uow=uow_of(sessions),
        now=NOW,
    )
    assert again.copy_recordings is True
    assert again.sources["copy_recordings"] == "tenant"
    assert again.student_access_end_time == ends
    # Resetting the last own value leaves the course inheriting everything (no row left).
    cleared = await retention.update_policy(
        reach=Reach(ADMIN, FakeMemberships()),
        course_id="c-1",
        tenant_id="",
        changes={"student_access_end_time": None},
        uow=uow_of(sessions),
        now=NOW,
    )
    assert not cleared.has_own
    async with sessions() as session:
        left = (await session.execute(select(sync_policies.c.course_id))).scalars().all()
    assert left == [""]


async def test_policies_are_per_tenant(sessions: async_sessionmaker[AsyncSession]) -> None:
    await set_policy(sessions, "acme", "c-1", copy_recordings=False)
    await set_policy(sessions, "acme", "", delete_from_zoom_after_days=7)
    other = await retention.get_policy(
        reach=Reach(person("admin-9", "admin", tenant="globex"), FakeMemberships()),
        course_id="c-1",
        tenant_id="",
        uow=uow_of(sessions),
    )
    assert (other.tenant_id, other.copy_recordings, other.has_own) == ("globex", True, False)
    assert other.delete_from_zoom_after_days == 0
    with pytest.raises(PermissionDenied):
        await retention.get_policy(
            reach=Reach(person("admin-9", "admin", tenant="globex"), FakeMemberships()),
            course_id="c-1",
            tenant_id="acme",
            uow=uow_of(sessions),
        )
    # An operator names the tenant it acts in.
    seen = await retention.get_policy(
        reach=Reach(person("op-1", "operator", tenant=None), FakeMemberships()),
        course_id="c-1",
        tenant_id="acme",
        uow=uow_of(sessions),
    )
    assert (seen.copy_recordings, seen.delete_from_zoom_after_days) == (False, 7)
    async with sessions() as session:
        assert await retention.copy_allowed(session, tenant_id="acme", course_id="c-1") is False
        assert await retention.copy_allowed(session, tenant_id="acme", course_id="c-2") is True
        assert await retention.copy_allowed(session, tenant_id="globex", course_id="c-1") is True
        rows = Scoped(session, TenantScope("acme"))
        assert await retention.copy_allowed(rows, tenant_id="acme", course_id="c-1") is False
        with pytest.raises(ValueError, match="globex"):
            await retention.copy_allowed(rows, tenant_id="globex", course_id="c-1")


async def test_a_tenant_default_opt_out_stops_copies_of_courses_without_their_own(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await set_policy(sessions, "acme", "", copy_recordings=False)
    await set_policy(sessions, "acme", "c-keep", copy_recordings=True)
    async with sessions() as session:
        assert not await retention.copy_allowed(session, tenant_id="acme", course_id="c-1")
        assert not await retention.copy_allowed(session, tenant_id="acme", course_id="")
        assert await retention.copy_allowed(session, tenant_id="acme", course_id="c-keep")


async def test_teachers_read_only_their_courses_policy_and_set_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            insert(meeting_projections).values(
                meeting_id=1,
                session_id="s-1",
                batch_id="b-1",
                batch_type="group",
                course_id="c-1",
                tenant_id="acme",
                folder="videos/b-1",
                status="linked",
                linked_at=NOW,
                last_event_at=NOW,
                updated_at=NOW,
            )
        )
    memberships = FakeMemberships({("acme", "teacher-1"): Membership(teaches=frozenset({"b-1"}))})
    mine = await retention.get_policy(
        reach=Reach(TEACHER, memberships), course_id="c-1", tenant_id="", uow=uow_of(sessions)
    )
    assert mine.course_id == "c-1"
    assert mine.copy_recordings is True
    for course_id in ("c-2", ""):  # a course they do not teach; the tenant default
        with pytest.raises(PermissionDenied):
            await retention.get_policy(
                reach=Reach(TEACHER, memberships),
                course_id=course_id,
                tenant_id="",
                uow=uow_of(sessions),
            )
    with pytest.raises(PermissionDenied):
        await retention.update_policy(
            reach=Reach(TEACHER, memberships),
            course_id="c-1",
            tenant_id="",
            changes={"copy_recordings": False},
            uow=uow_of(sessions),
            now=NOW,
        )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"copy": True},
        {"copy_recordings": "yes"},
        {"delete_from_zoom_after_days": -1},
        {"delete_from_zoom_after_days": 4000},
        {"delete_from_zoom_after_days": True},
        {"student_access_end_time": datetime(2030, 1, 1)},
    ],
)
async def test_bad_policy_changes_are_invalid_arguments(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, Any]
) -> None:
    with pytest.raises(InvalidArgument):
        await retention.update_policy(
            reach=Reach(ADMIN, FakeMemberships()),
            course_id="c-1",
            tenant_id="",
            changes=changes,
            uow=uow_of(sessions),
            now=NOW,
        )


# ----------------------------------------------------------------------------- access end


def test_students_lose_access_at_the_courses_end_whatever_their_grants() -> None:
    recording = SimpleNamespace(batch_type="group", student_id="")
    grants = [SimpleNamespace(scope="public", user_id="", level="download", expires_at=None)]
    ends = NOW + timedelta(days=1)

    def decide(caller: Caller, now: datetime, **kw: Any) -> access.Access:
        return access.decide(caller, recording, grants, now, manages=False, enrolled=True, **kw)

    before = decide(STUDENT, NOW, access_ends_at=ends)
    assert before.can_download
    assert before.expires_at == ends
    assert not decide(STUDENT, ends, access_ends_at=ends).can_view
    assert decide(STUDENT, ends + timedelta(days=1)).can_view  # no end: no change
    # Teachers (even of another batch, by grant) and admins are not students.
    assert decide(TEACHER, ends, access_ends_at=ends).can_download
    assert decide(person("ta", "teacher", "student"), ends, access_ends_at=ends).can_view
    managed = access.decide(STUDENT, recording, [], ends, manages=True, enrolled=False)
    assert managed == access.MANAGER


async def test_the_recording_handlers_apply_the_courses_end_of_access(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> None:
    ids = await seed_file(sessions, storage)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(access_grants).values(
                id="grant-1",
                tenant_id="acme",
                recording_id=ids["recording"],
                scope="public",
                level="view",
                created_at=NOW,
            )
        )
    memberships = FakeMemberships({("acme", "teacher-1"): Membership(teaches=frozenset({"b-1"}))})

    async def open_as(caller: Caller, now: datetime) -> handlers.RecordingView:
        return await handlers.get_recording(
            reach=Reach(caller, memberships),
            recording_id=ids["recording"],
            uow=uow_of(sessions),
            now=now,
        )

    async def listed_as(caller: Caller, now: datetime) -> int:
        page = await handlers.list_recordings(
            reach=Reach(caller, memberships),
            session_id="",
            batch_id="b-1",
            student_id="",
            meeting_uuid="",
            source="",
            page_size=10,
            page_token="",
            uow=uow_of(sessions),
            now=now,
        )
        return page.total_size

    assert (await open_as(STUDENT, NOW)).access.can_view
    await set_policy(sessions, "acme", "c-1", student_access_end_time=NOW + timedelta(hours=1))
    assert (await open_as(STUDENT, NOW)).access.expires_at == NOW + timedelta(hours=1)
    later = NOW + timedelta(hours=2)
    with pytest.raises(NotFound):
        await open_as(STUDENT, later)
    assert await listed_as(STUDENT, later) == 0
    assert await listed_as(STUDENT, NOW) == 1
    assert (await open_as(TEACHER, later)).access.can_edit
    assert (await open_as(ADMIN, later)).access.can_edit


# ----------------------------------------------------------------------------- deletion at Zoom


async def test_cleanup_deletes_verified_due_files_at_zoom_and_keeps_our_copy(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> None:
    await set_policy(sessions, "acme", "", delete_from_zoom_after_days=7)
    await set_policy(sessions, "acme", "c-never", delete_from_zoom_after_days=0)
    await set_policy(sessions, "globex", "c-9", delete_from_zoom_after_days=1)
    due = await seed_file(sessions, storage)
    recent = await seed_file(sessions, storage, stored_days_ago=3)
    never = await seed_file(sessions, storage, course_id="c-never", stored_days_ago=100)
    wrong = await seed_file(sessions, storage, zoom_size=999_999)
    gone = await seed_file(sessions, storage, stored_days_ago=8)
    other_tenant = await seed_file(sessions, storage, tenant="globex", course_id="c-9")
    no_policy = await seed_file(sessions, storage, tenant="initech", stored_days_ago=1000)
    gateway = FakeGateway(gone={gone["zoom_file"]})

    counts = await retention.zoom_cleanup_once(
        sessions=sessions, storage=storage, gateway=gateway, clock=lambda: NOW
    )

    assert counts == retention.CleanupCounts(
        tenants=2, due=4, deleted=2, already_gone=1, mismatched=1, failed=0
    )
    called = {c["zoom_file_id"]: c for c in gateway.calls}
    assert set(called) == {due["zoom_file"], gone["zoom_file"], other_tenant["zoom_file"]}
    assert called[due["zoom_file"]] == {
        "meeting_uuid": f"uuid-{due['job']}",
        "zoom_file_id": due["zoom_file"],
        "tenant_id": "acme",
    }
    assert called[other_tenant["zoom_file"]]["tenant_id"] == "globex"
    for ids in (due, gone, other_tenant):
        row = await file_state(sessions, ids["file"])
        assert row.zoom_deleted_at == NOW
        assert row.verified_at == NOW
        assert row.state == "stored"
        assert await storage.head(ids["key"]) is not None  # our copy is kept
    for ids in (recent, never, wrong, no_policy):
        row = await file_state(sessions, ids["file"])
        assert row.zoom_deleted_at is None
    # Done files are not asked about again.
    again = await retention.zoom_cleanup_once(
        sessions=sessions, storage=storage, gateway=FakeGateway(), clock=lambda: NOW
    )
    assert (again.due, again.mismatched) == (1, 1)


async def test_cleanup_leaves_a_file_whose_delete_failed_for_the_next_pass(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> None:
    await set_policy(sessions, "acme", "", delete_from_zoom_after_days=7)
    ids = await seed_file(sessions, storage)
    gateway = FakeGateway(failing={ids["zoom_file"]: Unavailable("zoom-gateway: down")})
    counts = await retention.zoom_cleanup_once(
        sessions=sessions, storage=storage, gateway=gateway, clock=lambda: NOW
    )
    assert (counts.due, counts.failed, counts.deleted) == (1, 1, 0)
    row = await file_state(sessions, ids["file"])
    assert row.zoom_deleted_at is None
    assert row.verified_at == NOW
    counts = await retention.zoom_cleanup_once(
        sessions=sessions, storage=storage, gateway=FakeGateway(), clock=lambda: NOW
    )
    assert counts.deleted == 1


async def _zoom_files(sessions: async_sessionmaker[AsyncSession], recording_id: str) -> list[Any]:
    async with sessions() as session:
        rows = await session.execute(
            select(recording_files).where(recording_files.c.recording_id == recording_id)
        )
        return retention.zoom_copies(rows.all())


async def test_a_request_deletes_at_zoom_only_when_every_copy_verifies(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> None:
    ids = await seed_file(sessions, storage, zoom_size=5)
    files = await _zoom_files(sessions, ids["recording"])
    gateway = FakeGateway()
    with pytest.raises(FailedPrecondition) as refused:
        await retention.delete_recording_at_zoom(
            uow=uow_of(sessions),
            scope=TenantScope("acme"),
            files=files,
            meeting_uuid="uuid-x",
            tenant_id="acme",
            storage=storage,
            gateway=gateway,
            now=NOW,
        )
    assert refused.value.message == (
        f"MP4 {ids['file']}: stored 3000 bytes, Zoom lists 5; nothing deleted at Zoom"
    )
    assert gateway.calls == []
    assert (await file_state(sessions, ids["file"])).zoom_deleted_at is None


async def test_a_failed_call_at_zoom_unmarks_what_is_still_there(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> None:
    ids = await seed_file(sessions, storage)
    files = await _zoom_files(sessions, ids["recording"])
    gateway = FakeGateway(failing={ids["zoom_file"]: FailedPrecondition("zoom-gateway: busy")})
    with pytest.raises(FailedPrecondition, match="0 of 1 files deleted at Zoom"):
        await retention.delete_recording_at_zoom(
            uow=uow_of(sessions),
            scope=TenantScope("acme"),
            files=files,
            meeting_uuid="uuid-x",
            tenant_id="acme",
            storage=storage,
            gateway=gateway,
            now=NOW,
        )
    assert (await file_state(sessions, ids["file"])).zoom_deleted_at is None
    # Already gone at Zoom counts as done.
    found = await retention.delete_recording_at_zoom(
        uow=uow_of(sessions),
        scope=TenantScope("acme"),
        files=files,
        meeting_uuid="uuid-x",
        tenant_id="acme",
        storage=storage,
        gateway=FakeGateway(gone={ids["zoom_file"]}),
        now=NOW,
    )
    assert found == 0
    assert (await file_state(sessions, ids["file"])).zoom_deleted_at == NOW


# ----------------------------------------------------------------------------- the whole stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    config = StackConfig(data_dir=tmp_path, fixed_ports=False, sim_rate_limits=False)
    async with running_stack(config) as started:
        yield started


FILES = [{"file_type": "MP4", "size": 200_000}, {"file_type": "CHAT", "size": 2_000}]


async def _synced_recording(stack: Stack) -> tuple[int, str, list[Any]]:
    """A recorded meeting in the simulator, synced: (meeting id, recording id, file rows)."""
    service: SyncRunning = stack.running["recording-sync"]
    async with stack.sim_client() as zoom:
        meeting = await zoom.create_meeting(topic="Retention", user="host@classbridge.test")
        meeting_id = int(meeting["id"])
        await zoom.start(meeting_id)
        await zoom.end(meeting_id, recording={"files": FILES, "delay": 0})

    async def recorded() -> bool:
        async with service.sessions() as session:
            return (
                await session.scalar(
                    select(recordings.c.id).where(recordings.c.meeting_id == meeting_id)
                )
            ) is not None

    await wait_until(recorded, within=60)
    await service.pipeline.idle()
    async with service.sessions() as session:
        recording_id = await session.scalar(
            select(recordings.c.id).where(recordings.c.meeting_id == meeting_id)
        )
        files = list(
            (
                await session.execute(
                    select(recording_files).where(recording_files.c.recording_id == recording_id)
                )
            ).all()
        )
    assert len(files) == len(FILES)
    assert all(f.state == "stored" for f in files)
    return meeting_id, str(recording_id), files


async def _sim_states(stack: Stack, meeting_id: int) -> set[str]:
    async with stack.sim_client() as zoom:
        meeting = await zoom.meeting(meeting_id)
    return {f["state"] for i in meeting["instances"] for f in (i["recording"] or {})["files"]}


async def _delete(stack: Stack, recording_id: str) -> None:
    token = issue_token(
        subject="admin-1", secret=stack.secrets.auth_jwt_secret, roles=["admin"]
    )  # the meeting belongs to no batch: only the tenant's admins manage it
    async with grpc.aio.insecure_channel(stack.grpc["recording-sync"]) as channel:
        await recording_sync_pb2_grpc.RecordingSyncServiceStub(channel).DeleteRecording(
            pb.DeleteRecordingRequest(recording_id=recording_id, delete_from_zoom=True),
            metadata=(("authorization", f"Bearer {token}"),),
        )


async def test_delete_from_zoom_trashes_a_verified_recording_at_zoom(stack: Stack) -> None:
    service: SyncRunning = stack.running["recording-sync"]
    meeting_id, recording_id, files = await _synced_recording(stack)
    assert await _sim_states(stack, meeting_id) == {"active"}

    await _delete(stack, recording_id)

    assert await _sim_states(stack, meeting_id) == {"trashed"}

    async def purged() -> bool:  # our copy goes too, once the deletion has committed
        return all([await service.storage.head(f.storage_key) is None for f in files])

    await wait_until(purged, within=30)
    async with service.sessions() as session:
        assert (
            await session.scalar(select(recordings.c.id).where(recordings.c.id == recording_id))
            is None
        )


async def test_a_copy_of_the_wrong_size_blocks_the_delete_everywhere(stack: Stack) -> None:
    service: SyncRunning = stack.running["recording-sync"]
    meeting_id, recording_id, files = await _synced_recording(stack)
    video = next(f for f in files if f.file_extension == "MP4")
    await put_bytes(service.storage, video.storage_key, b"not the lesson" * 10)  # 140 bytes

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _delete(stack, recording_id)

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == (
        f"MP4 {video.id}: stored 140 bytes, Zoom lists 200000; nothing deleted at Zoom"
    )
    assert await _sim_states(stack, meeting_id) == {"active"}
    async with service.sessions() as session:
        assert await session.scalar(select(recordings.c.id).where(recordings.c.id == recording_id))
        rows = (
            await session.execute(
                select(recording_files).where(recording_files.c.recording_id == recording_id)
            )
        ).all()
    assert len(rows) == len(FILES)
    assert all(r.zoom_deleted_at is None for r in rows)
    for f in files:
        assert await service.storage.head(f.storage_key) is not None


# ----------------------------------------------------------------------------- over gRPC

SECRET = "retention-tests-user-key-long-enough-for-hs256"


@pytest.fixture
async def policy_stub(
    sessions: async_sessionmaker[AsyncSession], storage: LocalStorage
) -> AsyncIterator[recording_sync_pb2_grpc.RecordingSyncServiceStub]:
    """The real servicer (``PolicyMethods`` is mixed into it) behind the real access rules."""
    api = grpc_api.RecordingSyncApi(
        pipeline=None,
        sessions=sessions,
        storage=storage,
        settings=None,
        memberships=FakeMemberships(),
    )
    server = GrpcServer(
        servicers=[(recording_sync_pb2_grpc.add_RecordingSyncServiceServicer_to_server, api)],
        verifier=TokenVerifier(SECRET),
        policies=[POLICY],
        host="127.0.0.1",
        port=0,
    )
    async with server, grpc.aio.insecure_channel(server.address) as channel:
        yield recording_sync_pb2_grpc.RecordingSyncServiceStub(channel)


def _md(subject: str, role: str, tenant: str = "acme") -> tuple[tuple[str, str], ...]:
    token = issue_token(subject=subject, secret=SECRET, roles=[role], tenant=tenant)
    return (("authorization", f"Bearer {token}"),)


async def test_update_sync_policy_sets_by_presence_and_resets_by_mask(
    policy_stub: recording_sync_pb2_grpc.RecordingSyncServiceStub,
) -> None:
    admin = _md("admin-1", "admin")
    await policy_stub.UpdateSyncPolicy(
        pb.UpdateSyncPolicyRequest(delete_from_zoom_after_days=14), metadata=admin
    )
    answer = await policy_stub.UpdateSyncPolicy(
        pb.UpdateSyncPolicyRequest(course_id="c-1", copy_recordings=False), metadata=admin
    )
    assert answer.copy_recordings is False
    assert answer.copy_recordings_source == pb.POLICY_SOURCE_COURSE
    assert answer.delete_from_zoom_after_days == 14
    assert answer.delete_from_zoom_after_days_source == pb.POLICY_SOURCE_TENANT
    assert (answer.has_own_policy, answer.updated_by, answer.tenant_id) == (True, "admin-1", "acme")
    assert answer.HasField("update_time")
    reset = pb.UpdateSyncPolicyRequest(course_id="c-1")
    reset.update_mask.paths.append("copy_recordings")
    answer = await policy_stub.UpdateSyncPolicy(reset, metadata=admin)
    assert answer.copy_recordings is True
    assert answer.copy_recordings_source == pb.POLICY_SOURCE_BUILT_IN
    assert not answer.has_own_policy
    got = await policy_stub.GetSyncPolicy(pb.GetSyncPolicyRequest(), metadata=admin)
    assert got.delete_from_zoom_after_days == 14
    assert not got.HasField("student_access_end_time")

    bad = pb.UpdateSyncPolicyRequest(course_id="c-1", delete_from_zoom_after_days=3)
    bad.update_mask.paths.append("copy_recordings")  # a value set outside the mask
    for request in (bad, pb.UpdateSyncPolicyRequest(course_id="c-1")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await policy_stub.UpdateSyncPolicy(request, metadata=admin)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await policy_stub.UpdateSyncPolicy(
            pb.UpdateSyncPolicyRequest(copy_recordings=False),
            metadata=_md("teacher-1", "teacher"),
        )
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
