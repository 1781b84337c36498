"""Who may call each SchedulerService method (enforced by the gRPC auth interceptor).

The rule admits a kind of caller; the handler then narrows it to the resource (the service
layer's ``access`` module): teachers to the courses and batches they teach, students to the
batches they attend, and every caller to their own tenant (the repositories). Operators pass
wherever an admin does, in any tenant, and are audited.
"""

from __future__ import annotations

from classbridge.scheduler.v1 import scheduler_pb2
from classbridge_common.auth import ADMIN, STUDENT, TEACHER
from classbridge_common.authz import Policy, allow, services_only

STAFF = (ADMIN, TEACHER)
EVERYONE = (ADMIN, TEACHER, STUDENT)

POLICY = Policy.of(
    scheduler_pb2.DESCRIPTOR.services_by_name["SchedulerService"],
    {
        # Courses: teachers create their own and manage those they teach; students read the
        # courses of the batches they attend.
        "CreateCourse": allow(*STAFF, scope="resource"),
        "GetCourse": allow(*EVERYONE, scope="resource"),
        "ListCourses": allow(*EVERYONE, scope="resource"),
        "UpdateCourse": allow(*STAFF, scope="resource"),
        "DeleteCourse": allow(*STAFF, scope="resource"),
        # Batches and enrolments.
        "CreateBatch": allow(*STAFF, scope="resource"),
        "GetBatch": allow(*EVERYONE, scope="resource"),
        "ListBatches": allow(*EVERYONE, scope="resource"),
        "UpdateBatch": allow(*STAFF, scope="resource"),
        "DeleteBatch": allow(*STAFF, scope="resource"),
        "CreateEnrollment": allow(*STAFF, scope="resource"),
        "DeleteEnrollment": allow(*STAFF, scope="resource"),
        "ListEnrollments": allow(*EVERYONE, services=["recording-sync"], scope="resource"),
        # Sessions and their meetings: students open the classes they attend (without staff-only
        # data); the host's start URL is for the teacher.
        "CreateSession": allow(*STAFF, scope="resource"),
        "GetSession": allow(*EVERYONE, services=["recording-sync"], scope="resource"),
        "ListSessions": allow(*EVERYONE, scope="resource"),
        "UpdateSession": allow(*STAFF, scope="resource"),
        "CancelSession": allow(*STAFF, scope="resource"),
        "CreateZoomMeeting": allow(*STAFF, scope="resource"),
        "GetStartUrl": allow(*STAFF, scope="resource"),
        # A student's own join link (their registration), or the meeting's link.
        "GetJoinUrl": allow(*EVERYONE, scope="resource"),
        # Bulk scheduling: the teachers of every item's batch, and admins.
        "BulkCreateSessions": allow(*STAFF, scope="resource"),
        "GetBulkJob": allow(*STAFF, scope="resource"),
        # Series: made and cancelled by the batch's teachers and admins, read by whoever may
        # read its sessions.
        "CreateSeries": allow(*STAFF, scope="resource"),
        "GetSeries": allow(*EVERYONE, scope="resource"),
        "UpdateSeries": allow(*STAFF, scope="resource"),
        # Everyone's own choice about email notices.
        "GetNoticePreference": allow(*EVERYONE, scope="own"),
        "SetNoticePreference": allow(*EVERYONE, scope="own"),
        # The people directory holds addresses: the tenant's admins only.
        "PutPerson": allow(ADMIN, scope="tenant"),
        "ListPeople": allow(ADMIN, scope="tenant"),
        "DeletePerson": allow(ADMIN, scope="tenant"),
        "CancelSeries": allow(*STAFF, scope="resource"),
        # Calendar feeds: a batch's for its teachers and admins, anyone's own (the handler
        # narrows; the edge calls it as the person a feed link was issued to).
        "GetCalendarFeed": allow(*EVERYONE, scope="resource"),
        # Participant records are staff-only. Attendance reports: the teachers and admins get
        # every row, a student of the batch only their own (the handlers narrow them).
        "ListParticipants": allow(*STAFF, scope="resource"),
        "UpdateParticipant": allow(*STAFF, scope="resource"),
        "GetAttendanceReport": allow(*EVERYONE, scope="resource"),
        "GetBatchAttendance": allow(*EVERYONE, scope="resource"),
        # The classroom: questions, chat and shared resources of a class one attends.
        "CreateInteraction": allow(*EVERYONE, scope="resource"),
        "ListInteractions": allow(*EVERYONE, scope="resource"),
        "CreateSharedResource": allow(*STAFF, scope="resource"),
        "ListSharedResources": allow(*EVERYONE, scope="resource"),
        "DeleteSharedResource": allow(*STAFF, scope="resource"),
        # Recorded lessons.
        "ListRecordedLessons": allow(*EVERYONE, scope="resource"),
        "AddRecordedLesson": allow(*STAFF, scope="resource"),
        "DeleteRecordedLesson": allow(*STAFF, scope="resource"),
        "GetBatchSyncStatus": allow(*STAFF, scope="resource"),
        # For recording-sync's playback checks only.
        "ListMemberships": services_only("recording-sync"),
    },
)

__all__ = ["POLICY"]
