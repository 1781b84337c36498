"""The zoom-gateway client: meeting calls over gRPC, errors as ``classbridge_common.errors``.

Calls go out with the scheduler's own service token (not the caller's): the gateway's answer
must not depend on which person scheduled the class.
"""

from __future__ import annotations

from typing import Any

import grpc.aio
from google.protobuf import field_mask_pb2, json_format

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import ServiceTokenIssuer
from classbridge_common.grpc import call, create_channel
from scheduler.adapters.event_codec import ts
from scheduler.service_layer.ports import MeetingInfo, MeetingSpec


def _account(tenant_id: str) -> zg.Account:
    return zg.Account(tenant_id=tenant_id) if tenant_id else zg.Account()


def _settings(values: dict[str, Any]) -> common_pb2.MeetingSettings:
    settings = common_pb2.MeetingSettings()
    json_format.ParseDict(values, settings, ignore_unknown_fields=True)
    return settings


def _spec(spec: MeetingSpec) -> zg.MeetingSpec:
    return zg.MeetingSpec(
        topic=spec.topic[:200],
        type=common_pb2.ZOOM_MEETING_TYPE_SCHEDULED,
        start_time=ts(spec.start_time),
        duration_minutes=spec.duration_minutes,
        timezone=spec.timezone,
        agenda=spec.agenda[:2000],
        settings=_settings(spec.settings),
    )


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
                request_id=request_id, account=_account(spec.tenant_id), meeting=_spec(spec)
            ),
        )
        return _info(meeting)

    async def update_meeting(
        self, *, meeting_id: int, spec: MeetingSpec, paths: tuple[str, ...]
    ) -> MeetingInfo:
        meeting = await call(
            self._stub.UpdateMeeting,
            zg.UpdateMeetingRequest(
                account=_account(spec.tenant_id),
                meeting_id=meeting_id,
                meeting=_spec(spec),
                update_mask=field_mask_pb2.FieldMask(paths=list(paths)),
            ),
        )
        return _info(meeting)

    async def delete_meeting(self, *, meeting_id: int, tenant_id: str, notify_hosts: bool) -> bool:
        answer = await call(
            self._stub.DeleteMeeting,
            zg.DeleteMeetingRequest(
                account=_account(tenant_id), meeting_id=meeting_id, notify_hosts=notify_hosts
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
