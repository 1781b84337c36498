"""Protobuf ↔ Zoom JSON: the translation the gRPC entry point does, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from google.protobuf.timestamp_pb2 import Timestamp

# googleapis-common-protos ships .pyi stubs for google.type but no py.typed marker, so mypy
# will not read them (the google.type values below are Any to it).
from google.type import date_pb2  # type: ignore[import-untyped]

from classbridge.common.v1 import common_pb2
from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as pb
from classbridge_common.errors import FieldViolation, InvalidArgument
from zoom_gateway.adapters.repositories.tenants import APP_FIELDS
from zoom_gateway.adapters.repositories.user_connections import ACTIVE, ConnectionInfo
from zoom_gateway.adapters.tenant_directory import TenantEntry
from zoom_gateway.domain.alternative_hosts import Skip, SkippedHost
from zoom_gateway.domain.meetings import (
    MeetingDraft,
    effective_duration,
    strip_marker,
    zoom_time,
)
from zoom_gateway.domain.passwords import is_valid_password
from zoom_gateway.domain.registrants import Registration
from zoom_gateway.domain.scopes import capability_flags as scope_flags
from zoom_gateway.service_layer.accounts import AccountRef

AUTO_RECORDING = {
    common_pb2.AUTO_RECORDING_NONE: "none",
    common_pb2.AUTO_RECORDING_LOCAL: "local",
    common_pb2.AUTO_RECORDING_CLOUD: "cloud",
}
AUDIO = {
    common_pb2.MEETING_AUDIO_BOTH: "both",
    common_pb2.MEETING_AUDIO_TELEPHONY: "telephony",
    common_pb2.MEETING_AUDIO_VOIP: "voip",
    common_pb2.MEETING_AUDIO_THIRD_PARTY: "thirdParty",
}
ENCRYPTION = {
    common_pb2.MEETING_ENCRYPTION_ENHANCED: "enhanced_encryption",
    common_pb2.MEETING_ENCRYPTION_E2EE: "e2ee",
}
# proto optional bool/int field -> Zoom settings key
SIMPLE_SETTINGS = {
    "host_video": "host_video",
    "participant_video": "participant_video",
    "join_before_host": "join_before_host",
    "join_before_host_minutes": "jbh_time",
    "mute_upon_entry": "mute_upon_entry",
    "waiting_room": "waiting_room",
    "meeting_authentication": "meeting_authentication",
    "alternative_hosts_email_notification": "alternative_hosts_email_notification",
    "watermark": "watermark",
    "focus_mode": "focus_mode",
    "private_meeting": "private_meeting",
    "email_notification": "email_notification",
    "approval_type": "approval_type",
    "registration_type": "registration_type",
}
# the optional settings above that are numbers (the others are booleans)
INT_SETTINGS = frozenset({"join_before_host_minutes", "approval_type", "registration_type"})
FILE_TYPES = {
    "MP4": common_pb2.RECORDING_FILE_TYPE_MP4,
    "M4A": common_pb2.RECORDING_FILE_TYPE_M4A,
    "CHAT": common_pb2.RECORDING_FILE_TYPE_CHAT,
    "TRANSCRIPT": common_pb2.RECORDING_FILE_TYPE_TRANSCRIPT,
    "CC": common_pb2.RECORDING_FILE_TYPE_CC,
    "CSV": common_pb2.RECORDING_FILE_TYPE_CSV,
    "TIMELINE": common_pb2.RECORDING_FILE_TYPE_TIMELINE,
    "SUMMARY": common_pb2.RECORDING_FILE_TYPE_SUMMARY,
    "CHAT_MESSAGE": common_pb2.RECORDING_FILE_TYPE_CHAT_MESSAGE,
    "TB": common_pb2.RECORDING_FILE_TYPE_TB,
}
E = TypeVar("E", bound=int)

LIST_TYPES = {
    pb.LIST_MEETINGS_TYPE_UNSPECIFIED: "scheduled",
    pb.LIST_MEETINGS_TYPE_SCHEDULED: "scheduled",
    pb.LIST_MEETINGS_TYPE_LIVE: "live",
    pb.LIST_MEETINGS_TYPE_UPCOMING: "upcoming",
    pb.LIST_MEETINGS_TYPE_PREVIOUS: "previous_meetings",
}


def _enum(kind: type[E], number: int) -> E:
    """Zoom's number for an enum field of ``kind``, unknown numbers included.

    protoc's stubs type an enum field as the enum's class, but at run time every enum value is a
    plain ``int`` and proto3 enums are open (a field keeps any number), so the number is one.
    """
    return cast(E, number)


def account_ref(account: pb.Account) -> AccountRef:
    which = account.WhichOneof("source")
    if which == "oauth_user_id":
        return AccountRef(oauth_user_id=account.oauth_user_id)
    return AccountRef(tenant_id=account.tenant_id if which == "tenant_id" else "")


def user_ref(ref: pb.UserRef) -> str:
    which = ref.WhichOneof("user")
    return getattr(ref, which) if which else ""


def meeting_ref(
    message: pb.GetPastMeetingRequest
    | pb.ListMeetingRecordingsRequest
    | pb.DeleteMeetingRecordingsRequest,
) -> str | int:
    """``meeting_uuid`` or ``meeting_id`` of a request with a ``meeting`` oneof."""
    which = message.WhichOneof("meeting")
    if which is None:
        raise InvalidArgument(
            "give meeting_uuid or meeting_id", violations=[FieldViolation("meeting", "required")]
        )
    return message.meeting_uuid if which == "meeting_uuid" else message.meeting_id


def timestamp(value: str | None) -> Timestamp | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    ts = Timestamp()
    ts.FromDatetime(parsed.astimezone(UTC))
    return ts


def ts_from(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def to_date(value: date_pb2.Date) -> date | None:
    if not value.year:
        return None
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        raise InvalidArgument(
            "invalid date", violations=[FieldViolation("date", "not a calendar date")]
        ) from None


# ---- requests -> Zoom ----------------------------------------------------------------------


def settings_to_zoom(settings: common_pb2.MeetingSettings) -> dict[str, Any]:
    """Only the settings the caller set (presence), in Zoom's names."""
    out: dict[str, Any] = {}
    for field, zoom_key in SIMPLE_SETTINGS.items():
        if settings.HasField(field):
            out[zoom_key] = getattr(settings, field)
    if settings.auto_recording in AUTO_RECORDING:
        out["auto_recording"] = AUTO_RECORDING[settings.auto_recording]
    if settings.audio in AUDIO:
        out["audio"] = AUDIO[settings.audio]
    if settings.encryption in ENCRYPTION:
        out["encryption_type"] = ENCRYPTION[settings.encryption]
    if (
        settings.alternative_hosts_set
        or settings.alternative_hosts
        or settings.alternative_host_user_ids
    ):
        # the emails given; those of alternative_host_user_ids are added by the service layer
        out["alternative_hosts"] = ";".join(
            h.strip() for h in settings.alternative_hosts if h.strip()
        )
    if settings.HasField("breakout_rooms"):
        out["breakout_room"] = breakout_rooms_to_zoom(settings.breakout_rooms)
    return out


def breakout_rooms_to_zoom(rooms: common_pb2.MeetingSettings.BreakoutRooms) -> dict[str, Any]:
    """Zoom's ``settings.breakout_room``: ``enable`` and, when any are given, the rooms with
    their participants' emails."""
    out: dict[str, Any] = {"enable": rooms.enable}
    if rooms.rooms:
        out["rooms"] = [
            {
                "name": room.name.strip(),
                "participants": [p.strip() for p in room.participants if p.strip()],
            }
            for room in rooms.rooms
        ]
    return out


def recurrence_to_zoom(rec: pb.Recurrence) -> dict[str, Any]:
    out: dict[str, Any] = {"type": int(rec.type)}
    if rec.repeat_interval:
        out["repeat_interval"] = rec.repeat_interval
    if rec.weekly_days:
        out["weekly_days"] = ",".join(str(d) for d in rec.weekly_days)
    if rec.monthly_day:
        out["monthly_day"] = rec.monthly_day
    if rec.monthly_week:
        out["monthly_week"] = rec.monthly_week
    if rec.monthly_week_day:
        out["monthly_week_day"] = rec.monthly_week_day
    if rec.end_times:
        out["end_times"] = rec.end_times
    if rec.HasField("end_date_time"):
        out["end_date_time"] = zoom_time(rec.end_date_time.ToDatetime(tzinfo=UTC))
    return out


def draft_from_spec(spec: pb.MeetingSpec) -> MeetingDraft:
    settings = settings_to_zoom(spec.settings)
    return MeetingDraft(
        topic=spec.topic,
        course_title=spec.course_title,
        session_title=spec.session_title,
        start_time=spec.start_time.ToDatetime(tzinfo=UTC) if spec.HasField("start_time") else None,
        duration_minutes=spec.duration_minutes,
        timezone=spec.timezone,
        agenda=spec.agenda,
        meeting_type=int(spec.type) or 2,
        password=spec.password or None,
        recurrence=recurrence_to_zoom(spec.recurrence) if spec.HasField("recurrence") else None,
        settings=settings,
        schedule_for=spec.schedule_for,
    )


def patch_from_mask(spec: pb.MeetingSpec, paths: Sequence[str]) -> dict[str, Any]:
    """The PATCH body holding exactly the fields named by the mask."""
    body: dict[str, Any] = {}
    settings = settings_to_zoom(spec.settings)
    for path in paths:
        if path == "topic":
            body["topic"] = spec.topic
        elif path in ("course_title", "session_title"):
            body["topic"] = f"{spec.course_title} - {spec.session_title}"
        elif path == "type":
            body["type"] = int(spec.type) or 2
        elif path == "start_time":
            body["start_time"] = zoom_time(spec.start_time.ToDatetime(tzinfo=UTC))
        elif path in ("duration_minutes", "duration"):
            body["duration"] = effective_duration(spec.duration_minutes)
        elif path == "timezone":
            body["timezone"] = spec.timezone
        elif path == "agenda":
            body["agenda"] = spec.agenda
        elif path == "password":
            if spec.password and not is_valid_password(spec.password):
                raise InvalidArgument(
                    "invalid passcode",
                    violations=[FieldViolation("meeting.password", "max 10 of [a-zA-Z0-9@-_*]")],
                )
            body["password"] = spec.password
        elif path == "recurrence":
            body["recurrence"] = recurrence_to_zoom(spec.recurrence)
        elif path == "schedule_for":
            body["schedule_for"] = spec.schedule_for
        elif path == "settings":
            body.setdefault("settings", {}).update(settings)
        elif path.startswith("settings."):
            name = path.removeprefix("settings.")
            zoom_key = _settings_key(name)
            if zoom_key is None:
                raise InvalidArgument(
                    f"unknown update_mask path {path!r}",
                    violations=[FieldViolation("update_mask", f"unknown path {path}")],
                )
            value = settings.get(zoom_key)
            if value is None and zoom_key == "alternative_hosts":
                value = ""
            if value is None:
                raise InvalidArgument(
                    f"update_mask names {path!r} but meeting.settings does not set it",
                    violations=[FieldViolation(f"meeting.{path}", "not set")],
                )
            body.setdefault("settings", {})[zoom_key] = value
        else:
            raise InvalidArgument(
                f"unknown update_mask path {path!r}",
                violations=[FieldViolation("update_mask", f"unknown path {path}")],
            )
    return body


def _settings_key(name: str) -> str | None:
    if name in SIMPLE_SETTINGS:
        return SIMPLE_SETTINGS[name]
    return {
        "auto_recording": "auto_recording",
        "audio": "audio",
        "encryption": "encryption_type",
        "alternative_hosts": "alternative_hosts",
        "breakout_rooms": "breakout_room",
    }.get(name)


# ---- Zoom -> responses ----------------------------------------------------------------------


def settings_from_zoom(raw: Mapping[str, Any]) -> common_pb2.MeetingSettings:
    out = common_pb2.MeetingSettings()
    for field, zoom_key in SIMPLE_SETTINGS.items():
        if zoom_key in raw and raw[zoom_key] is not None:
            value = raw[zoom_key]
            if field in INT_SETTINGS:
                if isinstance(value, int | float) or str(value).strip().isdigit():
                    setattr(out, field, int(value))
            else:
                setattr(out, field, bool(value))
    rev = {v: k for k, v in AUTO_RECORDING.items()}
    if raw.get("auto_recording") in rev:
        out.auto_recording = rev[raw["auto_recording"]]
    rev_audio = {v: k for k, v in AUDIO.items()}
    if raw.get("audio") in rev_audio:
        out.audio = rev_audio[raw["audio"]]
    rev_enc = {v: k for k, v in ENCRYPTION.items()}
    if raw.get("encryption_type") in rev_enc:
        out.encryption = rev_enc[raw["encryption_type"]]
    hosts = [h.strip() for h in str(raw.get("alternative_hosts") or "").split(";") if h.strip()]
    out.alternative_hosts.extend(hosts)
    out.alternative_hosts_set = "alternative_hosts" in raw
    room = raw.get("breakout_room")
    if isinstance(room, Mapping):
        out.breakout_rooms.enable = bool(room.get("enable"))
        for each in room.get("rooms") or []:
            if isinstance(each, Mapping):
                out.breakout_rooms.rooms.add(
                    name=str(each.get("name") or ""),
                    participants=[str(p) for p in each.get("participants") or [] if p],
                )
    return out


def recurrence_from_zoom(raw: Mapping[str, Any]) -> pb.Recurrence:
    out = pb.Recurrence(
        type=_enum(pb.Recurrence.Type, int(raw.get("type") or 0)),
        repeat_interval=int(raw.get("repeat_interval") or 0),
        monthly_day=int(raw.get("monthly_day") or 0),
        monthly_week=int(raw.get("monthly_week") or 0),
        monthly_week_day=int(raw.get("monthly_week_day") or 0),
        end_times=int(raw.get("end_times") or 0),
    )
    days = str(raw.get("weekly_days") or "")
    out.weekly_days.extend(int(d) for d in days.split(",") if d.strip().isdigit())
    end = timestamp(raw.get("end_date_time"))
    if end is not None:
        out.end_date_time.CopyFrom(end)
    return out


STATUS = {"waiting": pb.MEETING_STATUS_WAITING, "started": pb.MEETING_STATUS_STARTED}


SKIP_REASONS = {
    Skip.NOT_CONNECTED: pb.ALTERNATIVE_HOST_SKIP_NOT_CONNECTED,
    Skip.OTHER_ACCOUNT: pb.ALTERNATIVE_HOST_SKIP_OTHER_ACCOUNT,
    Skip.REFUSED_BY_ZOOM: pb.ALTERNATIVE_HOST_SKIP_REFUSED_BY_ZOOM,
}


def meeting_to_pb(
    raw: Mapping[str, Any],
    *,
    tenant_id: str,
    include_start_url: bool,
    breakout_rooms_dropped: bool = False,
    skipped_alternative_hosts: Sequence[SkippedHost] = (),
) -> pb.Meeting:
    out = pb.Meeting(
        id=int(raw.get("id") or 0),
        uuid=str(raw.get("uuid") or ""),
        host_id=str(raw.get("host_id") or ""),
        host_email=str(raw.get("host_email") or ""),
        topic=str(raw.get("topic") or ""),
        type=_enum(common_pb2.ZoomMeetingType, int(raw.get("type") or 0)),
        status=STATUS.get(str(raw.get("status") or ""), pb.MEETING_STATUS_UNSPECIFIED),
        duration_minutes=int(raw.get("duration") or 0),
        timezone=str(raw.get("timezone") or ""),
        agenda=strip_marker(str(raw.get("agenda") or "")),
        join_url=str(raw.get("join_url") or ""),
        start_url=str(raw.get("start_url") or "") if include_start_url else "",
        password=str(raw.get("password") or ""),
        h323_password=str(raw.get("h323_password") or ""),
        pstn_password=str(raw.get("pstn_password") or ""),
        encrypted_password=str(raw.get("encrypted_password") or ""),
        registration_url=str(raw.get("registration_url") or ""),
        creation_source=str(raw.get("creation_source") or ""),
        tenant_id=tenant_id,
        breakout_rooms_dropped=breakout_rooms_dropped,
        skipped_alternative_hosts=[
            pb.SkippedAlternativeHost(
                user_id=h.user_id, email=h.email, reason=SKIP_REASONS[h.reason], detail=h.detail
            )
            for h in skipped_alternative_hosts
        ],
    )
    for name, key in (("start_time", "start_time"), ("create_time", "created_at")):
        ts = timestamp(raw.get(key))
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    if isinstance(raw.get("settings"), Mapping):
        out.settings.CopyFrom(settings_from_zoom(raw["settings"]))
    if isinstance(raw.get("recurrence"), Mapping):
        out.recurrence.CopyFrom(recurrence_from_zoom(raw["recurrence"]))
    for occ in raw.get("occurrences") or []:
        item = pb.Occurrence(
            occurrence_id=str(occ.get("occurrence_id") or ""),
            duration_minutes=int(occ.get("duration") or 0),
            status=str(occ.get("status") or ""),
        )
        ts = timestamp(occ.get("start_time"))
        if ts is not None:
            item.start_time.CopyFrom(ts)
        out.occurrences.append(item)
    return out


def past_meeting_to_pb(raw: Mapping[str, Any]) -> pb.PastMeeting:
    out = pb.PastMeeting(
        id=int(raw.get("id") or 0),
        uuid=str(raw.get("uuid") or ""),
        host_id=str(raw.get("host_id") or ""),
        topic=str(raw.get("topic") or ""),
        type=_enum(common_pb2.ZoomMeetingType, int(raw.get("type") or 0)),
        duration_minutes=int(raw.get("duration") or 0),
        total_minutes=int(raw.get("total_minutes") or 0),
        participants_count=int(raw.get("participants_count") or 0),
    )
    for name in ("start_time", "end_time"):
        ts = timestamp(raw.get(name))
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    return out


def recording_file_to_pb(raw: Mapping[str, Any]) -> pb.RecordingFile:
    zoom_type = str(raw.get("file_type") or "")
    status = str(raw.get("status") or "")
    out = pb.RecordingFile(
        id=str(raw.get("id") or ""),
        meeting_uuid=str(raw.get("meeting_id") or ""),
        file_type=FILE_TYPES.get(zoom_type, common_pb2.RECORDING_FILE_TYPE_OTHER)
        if zoom_type
        else common_pb2.RECORDING_FILE_TYPE_UNSPECIFIED,
        zoom_file_type=zoom_type,
        file_extension=str(raw.get("file_extension") or ""),
        file_size_bytes=int(raw.get("file_size") or 0),
        file_name=str(raw.get("file_name") or ""),
        play_url=str(raw.get("play_url") or ""),
        download_url=str(raw.get("download_url") or ""),
        status={
            "completed": pb.RECORDING_FILE_STATUS_COMPLETED,
            "processing": pb.RECORDING_FILE_STATUS_PROCESSING,
        }.get(status, pb.RECORDING_FILE_STATUS_UNSPECIFIED),
        recording_type=str(raw.get("recording_type") or ""),
    )
    for name, key in (
        ("recording_start", "recording_start"),
        ("recording_end", "recording_end"),
        ("delete_time", "deleted_time"),
    ):
        ts = timestamp(raw.get(key))
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    return out


def recording_to_pb(raw: Mapping[str, Any]) -> pb.MeetingRecording:
    out = pb.MeetingRecording(
        meeting_id=int(raw.get("id") or 0),
        meeting_uuid=str(raw.get("uuid") or ""),
        account_id=str(raw.get("account_id") or ""),
        host_id=str(raw.get("host_id") or ""),
        host_email=str(raw.get("host_email") or ""),
        topic=str(raw.get("topic") or ""),
        type=_enum(common_pb2.ZoomMeetingType, int(raw.get("type") or 0)),
        timezone=str(raw.get("timezone") or ""),
        duration_minutes=int(raw.get("duration") or 0),
        total_size_bytes=int(raw.get("total_size") or 0),
        recording_count=int(raw.get("recording_count") or 0),
        share_url=str(raw.get("share_url") or ""),
    )
    ts = timestamp(raw.get("start_time"))
    if ts is not None:
        out.start_time.CopyFrom(ts)
    out.recording_files.extend(recording_file_to_pb(f) for f in raw.get("recording_files") or [])
    out.participant_audio_files.extend(
        recording_file_to_pb(f) for f in raw.get("participant_audio_files") or []
    )
    return out


def participant_to_pb(raw: Mapping[str, Any]) -> pb.PastParticipant:
    out = pb.PastParticipant(
        id=str(raw.get("id") or ""),
        user_id=str(raw.get("user_id") or ""),
        name=str(raw.get("name") or ""),
        user_email=str(raw.get("user_email") or ""),
        duration_seconds=int(raw.get("duration") or 0),
        failover=bool(raw.get("failover")),
        status=str(raw.get("status") or ""),
        registrant_id=str(raw.get("registrant_id") or ""),
        participant_user_id=str(raw.get("participant_user_id") or ""),
        customer_key=str(raw.get("customer_key") or ""),
        internal_user=bool(raw.get("internal_user")),
    )
    for name in ("join_time", "leave_time"):
        ts = timestamp(raw.get(name))
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    return out


def registrant_to_pb(r: Registration) -> pb.Registrant:
    return pb.Registrant(
        registrant_id=r.registrant_id,
        email=r.email,
        first_name=r.first_name,
        last_name=r.last_name,
        join_url=r.join_url,
        status=r.status,
    )


def user_to_pb(raw: Mapping[str, Any]) -> pb.ZoomUser:
    out = pb.ZoomUser(
        id=str(raw.get("id") or ""),
        email=str(raw.get("email") or ""),
        first_name=str(raw.get("first_name") or ""),
        last_name=str(raw.get("last_name") or ""),
        display_name=str(raw.get("display_name") or ""),
        type=int(raw.get("type") or 0),
        role_name=str(raw.get("role_name") or ""),
        pmi=int(raw.get("pmi") or 0),
        timezone=str(raw.get("timezone") or ""),
        account_id=str(raw.get("account_id") or ""),
        account_number=int(raw.get("account_number") or 0),
        status=str(raw.get("status") or ""),
        language=str(raw.get("language") or ""),
    )
    for name, key in (("create_time", "created_at"), ("last_login_time", "last_login_time")):
        ts = timestamp(raw.get(key))
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    return out


def capabilities_to_pb(scopes: Sequence[str], missing: Sequence[str] = ()) -> pb.Capabilities:
    """What a grant allows; unknown scopes (none recorded) allow everything we would check,
    and what Zoom said the grant lacks (``missing``) is off either way."""
    known = bool(scopes)
    return pb.Capabilities(scopes_known=known, **scope_flags(scopes, missing=missing, known=known))


def connection_to_pb(info: ConnectionInfo) -> pb.Connection:
    out = pb.Connection(
        user_id=info.user_id,
        tenant_id=info.tenant,
        state=pb.CONNECTION_STATE_CONNECTED
        if info.status == ACTIVE
        else pb.CONNECTION_STATE_NEEDS_REAUTHORIZATION,
        zoom_user_id=info.zoom_user_id,
        zoom_email=info.zoom_email,
        zoom_account_id=info.zoom_account_id,
    )
    out.scopes.extend(info.scopes)
    out.capabilities.CopyFrom(capabilities_to_pb(info.scopes, info.missing_scopes))
    for name, value in (
        ("connect_time", info.created_at),
        ("access_token_expire_time", info.access_expires_at),
        ("last_refresh_time", info.last_refresh_at),
    ):
        ts = ts_from(value)
        if ts is not None:
            getattr(out, name).CopyFrom(ts)
    return out


def tenant_to_pb(entry: TenantEntry) -> pb.Tenant:
    """A tenant as callers see it: what is configured, never a secret."""
    t = entry.config
    out = pb.Tenant(
        id=t.id,
        name=t.name or t.id,
        account_id=t.account_id,
        client_id=t.client_id,
        s2s_configured=t.s2s_configured,
        webhook_secret_configured=t.webhook_secret_configured,
        oauth_client_id=t.oauth_client_id,
        oauth_redirect_uri=t.oauth_redirect_uri,
        user_oauth_configured=t.user_oauth_configured,
    )
    if entry.created_at is not None:
        out.create_time.FromDatetime(entry.created_at)
    if entry.updated_at is not None:
        out.update_time.FromDatetime(entry.updated_at)
    return out


def app_changes(request: pb.UpdateTenantZoomAppsRequest) -> dict[str, str]:
    """The fields present in an UpdateTenantZoomApps request (proto3 ``optional``)."""
    return {name: getattr(request, name) for name in APP_FIELDS if request.HasField(name)}
