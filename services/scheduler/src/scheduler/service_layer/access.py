"""Who may do what, from the caller's identity (roles in the token) and the resource.

Tenant admins, operators and services manage everything they can see (the repositories keep
each caller to their tenant). A teacher manages and reads only what they teach: a course they
are an instructor of (co-teachers included), its batches, a batch they teach, a session they
teach. Students read what they attend.
"""

from __future__ import annotations

from classbridge_common.auth import STUDENT, TEACHER, Caller
from classbridge_common.errors import PermissionDenied
from scheduler.domain.model import Batch, Course, Session


def is_staff(caller: Caller) -> bool:
    """Tenant admins, operators and services: may do anything within the tenant they act in."""
    return caller.manages_tenant


def is_teacher(caller: Caller) -> bool:
    return caller.has_role(TEACHER)


def is_student(caller: Caller) -> bool:
    return caller.has_role(STUDENT) and not is_staff(caller) and not is_teacher(caller)


def require_manager_role(caller: Caller) -> None:
    """Only teachers, admins and services create courses, batches and sessions."""
    if not (is_staff(caller) or is_teacher(caller)):
        raise PermissionDenied("only teachers and admins may do this")


def teaches_course(caller: Caller, course: Course | None) -> bool:
    return course is not None and caller.subject in course.instructor_ids


def can_manage_course(caller: Caller, course: Course) -> bool:
    if is_staff(caller):
        return True
    return is_teacher(caller) and teaches_course(caller, course)


def can_manage_batch(caller: Caller, batch: Batch, course: Course | None) -> bool:
    if is_staff(caller):
        return True
    return is_teacher(caller) and (
        batch.instructor_id == caller.subject or teaches_course(caller, course)
    )


def can_manage_session(
    caller: Caller, session: Session, batch: Batch | None, course: Course | None
) -> bool:
    if is_staff(caller):
        return True
    if not is_teacher(caller):
        return False
    if session.teacher_id == caller.subject:
        return True
    return (batch is not None and batch.instructor_id == caller.subject) or teaches_course(
        caller, course
    )


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"the caller may not {what}")


def belongs_to_batch(caller: Caller, batch: Batch, enrolled: list[str]) -> bool:
    """The caller is the student of this individual batch or enrolled in this group batch."""
    return caller.subject == batch.student_id or caller.subject in enrolled


def can_read_batch(
    caller: Caller, batch: Batch, enrolled: list[str], course: Course | None = None
) -> bool:
    """Staff and teachers read every batch; students those they belong to."""
    return (
        is_staff(caller)
        or can_manage_batch(caller, batch, course)
        or belongs_to_batch(caller, batch, enrolled)
    )
