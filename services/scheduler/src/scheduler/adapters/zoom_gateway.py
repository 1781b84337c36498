"""The zoom-gateway client: meeting calls over gRPC, errors as ``classbridge_common.errors``.

Calls go out with the scheduler's own service token (not the caller's): the gateway's answer
must not depend on which person scheduled the class.

The participants of an ended meeting come from Zoom's report endpoint, which alone carries the
customer key; an account whose app lacks the report's (admin) scope gets the past-meeting
list instead, which still names registrants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import grpc.aio
from google.protobuf import field_mask_pb2, json_format

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import ServiceTokenIssuer
from classbridge_common.errors import FailedPrecondition, PermissionDenied
from classbridge_common.grpc import call, create_channel
from scheduler.adapters.event_codec import ts
from scheduler.domain.identity import ZoomIdentity
from scheduler.domain.recurrence import ZoomRecurrence
from scheduler.service_layer.ports import (
    MeetingInfo,
    MeetingSpec,
    RegisteredPerson,
    RegistrantSpec,
    ReportedJoin,
    SkippedHost,
)


def _account(tenant_id: str) -> zg.Account:
    return zg.Account(tenant_id=tenant_id) if tenant_id else zg.Account()


def _settings(values: dict[str, Any]) -> common_pb2.MeetingSettings:
    settings = common_pb2.MeetingSettings()
    json_format.ParseDict(values, settings, ignore_unknown_fields=True)
    return settings


def _recurrence(rec: ZoomRecurrence) -> zg.Recurrence:
    return zg.Recurrence(
        type=rec.type,  # type: ignore[arg-type]  # Zoom's numbers are the enum's
        repeat_interval=rec.repeat_interval,
        weekly_days=list(rec.weekly_days),
        monthly_day=rec.monthly_day,
        monthly_week=rec.monthly_week,
        monthly_week_day=rec.monthly_week_day,
        end_times=rec.end_times,
    )


def _spec(spec: MeetingSpec) -> zg.MeetingSpec:
    out = zg.MeetingSpec(
        topic=spec.topic[:200],
        type=common_pb2.ZOOM_MEETING_TYPE_RECURRING_FIXED_TIME
        if spec.recurrence is not None
        else common_pb2.ZOOM_MEETING_TYPE_SCHEDULED,
        start_time=ts(spec.start_time),
        duration_minutes=spec.duration_minutes,
        timezone=spec.timezone,
        agenda=spec.agenda[:2000],
        settings=_settings(spec.settings),
    )
    if spec.recurrence is not None:
        out.recurrence.CopyFrom(_recurrence(spec.recurrence))
    return out


SKIP_REASONS = {
    zg.ALTERNATIVE_HOST_SKIP_NOT_CONNECTED: "not_connected",
    zg.ALTERNATIVE_HOST_SKIP_OTHER_ACCOUNT: "other_account",
    zg.ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM: "refused_by_zoom",
}


def _info(meeting: zg.Meeting) -> MeetingInfo:
    return MeetingInfo(
        meeting_id=meeting.id,
        meeting_uuid=meeting.uuid,
        join_url=meeting.join_url,
        password=meeting.password,
        topic=meeting.topic,
        host_zoom_user_id=meeting.host_id,
        host_email=meeting.host_email,
        duration_minutes=meeting.duration_minutes,
        breakout_rooms_dropped=meeting.breakout_rooms_dropped,
        skipped_alternative_hosts=tuple(
            SkippedHost(
                user_id=h.user_id,
                reason=SKIP_REASONS.get(h.reason, "unknown"),
                email=h.email,
                detail=h.detail,
            )
            for h in meeting.skipped_alternative_hosts
        ),
        occurrences=tuple(
            (o.occurrence_id, o.start_time.ToDatetime(tzinfo=UTC))
            for o in meeting.occurrences
            if o.status != "deleted"
        ),
    )


def _reported(row: zg.PastParticipant) -> ReportedJoin:
    return ReportedJoin(
        who=ZoomIdentity(
            zoom_user_id=row.id or row.participant_user_id,
            registrant_id=row.registrant_id,
            customer_key=row.customer_key,
            email=row.user_email,
            name=row.name,
        ),
        join_time=row.join_time.ToDatetime(tzinfo=UTC) if row.HasField("join_time") else None,
        leave_time=row.leave_time.ToDatetime(tzinfo=UTC) if row.HasField("leave_time") else None,
        in_meeting=row.status != "in_waiting_room",
    )


class ZoomGatewayClient:
    """One channel to the zoom-gateway; use as ``async with``."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(
            address, default_timeout=timeout, service_tokens=tokens, forward_caller=False
        )
        self._stub = zg_grpc.ZoomGatewayServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def create_meeting(self, *, request_id: str, spec: MeetingSpec) -> MeetingInfo:
        meeting = await call(
            self._stub.CreateMeeting,
            zg.CreateMeetingRequest(
                request_id=request_id,
                account=_account(spec.tenant_id),
                meeting=_spec(spec),
                host_user_id=spec.host_user_id,
            ),
        )
        return _info(meeting)

    async def update_meeting(
        self,
        *,
        meeting_id: int,
        spec: MeetingSpec,
        paths: tuple[str, ...],
        occurrence_id: str = "",
    ) -> MeetingInfo:
        meeting = await call(
            self._stub.UpdateMeeting,
            zg.UpdateMeetingRequest(
                account=_account(spec.tenant_id),
                meeting_id=meeting_id,
                occurrence_id=occurrence_id,
                meeting=_spec(spec),
                update_mask=field_mask_pb2.FieldMask(paths=list(paths)),
            ),
        )
        return _info(meeting)

    async def delete_meeting(
        self, *, meeting_id: int, tenant_id: str, notify_hosts: bool, occurrence_id: str = ""
    ) -> bool:
        answer = await call(
            self._stub.DeleteMeeting,
            zg.DeleteMeetingRequest(
                account=_account(tenant_id),
                meeting_id=meeting_id,
                notify_hosts=notify_hosts,
                occurrence_id=occurrence_id,
            ),
        )
        return bool(answer.already_deleted)

    async def start_url(self, *, meeting_id: int, tenant_id: str) -> str:
        meeting = await call(
            self._stub.GetMeeting,
            zg.GetMeetingRequest(
                account=_account(tenant_id), meeting_id=meeting_id, include_start_url=True
            ),
        )
        return str(meeting.start_url)

    async def past_participants(self, *, meeting_uuid: str, tenant_id: str) -> list[ReportedJoin]:
        """Every row of the instance's participants report (the report endpoint, else the
        past-meeting list when the account may not read reports)."""
        request = zg.ListPastMeetingParticipantsRequest(
            account=_account(tenant_id), meeting_uuid=meeting_uuid, use_report=True, all_pages=True
        )
        try:
            answer = await call(self._stub.ListPastMeetingParticipants, request)
        except (PermissionDenied, FailedPrecondition):  # a missing scope, not a missing report
            request.use_report = False
            answer = await call(self._stub.ListPastMeetingParticipants, request)
        return [_reported(row) for row in answer.participants]

    async def add_registrants(
        self, *, meeting_id: int, tenant_id: str, people: Sequence[RegistrantSpec]
    ) -> list[RegisteredPerson]:
        """Register ``people`` (Zoom's limit per call is the gateway's concern: 300)."""
        answer = await call(
            self._stub.AddMeetingRegistrants,
            zg.AddMeetingRegistrantsRequest(
                account=_account(tenant_id),
                meeting_id=meeting_id,
                registrants=[
                    zg.RegistrantSpec(email=p.email, first_name=p.first_name, last_name=p.last_name)
                    for p in people
                ],
            ),
        )
        return [
            RegisteredPerson(
                registrant_id=r.registrant_id, email=r.email, join_url=r.join_url, status=r.status
            )
            for r in answer.registrants
        ]

    async def remove_registrants(
        self, *, meeting_id: int, tenant_id: str, registrant_ids: Sequence[str]
    ) -> int:
        answer = await call(
            self._stub.RemoveMeetingRegistrants,
            zg.RemoveMeetingRegistrantsRequest(
                account=_account(tenant_id),
                meeting_id=meeting_id,
                registrant_ids=list(registrant_ids),
            ),
        )
        return int(answer.removed)
