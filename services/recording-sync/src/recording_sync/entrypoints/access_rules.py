"""Who may call each RecordingSyncService method (enforced by the gRPC auth interceptor).

The rule admits a kind of caller before the handler runs; the handler then narrows it
(``service_layer.reach``): every caller to their own tenant, a teacher to the batches they
teach, a student to what they attend or were granted. Operators pass wherever an admin does, in
any tenant, and are audited.

No Classbridge service calls recording-sync today: the edge forwards the person's own token, so
no rule names a service. A service that needs a method gets it added here, on purpose.
"""

from __future__ import annotations

from classbridge.recordingsync.v1 import recording_sync_pb2
from classbridge_common.auth import ADMIN, OPERATOR, STUDENT, TEACHER
from classbridge_common.authz import Policy, allow

MANAGERS = (ADMIN, TEACHER)
"""Manage sync jobs, grants and recordings: admins of the tenant, teachers of the batch."""
EVERYONE = (ADMIN, TEACHER, STUDENT)
"""Watch recordings: managers, plus students who attend the batch or were granted access."""

POLICY = Policy.of(
    recording_sync_pb2.DESCRIPTOR.services_by_name["RecordingSyncService"],
    {
        # Sync jobs: the batch's teachers and the tenant's admins.
        "SyncMeeting": allow(*MANAGERS, scope="resource"),
        "SyncBatch": allow(*MANAGERS, scope="resource"),
        "RetrySync": allow(*MANAGERS, scope="resource"),
        "GetSyncJob": allow(*MANAGERS, scope="resource"),
        "GetSyncStatus": allow(*MANAGERS, scope="resource"),
        "ListSyncJobs": allow(*MANAGERS, scope="resource"),
        "GetSyncStatistics": allow(*MANAGERS, scope="resource"),
        # Recordings: everyone lists and opens what they may watch; managers delete.
        "ListRecordings": allow(*EVERYONE, scope="resource"),
        "GetRecording": allow(*EVERYONE, scope="resource"),
        "GetPlaybackUrl": allow(*EVERYONE, scope="resource"),
        "DeleteRecording": allow(*MANAGERS, scope="resource"),
        # Manual upload: a recording of a batch one manages (an upload: its uploader and the
        # tenant's admins).
        "CreateManualUpload": allow(*MANAGERS, scope="resource"),
        "AppendManualUpload": allow(*MANAGERS, scope="resource"),
        "GetManualUpload": allow(*MANAGERS, scope="resource"),
        "DeleteManualUpload": allow(*MANAGERS, scope="resource"),
        "GetManualUploadLimits": allow(*MANAGERS, scope="tenant"),
        # Access grants name users: managers only.
        "CreateAccessGrant": allow(*MANAGERS, scope="resource"),
        "ListAccessGrants": allow(*MANAGERS, scope="resource"),
        "DeleteAccessGrant": allow(*MANAGERS, scope="resource"),
        # The local-folder watcher watches one folder on the recording-sync host, shared by
        # every tenant of the deployment (its files are filed in their meetings' tenants): the
        # platform's operators control it, no tenant's admin.
        "GetWatcherStatus": allow(OPERATOR, scope="platform"),
        "StartWatcher": allow(OPERATOR, scope="platform"),
        "StopWatcher": allow(OPERATOR, scope="platform"),
        "SetWatchPath": allow(OPERATOR, scope="platform"),
        # The watch agent's question: which of the caller's sessions a local recording is of
        # (the handler narrows a teacher to the sessions they teach).
        "MatchLocalRecording": allow(*MANAGERS, scope="resource"),
        # Recording policies: the tenant's admins set them; teachers read their courses' (the
        # handler checks the course, and keeps the tenant default to admins).
        "GetSyncPolicy": allow(*MANAGERS, scope="resource"),
        "UpdateSyncPolicy": allow(ADMIN, scope="tenant"),
        # A recording's text: whoever may open the recording reads its transcript, searches it
        # and gets its captions (the handler applies GetRecording's rule to every recording);
        # processing it again is for the batch's teachers and the tenant's admins.
        "GetTranscript": allow(*EVERYONE, scope="resource"),
        "SearchTranscripts": allow(*EVERYONE, scope="resource"),
        "GetCaptionTracks": allow(*EVERYONE, scope="resource"),
        "ReprocessRecording": allow(*MANAGERS, scope="resource"),
    },
)

__all__ = ["EVERYONE", "MANAGERS", "POLICY"]
