"""Reconciling a session's attendance with Zoom's participants report once the meeting ended.

Webhooks tell who came as it happens, but one may be lost (a join never delivered), a phone or
a second device of a student may join unseen, and open stays are closed at the end whatever
time the person really left. Zoom's participants report of the ended instance is the complete
record, one row per join, so it is read after the end and merged in:

- each row is tied to a person the way webhooks are (``scheduler.service_layer.people``): to a
  student by registrant, customer key or verified email, else to a record Zoom ties by user
  id; a row Zoom ties to nobody (a guest without identity) is left to the webhooks' record,
  since nothing says which guest it was;
- the rows become that person's reported stays for this instance, replacing those an earlier
  read gave, and attendance is measured on them plus the webhook stays they do not cover
  (``scheduler.domain.attendance.counted``), overlaps once.

The read is a stored job (``scheduler.domain.jobs``) armed with the meeting's end, in the same
transaction. The report appears a few minutes after the end, so the first read waits
``first_delay``; Zoom failing, rate limiting or not having the report yet (an empty report while
webhooks saw people) is tried again with backoff until the window closes, after which the
attendance stays as the webhooks built it (``GAVE_UP``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from classbridge_common.errors import ClassbridgeError
from scheduler.adapters.uow import SchedulerUnitOfWork
from scheduler.domain import events
from scheduler.domain.identity import user_of
from scheduler.domain.jobs import JobKind, JobState, RetryPolicy, SessionJob
from scheduler.domain.model import Session
from scheduler.service_layer import job_runs, people
from scheduler.service_layer.clock import Clock, new_id, utcnow
from scheduler.service_layer.ports import ReportedJoin, ZoomReports

log = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy()


class ReportNotReady(Exception):
    """Zoom's report has no one in it while the webhooks saw people: not published yet."""


def meeting_ref(session: Session, meeting_uuid: str = "") -> str:
    """The instance whose report is read: the uuid Zoom gave, else the meeting's last."""
    if meeting_uuid:
        return meeting_uuid
    if session.meeting is None:
        return ""
    return session.meeting.meeting_uuid or str(session.meeting.meeting_id)


async def schedule(
    uow: SchedulerUnitOfWork,
    session: Session,
    *,
    meeting_uuid: str,
    at: datetime,
    policy: RetryPolicy,
) -> SessionJob | None:
    """Inside the unit of work that ended the session: arm the read of the instance's report.

    A job already waiting for (or done with) the same instance is left as it is; a new instance
    (the meeting was restarted and ended again) or a job that gave up is armed afresh.
    """
    ref = meeting_ref(session, meeting_uuid)
    if not ref:
        return None  # no meeting, no report
    job = await uow.jobs.of_session(session.id, JobKind.RECONCILE_ATTENDANCE)
    if job is None:
        job = SessionJob(
            id=new_id(), session_id=session.id, kind=JobKind.RECONCILE_ATTENDANCE, create_time=at
        )
        job.arm(at=at, policy=policy, meeting_uuid=ref)
        await uow.jobs.add(job)
        return job
    if job.meeting_uuid == ref and job.state is not JobState.GAVE_UP:
        return job
    job.arm(at=at, policy=policy, meeting_uuid=ref)
    return job


def merge_report(roster: people.Roster, meeting_uuid: str, rows: list[ReportedJoin]) -> int:
    """Make the report's rows the reported stays of the people they are about; how many rows
    were merged (rows of the waiting room, or of people Zoom ties to nobody, are not)."""
    end = roster.session.actual_end
    stays: dict[str, list[tuple[datetime, datetime]]] = {}
    merged = 0
    for row in rows:
        if not row.in_meeting or row.join_time is None:
            continue
        if not user_of(row.who, roster.registrants) and not row.who.zoom_user_id:
            continue  # a guest without identity: which webhook guest it was, nothing says
        person, _ = people.person(roster, row.who)
        leave = row.leave_time or end or row.join_time
        stays.setdefault(person.id, []).append((row.join_time, max(leave, row.join_time)))
        merged += 1
    for person in roster.people:
        person.take_report(meeting_uuid, stays.get(person.id, []))
    return merged


def _saw_anyone(roster: people.Roster) -> bool:
    return any(i.join_time is not None for p in roster.people for i in p.intervals)


async def run_due(
    new_uow: Callable[..., SchedulerUnitOfWork],
    zoom: ZoomReports,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
    limit: int = 20,
) -> int:
    """Run every reconciliation due now (in every tenant); how many completed."""

    async def attempt(job_id: str, uow: SchedulerUnitOfWork) -> bool:
        return await run_job(job_id, uow=uow, zoom=zoom, policy=policy, now=now)

    return await job_runs.run_due(
        new_uow, (JobKind.RECONCILE_ATTENDANCE,), attempt, now=now, limit=limit
    )


async def run_job(
    job_id: str,
    *,
    uow: SchedulerUnitOfWork,
    zoom: ZoomReports,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: Clock = utcnow,
) -> bool:
    """One attempt: claim the job, read the report (no transaction open meanwhile), merge it.
    True when the job is done; a failure is recorded on the job (retry or give up)."""
    lease = new_id()
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or job.kind is not JobKind.RECONCILE_ATTENDANCE or not job.due(now()):
            return False
        if not await uow.jobs.claim(job, job.claim(now=now(), policy=policy, lease_id=lease)):
            return False  # another worker took it
        tenant = uow.scope.require()
        meeting_uuid = job.meeting_uuid
        await uow.commit()
    try:
        rows = await zoom.past_participants(meeting_uuid=meeting_uuid, tenant_id=tenant)
    except ClassbridgeError as error:
        await _failed(job_id, lease, uow=uow, error=error, policy=policy, now=now)
        return False
    async with uow:
        job = await uow.jobs.get(job_id, for_update=True)
        if job is None or not job.holds(lease):
            return False  # armed again meanwhile (a new instance): this read is stale
        session = await uow.sessions.get(job.session_id, for_update=True)
        if session is None:  # deleted meanwhile: nothing to reconcile any more
            job.abandon(now=now(), reason="the session no longer exists")
            await uow.commit()
            return False
        roster = await people.roster_of(uow, session)
        merged = merge_report(roster, meeting_uuid, rows)
        if rows or not _saw_anyone(roster):  # else left uncommitted: not published yet
            at = now()
            await people.store_added(uow, roster, at=at)
            job.succeeded(now=at, count=merged)
            session.update_time = at
            uow.record(_attendance_ready(session, meeting_uuid, len(roster.people), True, at))
            await uow.commit()
            log.info("attendance of session %s reconciled: %d report rows", session.id, merged)
            return True
    not_ready = ReportNotReady("Zoom's participants report is empty so far")
    await _failed(job_id, lease, uow=uow, error=not_ready, policy=policy, now=now)
    return False


def _attendance_ready(
    session: Session, meeting_uuid: str, participants: int, complete: bool, at: datetime
) -> events.SessionAttendanceReady:
    return events.SessionAttendanceReady(
        occurred_at=at,
        session_id=session.id,
        session_title=session.title,
        batch_id=session.batch_id,
        course_id=session.course_id,
        meeting_uuid=meeting_uuid,
        participants=participants,
        complete=complete,
    )


async def _announce_without_report(job: SessionJob, uow: SchedulerUnitOfWork, at: datetime) -> None:
    """Zoom's report was given up on: what the webhooks showed is the attendance there is."""
    session = await uow.sessions.get(job.session_id)
    if session is not None:
        people_seen = await uow.participants.of_session(session.id)
        uow.record(_attendance_ready(session, job.meeting_uuid, len(people_seen), False, at))


async def _failed(
    job_id: str,
    lease: str,
    *,
    uow: SchedulerUnitOfWork,
    error: Exception,
    policy: RetryPolicy,
    now: Clock,
) -> None:
    job, gave_up = await job_runs.record_failure(
        job_id,
        lease,
        uow=uow,
        error=error,
        policy=policy,
        now=now,
        on_give_up=_announce_without_report,
    )
    if job is None:
        return
    if gave_up:
        log.warning(
            "attendance of session %s not reconciled: Zoom's report unavailable (%s)",
            job.session_id,
            error,
        )
    else:
        log.info("Zoom's report of session %s not read yet: %s", job.session_id, error)


__all__ = ["DEFAULT_POLICY", "meeting_ref", "merge_report", "run_due", "run_job", "schedule"]
