"""gRPC servicer of ``classbridge.zoomgateway.v1.ZoomGatewayService``.

It only translates: protobuf in → handler call with a :class:`Deadline` from the gRPC deadline
→ protobuf out. Errors are Classbridge exceptions, turned into gRPC statuses with rich details by
the common ``ErrorMappingInterceptor``. Who may call each method is declared in
``access_rules.py`` and enforced before a handler runs; what a person's request names (account,
user, tenant) is narrowed to their own by :mod:`zoom_gateway.service_layer.access` here, before
any credential is used.
"""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as pb_grpc
from classbridge_common.auth import current_caller_or_none
from classbridge_common.errors import NotFound
from classbridge_common.grpc.context import time_remaining
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.entrypoints import convert
from zoom_gateway.service_layer.access import (
    check_account,
    check_connection_tenant,
    check_meeting_account,
    check_own_user,
    check_tenant,
    is_person,
    meeting_request_id,
    own_tenant,
)
from zoom_gateway.service_layer.accounts import Actor
from zoom_gateway.service_layer.gateway import ZoomGateway
from zoom_gateway.service_layer.users import get_status, get_user

TRASH_TYPES = {
    pb.TRASH_TYPE_MEETING_RECORDINGS: "meeting_recordings",
    pb.TRASH_TYPE_RECORDING_FILE: "recording_file",
}


def _deadline(default: float) -> Deadline:
    remaining = time_remaining()
    return Deadline.after(remaining if remaining is not None else default)


def _page_size(value: int, default: int) -> int:
    return max(1, min(300, value or default))


class ZoomGatewayServicer(pb_grpc.ZoomGatewayServiceServicer):
    def __init__(self, gateway: ZoomGateway, *, default_timeout: float = 30.0) -> None:
        self._g = gateway
        self._default_timeout = default_timeout

    def _dl(self) -> Deadline:
        return _deadline(self._default_timeout)

    async def _actor(self, account: pb.Account, *, own_only: bool = False) -> Actor:
        """The credentials a call uses, after narrowing a person's choice to their own."""
        caller = current_caller_or_none()
        actor = await self._g.accounts.resolve(
            check_account(caller, convert.account_ref(account), own_only=own_only)
        )
        if actor.is_user:
            check_connection_tenant(caller, actor.tenant.id)
        return actor

    async def _meeting_actor(self, account: pb.Account) -> Actor:
        """The credentials of a meeting call: a person's own tenant's server-to-server app."""
        caller = current_caller_or_none()
        return await self._g.accounts.resolve(
            check_meeting_account(caller, convert.account_ref(account))
        )

    # ---- status and users --------------------------------------------------------------

    async def GetStatus(
        self,
        request: pb.GetStatusRequest,
        context: grpc.aio.ServicerContext[pb.GetStatusRequest, pb.GetStatusResponse],
    ) -> pb.GetStatusResponse:
        caller = current_caller_or_none()
        ref = check_account(caller, convert.account_ref(request.account))
        status = await get_status(
            zoom=self._g.zoom,
            accounts=self._g.accounts,
            ref=ref,
            validate=request.validate,
            deadline=self._dl(),
        )
        if ref.oauth_user_id and status.configured:
            check_connection_tenant(caller, status.tenant_id)
        out = pb.GetStatusResponse(
            configured=status.configured,
            credentials_valid=status.credentials_valid,
            auth_mode=pb.AUTH_MODE_USER_OAUTH
            if status.user_oauth
            else pb.AUTH_MODE_SERVER_TO_SERVER,
            tenant_id=status.tenant_id,
            message=status.message,
            cloud_recording_available=status.cloud_recording_available,
        )
        out.check_time.FromDatetime(status.check_time)
        if status.user:
            out.user.CopyFrom(convert.user_to_pb(status.user))
        if status.scopes is not None:
            out.capabilities.CopyFrom(
                convert.capabilities_to_pb(status.scopes, status.missing_scopes)
            )
        return out

    async def GetUser(
        self,
        request: pb.GetUserRequest,
        context: grpc.aio.ServicerContext[pb.GetUserRequest, pb.ZoomUser],
    ) -> pb.ZoomUser:
        actor = await self._actor(request.account)
        user = await get_user(self._g.zoom, actor, convert.user_ref(request.user), self._dl())
        return convert.user_to_pb(user)

    # ---- per-user OAuth ------------------------------------------------------------------

    async def GetAuthorizationUrl(
        self,
        request: pb.GetAuthorizationUrlRequest,
        context: grpc.aio.ServicerContext[
            pb.GetAuthorizationUrlRequest, pb.GetAuthorizationUrlResponse
        ],
    ) -> pb.GetAuthorizationUrlResponse:
        caller = current_caller_or_none()
        issued = await self._g.oauth.authorization_url(
            user_id=check_own_user(caller, request.user_id),
            tenant_id=check_tenant(caller, request.tenant_id, strict=True),
            redirect_uri=request.redirect_uri,
        )
        out = pb.GetAuthorizationUrlResponse(authorization_url=issued.url, state=issued.state)
        out.expire_time.FromDatetime(issued.expires_at)
        return out

    async def CompleteAuthorization(
        self,
        request: pb.CompleteAuthorizationRequest,
        context: grpc.aio.ServicerContext[pb.CompleteAuthorizationRequest, pb.Connection],
    ) -> pb.Connection:
        caller = current_caller_or_none()
        user_id: str | None = check_own_user(caller, request.user_id) or None
        person = caller is not None and not caller.is_service
        info = await self._g.oauth.complete(
            code=request.code,
            state=request.state,
            user_id=user_id,
            deadline=self._dl(),
            tenant_id=own_tenant(caller) if person and caller is not None else None,
        )
        return convert.connection_to_pb(info)

    async def GetConnection(
        self,
        request: pb.GetConnectionRequest,
        context: grpc.aio.ServicerContext[pb.GetConnectionRequest, pb.Connection],
    ) -> pb.Connection:
        caller = current_caller_or_none()
        info = await self._g.oauth.connection(check_own_user(caller, request.user_id))
        check_connection_tenant(caller, info.tenant)
        return convert.connection_to_pb(info)

    async def Disconnect(
        self,
        request: pb.DisconnectRequest,
        context: grpc.aio.ServicerContext[pb.DisconnectRequest, pb.DisconnectResponse],
    ) -> pb.DisconnectResponse:
        caller = current_caller_or_none()
        user_id = check_own_user(caller, request.user_id)
        if caller is not None and not caller.is_service:
            existing = await self._g.oauth.find(user_id)
            if existing is not None:
                check_connection_tenant(caller, existing.tenant)
        revoke = request.revoke if request.HasField("revoke") else True
        disconnected, revoked = await self._g.oauth.disconnect(
            user_id=user_id, revoke_at_zoom=revoke
        )
        return pb.DisconnectResponse(disconnected=disconnected, revoked=revoked)

    # ---- meetings -----------------------------------------------------------------------

    async def CreateMeeting(
        self,
        request: pb.CreateMeetingRequest,
        context: grpc.aio.ServicerContext[pb.CreateMeetingRequest, pb.Meeting],
    ) -> pb.Meeting:
        actor = await self._meeting_actor(request.account)
        answer = await self._g.meetings.create(
            actor=actor,
            request_id=meeting_request_id(current_caller_or_none(), request.request_id),
            host=convert.user_ref(request.host),
            host_user_id=request.host_user_id.strip(),
            draft=convert.draft_from_spec(request.meeting),
            deadline=self._dl(),
            alternative_host_user_ids=list(request.meeting.settings.alternative_host_user_ids),
        )
        return convert.meeting_to_pb(
            answer.meeting,
            tenant_id=actor.tenant.id,
            include_start_url=True,
            breakout_rooms_dropped=answer.breakout_rooms_dropped,
            skipped_alternative_hosts=answer.skipped_alternative_hosts,
        )

    async def GetMeeting(
        self,
        request: pb.GetMeetingRequest,
        context: grpc.aio.ServicerContext[pb.GetMeetingRequest, pb.Meeting],
    ) -> pb.Meeting:
        actor = await self._meeting_actor(request.account)
        meeting = await self._g.meetings.get(
            actor=actor,
            meeting_id=request.meeting_id,
            occurrence_id=request.occurrence_id,
            show_previous_occurrences=request.show_previous_occurrences,
            deadline=self._dl(),
        )
        return convert.meeting_to_pb(
            meeting, tenant_id=actor.tenant.id, include_start_url=request.include_start_url
        )

    async def UpdateMeeting(
        self,
        request: pb.UpdateMeetingRequest,
        context: grpc.aio.ServicerContext[pb.UpdateMeetingRequest, pb.Meeting],
    ) -> pb.Meeting:
        actor = await self._meeting_actor(request.account)
        patch = convert.patch_from_mask(request.meeting, list(request.update_mask.paths))
        answer = await self._g.meetings.update(
            actor=actor,
            meeting_id=request.meeting_id,
            occurrence_id=request.occurrence_id,
            patch=patch,
            deadline=self._dl(),
            alternative_host_user_ids=list(request.meeting.settings.alternative_host_user_ids),
        )
        return convert.meeting_to_pb(
            answer.meeting,
            tenant_id=actor.tenant.id,
            include_start_url=False,
            breakout_rooms_dropped=answer.breakout_rooms_dropped,
            skipped_alternative_hosts=answer.skipped_alternative_hosts,
        )

    async def DeleteMeeting(
        self,
        request: pb.DeleteMeetingRequest,
        context: grpc.aio.ServicerContext[pb.DeleteMeetingRequest, pb.DeleteMeetingResponse],
    ) -> pb.DeleteMeetingResponse:
        actor = await self._meeting_actor(request.account)
        already = await self._g.meetings.delete(
            actor=actor,
            meeting_id=request.meeting_id,
            occurrence_id=request.occurrence_id,
            notify_hosts=request.notify_hosts,
            notify_scheduler=request.notify_scheduler,
            deadline=self._dl(),
        )
        if already and is_person(current_caller_or_none()):
            # For a person a meeting their tenant's account does not have is not found: the
            # same answer for an id of another tenant's account as for one never made.
            raise NotFound(resource_type="meeting", resource_id=str(request.meeting_id))
        return pb.DeleteMeetingResponse(already_deleted=already)

    async def ListMeetings(
        self,
        request: pb.ListMeetingsRequest,
        context: grpc.aio.ServicerContext[pb.ListMeetingsRequest, pb.ListMeetingsResponse],
    ) -> pb.ListMeetingsResponse:
        actor = await self._meeting_actor(request.account)
        date_from = convert.to_date(getattr(request, "from"))
        date_to = convert.to_date(request.to)
        items, token, total = await self._g.meetings.list(
            actor=actor,
            host=convert.user_ref(request.host),
            list_type=convert.LIST_TYPES.get(request.type, "scheduled"),
            page_size=_page_size(request.page_size, 30),
            page_token=request.page_token,
            date_from=date_from.isoformat() if date_from else "",
            date_to=date_to.isoformat() if date_to else "",
            all_pages=request.all_pages,
            deadline=self._dl(),
        )
        out = pb.ListMeetingsResponse(next_page_token=token, total_size=total)
        out.meetings.extend(
            convert.meeting_to_pb(m, tenant_id=actor.tenant.id, include_start_url=False)
            for m in items
        )
        return out

    async def GetPastMeeting(
        self,
        request: pb.GetPastMeetingRequest,
        context: grpc.aio.ServicerContext[pb.GetPastMeetingRequest, pb.PastMeeting],
    ) -> pb.PastMeeting:
        actor = await self._actor(request.account)
        raw = await self._g.recordings.past_meeting(
            actor=actor, meeting=convert.meeting_ref(request), deadline=self._dl()
        )
        return convert.past_meeting_to_pb(raw)

    # ---- recordings ---------------------------------------------------------------------

    async def ListMeetingRecordings(
        self,
        request: pb.ListMeetingRecordingsRequest,
        context: grpc.aio.ServicerContext[
            pb.ListMeetingRecordingsRequest, pb.ListMeetingRecordingsResponse
        ],
    ) -> pb.ListMeetingRecordingsResponse:
        actor = await self._actor(request.account)
        raw = await self._g.recordings.meeting_recordings(
            actor=actor, meeting=convert.meeting_ref(request), deadline=self._dl()
        )
        if raw is None:
            return pb.ListMeetingRecordingsResponse(has_recording=False)
        recording = convert.recording_to_pb(raw)
        processing = any(
            f.status == pb.RECORDING_FILE_STATUS_PROCESSING for f in recording.recording_files
        )
        return pb.ListMeetingRecordingsResponse(
            has_recording=True, recording=recording, processing=processing
        )

    async def ListUserRecordings(
        self,
        request: pb.ListUserRecordingsRequest,
        context: grpc.aio.ServicerContext[
            pb.ListUserRecordingsRequest, pb.ListUserRecordingsResponse
        ],
    ) -> pb.ListUserRecordingsResponse:
        actor = await self._actor(request.account, own_only=True)
        page = await self._g.recordings.user_recordings(
            actor=actor,
            host=convert.user_ref(request.host),
            date_from=convert.to_date(getattr(request, "from")),
            date_to=convert.to_date(request.to),
            page_size=_page_size(request.page_size, 30),
            page_token=request.page_token,
            trash=request.trash,
            trash_type=TRASH_TYPES.get(request.trash_type, ""),
            meeting_id=request.meeting_id,
            all_pages=request.all_pages,
            deadline=self._dl(),
        )
        out = pb.ListUserRecordingsResponse(next_page_token=page.next_page_token)
        out.recordings.extend(convert.recording_to_pb(r) for r in page.recordings)
        return out

    async def DeleteMeetingRecordings(
        self,
        request: pb.DeleteMeetingRecordingsRequest,
        context: grpc.aio.ServicerContext[pb.DeleteMeetingRecordingsRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        actor = await self._actor(request.account)
        await self._g.recordings.delete_meeting_recordings(
            actor=actor,
            meeting=convert.meeting_ref(request),
            permanently=request.action == pb.DELETE_ACTION_DELETE,
            deadline=self._dl(),
        )
        return empty_pb2.Empty()

    async def DeleteRecordingFile(
        self,
        request: pb.DeleteRecordingFileRequest,
        context: grpc.aio.ServicerContext[pb.DeleteRecordingFileRequest, empty_pb2.Empty],
    ) -> empty_pb2.Empty:
        actor = await self._actor(request.account)
        await self._g.recordings.delete_recording_file(
            actor=actor,
            meeting_uuid=request.meeting_uuid,
            file_id=request.recording_file_id,
            permanently=request.action == pb.DELETE_ACTION_DELETE,
            deadline=self._dl(),
        )
        return empty_pb2.Empty()

    async def GetDownloadAccess(
        self,
        request: pb.GetDownloadAccessRequest,
        context: grpc.aio.ServicerContext[pb.GetDownloadAccessRequest, pb.DownloadAccess],
    ) -> pb.DownloadAccess:
        actor = await self._actor(request.account)
        grant = await self._g.recordings.download_access(
            actor=actor,
            meeting_uuid=request.meeting_uuid,
            file_id=request.recording_file_id,
            download_url=request.download_url,
            download_token=request.download_token,
            deadline=self._dl(),
        )
        out = pb.DownloadAccess(
            download_url=grant.download_url,
            access_token=grant.access_token,
            file_size_bytes=grant.file_size,
            file_name=grant.file_name,
        )
        out.credential_hosts.extend(grant.credential_hosts)
        out.redirect_hosts.extend(grant.redirect_hosts)
        if grant.expires_at is not None:
            out.expire_time.FromDatetime(grant.expires_at)
        return out

    # ---- participants -------------------------------------------------------------------

    async def ListPastMeetingParticipants(
        self,
        request: pb.ListPastMeetingParticipantsRequest,
        context: grpc.aio.ServicerContext[
            pb.ListPastMeetingParticipantsRequest, pb.ListPastMeetingParticipantsResponse
        ],
    ) -> pb.ListPastMeetingParticipantsResponse:
        actor = await self._actor(request.account)
        items, token, total = await self._g.recordings.past_participants(
            actor=actor,
            meeting_uuid=request.meeting_uuid,
            page_size=_page_size(request.page_size, 300),
            page_token=request.page_token,
            use_report=request.use_report,
            all_pages=request.all_pages,
            deadline=self._dl(),
        )
        out = pb.ListPastMeetingParticipantsResponse(next_page_token=token, total_size=total)
        out.participants.extend(convert.participant_to_pb(p) for p in items)
        return out

    # ---- registrants ----------------------------------------------------------------------

    async def AddMeetingRegistrants(
        self,
        request: pb.AddMeetingRegistrantsRequest,
        context: grpc.aio.ServicerContext[
            pb.AddMeetingRegistrantsRequest, pb.AddMeetingRegistrantsResponse
        ],
    ) -> pb.AddMeetingRegistrantsResponse:
        actor = await self._actor(request.account)
        added = await self._g.registrants.add(
            actor=actor,
            meeting_id=request.meeting_id,
            specs=[(r.email, r.first_name, r.last_name) for r in request.registrants],
            occurrence_ids=request.occurrence_ids,
            deadline=self._dl(),
        )
        out = pb.AddMeetingRegistrantsResponse()
        out.registrants.extend(convert.registrant_to_pb(r) for r in added)
        return out

    async def RemoveMeetingRegistrants(
        self,
        request: pb.RemoveMeetingRegistrantsRequest,
        context: grpc.aio.ServicerContext[
            pb.RemoveMeetingRegistrantsRequest, pb.RemoveMeetingRegistrantsResponse
        ],
    ) -> pb.RemoveMeetingRegistrantsResponse:
        actor = await self._actor(request.account)
        removed = await self._g.registrants.remove(
            actor=actor,
            meeting_id=request.meeting_id,
            registrant_ids=list(request.registrant_ids),
            deadline=self._dl(),
        )
        return pb.RemoveMeetingRegistrantsResponse(removed=removed)

    async def ListMeetingRegistrants(
        self,
        request: pb.ListMeetingRegistrantsRequest,
        context: grpc.aio.ServicerContext[
            pb.ListMeetingRegistrantsRequest, pb.ListMeetingRegistrantsResponse
        ],
    ) -> pb.ListMeetingRegistrantsResponse:
        actor = await self._actor(request.account)
        listed = await self._g.registrants.listed(
            actor=actor, meeting_id=request.meeting_id, status=request.status, deadline=self._dl()
        )
        out = pb.ListMeetingRegistrantsResponse()
        out.registrants.extend(convert.registrant_to_pb(r) for r in listed)
        return out

    # ---- tenants ------------------------------------------------------------------------

    async def CreateTenant(
        self,
        request: pb.CreateTenantRequest,
        context: grpc.aio.ServicerContext[pb.CreateTenantRequest, pb.Tenant],
    ) -> pb.Tenant:
        entry = await self._g.tenants.create(
            tenant_id=request.tenant_id, name=request.name, request_id=request.request_id
        )
        return convert.tenant_to_pb(entry)

    async def GetTenant(
        self,
        request: pb.GetTenantRequest,
        context: grpc.aio.ServicerContext[pb.GetTenantRequest, pb.Tenant],
    ) -> pb.Tenant:
        entry = await self._g.tenants.get(
            caller=current_caller_or_none(), tenant_id=request.tenant_id
        )
        return convert.tenant_to_pb(entry)

    async def ListTenants(
        self,
        request: pb.ListTenantsRequest,
        context: grpc.aio.ServicerContext[pb.ListTenantsRequest, pb.ListTenantsResponse],
    ) -> pb.ListTenantsResponse:
        items, token = await self._g.tenants.list_tenants(
            page_size=_page_size(request.page_size, 100), page_token=request.page_token
        )
        out = pb.ListTenantsResponse(next_page_token=token)
        out.tenants.extend(convert.tenant_to_pb(e) for e in items)
        return out

    async def UpdateTenantZoomApps(
        self,
        request: pb.UpdateTenantZoomAppsRequest,
        context: grpc.aio.ServicerContext[pb.UpdateTenantZoomAppsRequest, pb.Tenant],
    ) -> pb.Tenant:
        entry = await self._g.tenants.update_apps(
            caller=current_caller_or_none(),
            tenant_id=request.tenant_id,
            changes=convert.app_changes(request),
            validate_only=request.validate_only,
        )
        return convert.tenant_to_pb(entry)

    async def ListWebhookKeys(
        self,
        request: pb.ListWebhookKeysRequest,
        context: grpc.aio.ServicerContext[pb.ListWebhookKeysRequest, pb.ListWebhookKeysResponse],
    ) -> pb.ListWebhookKeysResponse:
        out = pb.ListWebhookKeysResponse()
        for keys in await self._g.tenants.webhook_keys():
            out.keys.add(
                tenant_id=keys.tenant_id,
                account_id=keys.account_id,
                secret_tokens=keys.secret_tokens,
            )
        return out


def add_to_server(servicer: pb_grpc.ZoomGatewayServiceServicer, server: grpc.aio.Server) -> None:
    pb_grpc.add_ZoomGatewayServiceServicer_to_server(servicer, server)
