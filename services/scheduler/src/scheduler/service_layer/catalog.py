"""Courses, batches and enrollments: create, read, change, delete."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classbridge_common.auth import DEFAULT_TENANT, Caller
from classbridge_common.errors import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied
from classbridge_common.paging import PageRequest
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import breakout, commands
from scheduler.domain.breakout import BreakoutGroup
from scheduler.domain.errors import invalid
from scheduler.domain.jobs import JobKind
from scheduler.domain.model import Batch, BatchType, Course, Enrollment, SessionStatus
from scheduler.domain.timing import zone
from scheduler.service_layer import access, meeting_sync, registration
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.membership import memberships_of
from scheduler.service_layer.request_ids import replays_a_twin, require_replay

COURSE_PATHS = frozenset(
    {"title", "description", "instructor_ids", "default_timezone", "default_meeting_settings"}
)
BATCH_PATHS = frozenset(
    {
        "name",
        "instructor_id",
        "timezone",
        "start_date",
        "end_date",
        "meeting_settings",
        "student_id",
        "present_threshold_percentage",
        "breakout_groups",
    }
)


@dataclass(frozen=True)
class BatchView:
    batch: Batch
    course_title: str
    enrollment_count: int


def check_paths(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """INVALID_ARGUMENT for an empty mask or a path that cannot be updated."""
    if not changes:
        raise invalid("update_mask", "name at least one field to update")
    for path in changes:
        if path not in allowed:
            raise invalid("update_mask", f"{path!r} cannot be updated")


async def load_course(uow: SchedulerUnitOfWork, course_id: str) -> Course:
    if not course_id:
        raise invalid("course_id", "required")
    course = await uow.courses.get(course_id)
    if course is None:
        raise NotFound(resource_type="course", resource_id=course_id)
    return course


async def load_batch(uow: SchedulerUnitOfWork, batch_id: str, *, field: str = "batch_id") -> Batch:
    if not batch_id:
        raise invalid(field, "required")
    batch = await uow.batches.get(batch_id)
    if batch is None:
        raise NotFound(resource_type="batch", resource_id=batch_id)
    return batch


# ---- Courses ----


@replays_a_twin
async def create_course(
    cmd: commands.CreateCourse, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> Course:
    access.require_manager_role(caller)
    if not cmd.title.strip():
        raise invalid("course.title", "required")
    if cmd.default_timezone:
        zone(cmd.default_timezone, field="course.default_timezone")
    instructors = list(dict.fromkeys(cmd.instructor_ids))
    teacher = access.is_teacher(caller) and not access.is_staff(caller)
    if teacher and caller.subject not in instructors:  # a teacher's course is theirs to manage
        instructors.insert(0, caller.subject)
    tenant = cmd.tenant_id or caller.tenant or DEFAULT_TENANT
    if cmd.tenant_id and not caller.spans_tenants and cmd.tenant_id != caller.tenant:
        raise PermissionDenied("a course is created in the caller's own tenant")
    async with uow:
        uow.scope.enter(tenant)
        if cmd.request_id:
            existing = await uow.courses.by_request_id(cmd.request_id)
            if existing is not None:  # in the tenant entered above: a course's only parent
                require_replay(
                    await _can_read_course(uow, caller, existing),
                    resource_type="course",
                    request_id=cmd.request_id,
                )
                return existing
        at = now()
        course = Course(
            id=new_id(),
            tenant_id=tenant,
            title=cmd.title.strip(),
            description=cmd.description,
            instructor_ids=instructors,
            default_timezone=cmd.default_timezone,
            default_meeting_settings=dict(cmd.default_meeting_settings),
            request_id=cmd.request_id or None,
            create_time=at,
            update_time=at,
        )
        await uow.courses.add(course)
        await uow.commit()
        return course


async def _can_read_course(uow: SchedulerUnitOfWork, caller: Caller, course: Course) -> bool:
    """Staff read every course of their tenant; others those they teach or attend."""
    if access.is_staff(caller):
        return True
    mine = await memberships_of(uow, caller.subject)
    attends = await uow.batches.course_ids(mine.attends_batches)
    return course.id in mine.teaches_courses or course.id in attends


async def get_course(course_id: str, *, uow: SchedulerUnitOfWork, caller: Caller) -> Course:
    async with uow:
        course = await load_course(uow, course_id)
        access.require(await _can_read_course(uow, caller, course), "see this course")
        return course


async def list_courses(
    *,
    tenant_id: str,
    instructor_id: str,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[Course], int]:
    async with uow:
        ids: set[str] | None = None
        if not access.is_staff(caller):  # teachers: what they teach; students: what they attend
            mine = await memberships_of(uow, caller.subject)
            ids = set(mine.teaches_courses) | await uow.batches.course_ids(mine.attends_batches)
        return await uow.courses.list(
            tenant_id=tenant_id,
            instructor_id=instructor_id,
            offset=page.offset,
            limit=page.limit,
            ids=ids,
        )


async def update_course(
    cmd: commands.UpdateCourse, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> Course:
    check_paths(cmd.changes, COURSE_PATHS)
    async with uow:
        course = await load_course(uow, cmd.course_id)
        access.require(access.can_manage_course(caller, course), "change this course")
        instructors = list(course.instructor_ids)
        for path, value in cmd.changes.items():
            if path == "title" and not str(value).strip():
                raise invalid("course.title", "required")
            if path == "default_timezone" and value:
                zone(value, field="course.default_timezone")
            setattr(course, path, list(value) if path == "instructor_ids" else value)
        course.update_time = at = now()
        if course.instructor_ids != instructors:  # the meetings' alternative hosts change
            await meeting_sync.arm_course(uow, course.id, JobKind.SYNC_ALTERNATIVE_HOSTS, at=at)
        await uow.commit()
        return course


async def delete_course(
    cmd: commands.DeleteCourse, *, uow: SchedulerUnitOfWork, caller: Caller
) -> list[str]:
    """Delete the course; with ``force`` its batches too. Returns the ids of the sessions that
    were still upcoming, which the caller cancels first (their Zoom meetings go with them)."""
    async with uow:
        course = await load_course(uow, cmd.course_id)
        access.require(access.can_manage_course(caller, course), "delete this course")
        batch_ids = await uow.batches.ids_of_course(course.id)
        if batch_ids and not cmd.force:
            raise FailedPrecondition(
                f"the course still has {len(batch_ids)} batch(es); delete them or use force"
            )
        upcoming = []
        for batch_id in batch_ids:
            upcoming += [
                s.id
                for s in await uow.sessions.of_batch(batch_id)
                if s.status is SessionStatus.SCHEDULED
            ]
        return upcoming


async def finish_delete_course(course_id: str, *, uow: SchedulerUnitOfWork) -> None:
    async with uow:
        for batch_id in await uow.batches.ids_of_course(course_id):
            await uow.sessions.delete_of_batch(batch_id)
            await uow.batches.delete(batch_id)
        await uow.courses.delete(course_id)
        await uow.commit()


# ---- Batches ----


def _check_email(email: str) -> None:
    """An address Zoom can register: one ``@`` with something on each side, no spaces."""
    value = email.strip()
    if not value:
        return
    local, at, domain = value.partition("@")
    if not (local and at and domain) or "@" in domain or " " in value or len(value) > 320:
        raise invalid("email", "must be an email address")


def _check_threshold(value: float) -> None:
    """A present threshold is a percentage; 0 stands for the default."""
    if not 0 <= value <= 100:
        raise invalid("batch.present_threshold_percentage", "must be between 0 and 100")


def _groups(
    batch_type: BatchType, groups: Sequence[BreakoutGroup], *, enrolled: Collection[str]
) -> list[BreakoutGroup]:
    """The batch's breakout groups, checked (``domain.breakout``): a group batch's only."""
    if groups and batch_type is not BatchType.GROUP:
        raise invalid("batch.breakout_groups", "only a group batch has breakout groups")
    return breakout.checked(groups, enrolled=enrolled)


def _check_batch_shape(batch_type: BatchType, student_id: str) -> None:
    if batch_type is BatchType.INDIVIDUAL and not student_id:
        raise invalid("batch.student_id", "required for an individual batch")
    if batch_type is BatchType.GROUP and student_id:
        raise invalid("batch.student_id", "must be empty for a group batch (enroll students)")


async def _view(uow: SchedulerUnitOfWork, batch: Batch, course: Course | None = None) -> BatchView:
    course = course or await uow.courses.get(batch.course_id)
    if batch.type is BatchType.INDIVIDUAL:
        count = 1 if batch.student_id else 0
    else:
        count = (await uow.batches.enrollment_counts([batch.id])).get(batch.id, 0)
    return BatchView(
        batch=batch, course_title=course.title if course else "", enrollment_count=count
    )


@replays_a_twin
async def create_batch(
    cmd: commands.CreateBatch, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> BatchView:
    access.require_manager_role(caller)
    if not cmd.course_id:
        raise invalid("batch.course_id", "required")
    if not cmd.name.strip():
        raise invalid("batch.name", "required")
    if cmd.type is None:
        raise invalid("batch.type", "GROUP or INDIVIDUAL is required")
    _check_batch_shape(cmd.type, cmd.student_id)
    if cmd.timezone:
        zone(cmd.timezone, field="batch.timezone")
    if cmd.start_date and cmd.end_date and cmd.end_date < cmd.start_date:
        raise invalid("batch.end_date", "must not be before start_date")
    _check_threshold(cmd.present_threshold_percentage)
    if any(g.student_ids for g in cmd.breakout_groups):
        raise invalid(
            "batch.breakout_groups",
            "a new batch has no students yet: name the groups now, or enroll the students and "
            "then set the groups with an update",
        )
    groups = _groups(cmd.type, cmd.breakout_groups, enrolled=())
    async with uow:
        # The parent first: it fixes the tenant of a tenant-spanning caller, so the request id
        # is looked up in that tenant only (keys are unique per tenant).
        course = await uow.courses.get(cmd.course_id)
        if course is None:
            raise NotFound(resource_type="course", resource_id=cmd.course_id)
        access.require(access.can_manage_course(caller, course), "add batches to this course")
        if cmd.request_id:
            existing = await uow.batches.by_request_id(cmd.request_id)
            if existing is not None:
                require_replay(
                    existing.course_id == course.id
                    and access.can_read_batch(
                        caller, existing, await uow.enrollments.student_ids(existing.id), course
                    ),
                    resource_type="batch",
                    request_id=cmd.request_id,
                )
                return await _view(uow, existing, course)
        at = now()
        instructor = cmd.instructor_id or (
            caller.subject if access.is_teacher(caller) else (course.instructor_ids or [""])[0]
        )
        batch = Batch(
            id=new_id(),
            course_id=course.id,
            name=cmd.name.strip(),
            type=cmd.type,
            instructor_id=instructor,
            student_id=cmd.student_id,
            timezone=cmd.timezone,
            start_date=cmd.start_date,
            end_date=cmd.end_date,
            meeting_settings=dict(cmd.meeting_settings),
            request_id=cmd.request_id or None,
            create_time=at,
            update_time=at,
            present_threshold_percentage=cmd.present_threshold_percentage,
            breakout_groups=groups,
        )
        await uow.batches.add(batch)
        await uow.commit()
        return await _view(uow, batch, course)


async def get_batch(batch_id: str, *, uow: SchedulerUnitOfWork, caller: Caller) -> BatchView:
    async with uow:
        batch = await load_batch(uow, batch_id)
        enrolled = await uow.enrollments.student_ids(batch.id)
        course = await uow.courses.get(batch.course_id)
        access.require(access.can_read_batch(caller, batch, enrolled, course), "see this batch")
        return await _view(uow, batch, course)


async def list_batches(
    *,
    course_id: str,
    instructor_id: str,
    student_id: str,
    type: BatchType | None,
    page: PageRequest,
    uow: SchedulerUnitOfWork,
    caller: Caller,
) -> tuple[list[BatchView], int]:
    if access.is_student(caller):
        if student_id and student_id != caller.subject:
            raise PermissionDenied("students list only their own batches")
        student_id = caller.subject
    async with uow:
        ids: list[str] | None = None
        if access.is_teacher(caller) and not access.is_staff(caller):
            mine = await memberships_of(uow, caller.subject)
            ids = sorted(mine.teaches_batches | mine.attends_batches)
        batches, total = await uow.batches.list(
            course_id=course_id,
            instructor_id=instructor_id,
            student_id=student_id,
            type=type,
            offset=page.offset,
            limit=page.limit,
            ids=ids,
        )
        return [await _view(uow, b) for b in batches], total


async def update_batch(
    cmd: commands.UpdateBatch, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> BatchView:
    check_paths(cmd.changes, BATCH_PATHS)
    async with uow:
        batch = await load_batch(uow, cmd.batch_id, field="batch.id")
        course = await uow.courses.get(batch.course_id)
        access.require(access.can_manage_batch(caller, batch, course), "change this batch")
        groups_before = list(batch.breakout_groups)
        for path, value in cmd.changes.items():
            if path == "name" and not str(value).strip():
                raise invalid("batch.name", "required")
            if path == "timezone" and value:
                zone(value, field="batch.timezone")
            if path == "student_id":
                _check_batch_shape(batch.type, value)
            if path == "present_threshold_percentage":
                _check_threshold(value)
            if path == "breakout_groups":
                enrolled = await uow.enrollments.student_ids(batch.id)
                value = _groups(batch.type, value, enrolled=set(enrolled))
            setattr(batch, path, value)
        if batch.start_date and batch.end_date and batch.end_date < batch.start_date:
            raise invalid("batch.end_date", "must not be before start_date")
        batch.update_time = at = now()
        if batch.breakout_groups != groups_before:  # the meetings' breakout rooms change
            await meeting_sync.arm_batch(uow, batch.id, JobKind.SYNC_BREAKOUT_ROOMS, at=at)
        await uow.commit()
        return await _view(uow, batch, course)


async def delete_batch(
    cmd: commands.DeleteBatch, *, uow: SchedulerUnitOfWork, caller: Caller
) -> list[str]:
    """Check the batch may go; returns its upcoming sessions (to cancel first, with ``force``)."""
    async with uow:
        batch = await load_batch(uow, cmd.batch_id)
        course = await uow.courses.get(batch.course_id)
        access.require(access.can_manage_batch(caller, batch, course), "delete this batch")
        upcoming = [
            s.id
            for s in await uow.sessions.of_batch(batch.id)
            if s.status is SessionStatus.SCHEDULED
        ]
        if upcoming and not cmd.force:
            raise FailedPrecondition(
                f"the batch has {len(upcoming)} upcoming session(s); cancel them or use force"
            )
        return upcoming


async def finish_delete_batch(batch_id: str, *, uow: SchedulerUnitOfWork) -> None:
    async with uow:
        await uow.sessions.delete_of_batch(batch_id)
        await uow.batches.delete(batch_id)
        await uow.commit()


# ---- Enrollments ----


@replays_a_twin
async def create_enrollment(
    cmd: commands.CreateEnrollment, *, uow: SchedulerUnitOfWork, caller: Caller, now: Clock = utcnow
) -> Enrollment:
    if not cmd.student_id:
        raise invalid("student_id", "required")
    _check_email(cmd.email)
    async with uow:
        batch = await load_batch(uow, cmd.batch_id)  # first: fixes a spanning caller's tenant
        course = await uow.courses.get(batch.course_id)
        access.require(access.can_manage_batch(caller, batch, course), "enroll students here")
        if cmd.request_id:
            existing = await uow.enrollments.by_request_id(cmd.request_id)
            if existing is not None:  # readable: the caller manages its batch (checked above)
                require_replay(
                    existing.batch_id == batch.id,
                    resource_type="enrollment",
                    request_id=cmd.request_id,
                )
                return existing
        if batch.type is BatchType.INDIVIDUAL:
            raise FailedPrecondition("an individual batch has its one student; nobody enrolls")
        if await uow.enrollments.find(batch.id, cmd.student_id) is not None:
            raise AlreadyExists(
                f"student {cmd.student_id!r} is already enrolled in batch {batch.id!r}",
                resource_type="enrollment",
                resource_id=f"{batch.id}/{cmd.student_id}",
            )
        at = now()
        enrollment = Enrollment(
            id=new_id(),
            batch_id=batch.id,
            student_id=cmd.student_id,
            create_time=at,
            email=cmd.email.strip(),
            first_name=cmd.first_name.strip(),
            last_name=cmd.last_name.strip(),
        )
        await uow.enrollments.add(enrollment, request_id=cmd.request_id or None)
        if enrollment.email:
            await registration.arm_batch(uow, batch.id, at=at)
        await uow.commit()
        return enrollment


async def delete_enrollment(
    cmd: commands.DeleteEnrollment,
    *,
    uow: SchedulerUnitOfWork,
    caller: Caller,
    now: Clock = utcnow,
) -> None:
    async with uow:
        if cmd.enrollment_id:
            enrollment = await uow.enrollments.get(cmd.enrollment_id)
        elif cmd.batch_id and cmd.student_id:
            enrollment = await uow.enrollments.find(cmd.batch_id, cmd.student_id)
        else:
            raise invalid("enrollment_id", "give enrollment_id, or batch_id and student_id")
        if enrollment is None:
            raise NotFound(
                resource_type="enrollment", resource_id=cmd.enrollment_id or cmd.student_id
            )
        batch = await load_batch(uow, enrollment.batch_id)
        course = await uow.courses.get(batch.course_id)
        access.require(access.can_manage_batch(caller, batch, course), "remove this enrollment")
        await uow.enrollments.delete(enrollment.id)
        if enrollment.email:  # registered for the batch's meetings: no longer
            await registration.arm_batch(uow, batch.id, at=now())
        groups = breakout.without(batch.breakout_groups, enrollment.student_id)
        if groups != batch.breakout_groups:  # they leave their breakout room too
            batch.breakout_groups = groups
            await meeting_sync.arm_batch(uow, batch.id, JobKind.SYNC_BREAKOUT_ROOMS, at=now())
        await uow.commit()


async def list_enrollments(
    *, batch_id: str, student_id: str, page: PageRequest, uow: SchedulerUnitOfWork, caller: Caller
) -> tuple[list[Enrollment], int]:
    if not batch_id and not student_id:
        raise invalid("batch_id", "give batch_id or student_id")
    if access.is_student(caller):
        if student_id and student_id != caller.subject:
            raise PermissionDenied("students list only their own enrollments")
        student_id = caller.subject
    async with uow:
        if batch_id:  # NOT_FOUND for a batch outside the caller's tenant, not an empty list
            batch = await load_batch(uow, batch_id)
            if not access.is_staff(caller) and not access.is_student(caller):
                course = await uow.courses.get(batch.course_id)
                access.require(
                    access.can_manage_batch(caller, batch, course), "see this batch's enrollments"
                )
        elif not batch_id and not access.is_staff(caller) and student_id != caller.subject:
            raise PermissionDenied("teachers list enrollments of a batch they teach")
        return await uow.enrollments.list(
            batch_id=batch_id, student_id=student_id, offset=page.offset, limit=page.limit
        )
