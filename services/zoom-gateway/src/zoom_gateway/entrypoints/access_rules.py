"""Who may call each ZoomGatewayService method (enforced by the auth interceptor).

A person's token never drives the tenant's Zoom account: meetings, recordings, participants,
downloads and user lookups are for the Classbridge services that need them, each limited to
what it calls (scheduler: its meetings; recording-sync: recordings and their files; a method no
service calls yet belongs to the scheduler, whose sessions and hosts it is about). People
reach Zoom only through their own per-user connection (scope ``own``: the handler refuses
another user's id or another tenant, see ``service_layer/access.py``), a tenant admin may read
their tenant's status, manage the meetings of their own tenant's Zoom account (never another
tenant's: see ``check_meeting_account``) and administer their own tenant, and operators manage
tenants.
"""

from __future__ import annotations

from classbridge.zoomgateway.v1 import zoom_gateway_pb2
from classbridge_common.auth import ADMIN, OPERATOR, STUDENT, TEACHER
from classbridge_common.authz import Policy, allow, services_only

SCHEDULER = "scheduler"
RECORDING_SYNC = "recording-sync"
WEBHOOK_INGEST = "webhook-ingest"
EVERYONE = (ADMIN, TEACHER, STUDENT, OPERATOR)

_own = allow(*EVERYONE, scope="own")
"""A person's own Zoom connection (no service drives the per-user OAuth flow today)."""

_tenant_meetings = allow(ADMIN, services=[SCHEDULER], scope="tenant")
"""A tenant's meetings: the scheduler's sessions, and the tenant's admins on their own account."""

POLICY = Policy.of(
    zoom_gateway_pb2.DESCRIPTOR.services_by_name["ZoomGatewayService"],
    {
        # the edge's /api/zoom/status, with the admin's token; services fall back gracefully
        # Teachers see whether Zoom is set up before they schedule with a meeting.
        "GetStatus": allow(ADMIN, TEACHER, services=[SCHEDULER, RECORDING_SYNC], scope="tenant"),
        # per-user OAuth: only one's own connection (the edge passes the signed-in user)
        "GetAuthorizationUrl": _own,
        "CompleteAuthorization": _own,
        "GetConnection": _own,
        "Disconnect": _own,
        # meetings: the scheduler's for sessions; a tenant's admins (operators pass wherever
        # admins do) for the meetings of their own tenant's Zoom account (seed 004's meeting
        # CRUD), always with that tenant's server-to-server app: the handler refuses a person's
        # per-user connection and another tenant, and namespaces a person's request_id
        # (``service_layer/access.py``). Not teachers: every meeting on the account has the
        # same Zoom host, so nothing tells a teacher's meeting from anyone else's.
        "CreateMeeting": _tenant_meetings,
        "GetMeeting": _tenant_meetings,
        "UpdateMeeting": _tenant_meetings,
        "DeleteMeeting": _tenant_meetings,
        "ListMeetings": _tenant_meetings,
        "GetPastMeeting": services_only(SCHEDULER),
        # recordings: recording-sync fetches and cleans them up
        "ListMeetingRecordings": services_only(RECORDING_SYNC),
        # a person's own recordings through their own connection (Account.oauth_user_id)
        "ListUserRecordings": allow(*EVERYONE, services=[RECORDING_SYNC], scope="own"),
        "DeleteMeetingRecordings": services_only(RECORDING_SYNC),
        "DeleteRecordingFile": services_only(RECORDING_SYNC),
        "GetDownloadAccess": services_only(RECORDING_SYNC),
        # no caller yet: granted to the service whose domain they serve (sessions, hosts)
        "ListPastMeetingParticipants": services_only(SCHEDULER),
        "GetUser": services_only(SCHEDULER),
        # registrants: the scheduler registers each enrolled student (their own join link,
        # named by registrant_id in the participant events); join links are credentials, so
        # no person lists or makes them here
        "AddMeetingRegistrants": services_only(SCHEDULER),
        "RemoveMeetingRegistrants": services_only(SCHEDULER),
        "ListMeetingRegistrants": services_only(SCHEDULER),
        # tenants
        "CreateTenant": allow(OPERATOR, scope="platform"),
        "ListTenants": allow(OPERATOR, scope="platform"),
        "GetTenant": allow(ADMIN, scope="tenant"),  # operators pass wherever admins do
        "UpdateTenantZoomApps": allow(ADMIN, scope="tenant"),
        "ListWebhookKeys": services_only(WEBHOOK_INGEST),
    },
)
