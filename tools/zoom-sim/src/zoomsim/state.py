"""The simulator's in-memory world: accounts, users, apps, tokens, meetings, instances, recordings.

Kept apart from HTTP so the REST handlers, the control API and the tests all change the same
objects through the same few functions. Time comes from `Clock`, which tests can move forward.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import random
import secrets
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zoomsim.config import AccountSeed, AppSeed, SimConfig, UserSeed, WebhookTarget
from zoomsim.scopes import DEFAULT_OAUTH_SCOPES, DEFAULT_S2S_SCOPES, granted

TRASH_DAYS = 30  # how long Zoom keeps trashed recordings


class Conflict(ValueError):
    """An id, email or client id that is already taken (the control API answers 409)."""


class Clock:
    """Wall-clock time plus an offset that `advance` moves, so expiry can be tested instantly."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def iso(ts: float) -> str:
    """Zoom's timestamp format: ISO-8601 UTC with a Z and no fraction."""
    return _iso_seconds(int(ts // 1))


@functools.lru_cache(maxsize=4096)
def _iso_seconds(sec: int) -> str:
    # cached: the same few timestamps (created_at, start_time) are formatted on every GET
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars); `copy.deepcopy` costs several
    times more, and meeting settings are copied on every GET."""
    if isinstance(value, dict):
        return {k: copy_json(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) if isinstance(v, dict | list) else v for v in value]
    return value


def _derive(seed: str, label: str, n: int = 16) -> bytes:
    return hmac.new(seed.encode(), label.encode(), hashlib.sha256).digest()[:n]


def b64id(raw: bytes) -> str:
    """22-character base64url id, the shape of Zoom user and account ids."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:22]


@dataclass
class User:
    id: str
    account_id: str
    email: str
    first_name: str
    last_name: str
    type: int
    role_name: str
    timezone: str
    pmi: int
    created_at: float

    def as_json(self, account_number: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": f"{self.first_name} {self.last_name}",
            "email": self.email,
            "type": self.type,
            "role_name": self.role_name,
            "role_id": "0" if self.role_name == "Owner" else "2",
            "pmi": self.pmi,
            "use_pmi": False,
            "personal_meeting_url": f"https://zoom.us/j/{self.pmi}",
            "timezone": self.timezone,
            "verified": 1,
            "dept": "",
            "created_at": iso(self.created_at),
            "user_created_at": iso(self.created_at),
            "last_login_time": iso(self.created_at),
            "last_client_version": "6.0.0.12345(mac)",
            "pic_url": "",
            "language": "en-US",
            "phone_number": "",
            "status": "active",
            "account_id": self.account_id,
            "account_number": account_number,
            "cluster": "us05",
            "jid": f"{self.id.lower()}@xmpp.zoom.us",
            "group_ids": [],
            "im_group_ids": [],
            "login_types": [100],
        }


@dataclass
class App:
    kind: str
    client_id: str
    client_secret: str
    account_id: str
    redirect_uris: list[str]
    scopes: str
    user_id: str
    enabled: bool = True


@dataclass
class Account:
    id: str
    number: int
    name: str
    plan: str
    users: list[User] = field(default_factory=list)
    apps: list[App] = field(default_factory=list)
    webhooks: list[WebhookTarget] = field(default_factory=list)  # this account's targets
    settings: dict[str, Any] = field(default_factory=dict)  # see AccountSeed.settings


@dataclass
class AccessToken:
    token: str
    account_id: str
    client_id: str
    user_id: str | None  # None for S2S
    scope: str
    expires_at: float
    revoked: bool = False
    # the scope string parsed once at issue: each request checks it with one set lookup
    granted: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.granted:
            self.granted = granted(self.scope)


@dataclass
class RefreshToken:
    token: str
    client_id: str
    account_id: str
    user_id: str
    scope: str
    expires_at: float
    superseded_at: float | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    user_id: str
    challenge: str | None
    method: str | None
    expires_at: float
    used: bool = False
    scope: str = ""  # what the user authorized (the app's scopes at /oauth/authorize)


@dataclass
class Participant:
    """One row of the participants report: one device's stay in the main meeting or in one
    breakout room. A move to a room, or back, ends the row and starts another with a new
    `user_id` and the same `participant_uuid` (the device), as Zoom's report shows it."""

    user_id: str  # per-meeting number, new on every join and every room move
    participant_uuid: str
    name: str
    email: str
    zoom_user_id: str  # "" for guests and external users
    join_time: float
    leave_time: float | None = None
    leave_reason: str = ""
    registrant_id: str = ""  # joined through a registrant's link (or its dial-in)
    customer_key: str = ""  # the platform's own id for the person, when the join named one
    phone_number: str = ""  # dialled in
    device: str = ""  # how they joined (`phone` dials in); the control API's record only
    role: str = "attendee"  # host | co-host | attendee
    room: str = ""  # the breakout room's uuid; "" = the main meeting
    parent_user_id: str = ""  # in a room: the `user_id` of the main-meeting row left for it
    sharing: dict[str, Any] | None = None  # what they share now (content, source, since)


IDENTITY_FIELDS = frozenset(
    {
        "registrant_id",
        "customer_key",
        "phone_number",
        "device",
        "role",
        "room",
        "parent_user_id",
        "participant_uuid",
    }
)


@dataclass
class Registrant:
    """A meeting registrant: their own join link (`tk=` token) and phone participant code."""

    id: str
    meeting_id: int
    email: str
    first_name: str
    last_name: str
    status: str  # approved | pending | denied
    create_time: float
    token: str  # the `tk` of the join_url: whoever has it joins as this registrant
    pin_code: int  # participant_pin_code: identifies them when they dial in
    details: dict[str, Any] = field(default_factory=dict)  # address, org, custom_questions...
    occurrence_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class RecordingFile:
    id: str
    file_type: str
    size: int
    recording_type: str
    path_token: str  # the opaque part of download_url
    recording_start: float
    recording_end: float
    status: str = "completed"
    state: str = "active"  # active | trashed | deleted
    deleted_time: float | None = None
    trash_type: str = ""  # how it was trashed: meeting_recordings (all) | recording_file


@dataclass
class Recording:
    instance_uuid: str
    files: list[RecordingFile]
    ready_at: float | None = None  # None: still processing
    transcript_ready_at: float | None = None
    share_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    play_passcode: str = field(default_factory=lambda: secrets.token_urlsafe(72))


@dataclass
class Instance:
    uuid: str
    meeting_id: int
    start_time: float
    end_time: float | None = None
    participants: list[Participant] = field(default_factory=list)
    recording: Recording | None = None
    next_user_id: int = 16778240
    waiting: list[Participant] = field(default_factory=list)  # in the waiting room
    cloud_recording: str = ""  # "" | recording | paused | stopped (recording.* events)
    segment_start: float | None = None  # when the current recording segment began
    summary: dict[str, Any] | None = None  # the AI Companion summary, once completed
    rooms: dict[str, str] = field(default_factory=dict)  # breakout room name -> its uuid


@dataclass
class Meeting:
    id: int
    uuid: str
    account_id: str
    host_id: str
    topic: str
    type: int
    start_time: float | None
    duration: int
    timezone: str
    agenda: str
    password: str
    settings: dict[str, Any]
    created_at: float
    recurrence: dict[str, Any] | None = None
    occurrences: list[dict[str, Any]] = field(default_factory=list)
    pre_schedule: bool = False
    status: str = "waiting"
    deleted: bool = False
    instances: list[Instance] = field(default_factory=list)
    tracking_fields: list[dict[str, Any]] = field(default_factory=list)
    encrypted_password: str = ""
    h323_password: str = ""
    registrants: dict[str, Registrant] = field(default_factory=dict)  # by id, oldest first

    @property
    def registration_open(self) -> bool:
        """Registration is on: approval_type 0 (automatic) or 1 (manual); 2 is none."""
        return self.settings.get("approval_type") in (0, 1)

    @property
    def live(self) -> Instance | None:
        if self.instances and self.instances[-1].end_time is None:
            return self.instances[-1]
        return None

    def ended_instances(self) -> list[Instance]:
        return [i for i in self.instances if i.end_time is not None]


DEFAULT_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "cn_meeting": False,
    "in_meeting": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "watermark": False,
    "use_pmi": False,
    "approval_type": 2,
    "audio": "voip",
    "auto_recording": "none",
    "enforce_login": False,
    "enforce_login_domains": "",
    "alternative_hosts": "",
    "alternative_host_update_polls": False,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "registrants_confirmation_email": True,
    "waiting_room": False,
    "request_permission_to_unmute_participants": False,
    "registrants_email_notification": True,
    "meeting_authentication": False,
    "encryption_type": "enhanced_encryption",
    "approved_or_denied_countries_or_regions": {"enable": False},
    "breakout_room": {"enable": False},
    "alternative_hosts_email_notification": True,
    "show_join_info": False,
    "device_testing": False,
    "focus_mode": False,
    "enable_dedicated_group_chat": False,
    "private_meeting": False,
    "email_notification": True,
    "host_save_video_order": False,
    "sign_language_interpretation": {"enable": False},
    "email_in_attendee_report": False,
}


class State:
    """Everything the simulator knows, plus the id generators that shape it like Zoom."""

    def __init__(self, config: SimConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.rng = random.Random()
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, User] = {}
        self.apps: dict[str, App] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.download_tokens: dict[str, tuple[str, str, float]] = {}  # token -> (acct, uuid, exp)
        self.page_tokens: dict[str, tuple[str, int, float]] = {}  # token -> (query key, off, exp)
        self.meetings: dict[int, Meeting] = {}
        self.instances: dict[str, Instance] = {}
        self.files_by_token: dict[str, tuple[Instance, RecordingFile]] = {}
        self.files_by_id: dict[str, tuple[Instance, RecordingFile]] = {}
        self.next_purge_at = float("inf")  # earliest moment a trashed file expires
        self._seed_accounts()

    # -- seeding ---------------------------------------------------------------------------
    def _seed_accounts(self) -> None:
        for acc in self.config.accounts:
            self.add_account(acc)
        if self.accounts and self.config.webhooks:
            first = next(iter(self.accounts.values()))
            first.webhooks = [*self.config.webhooks, *first.webhooks]

    @property
    def default_account(self) -> Account:
        """The first account: the one global settings (`PUT /_sim/webhooks`, meetings created
        without an `account_id`) apply to, so a single-account setup never names it."""
        return next(iter(self.accounts.values()))

    def add_account(self, acc: AccountSeed) -> Account:
        """Create one account with its users and apps. Missing ids and credentials are derived
        from the seed and the account's position, so they are stable between runs. Emails and
        client ids are unique across accounts, as on Zoom; a clash is a ValueError."""
        seed = self.config.seed
        ai = len(self.accounts)
        created = datetime(2024, 1, 8, 9, 0, tzinfo=UTC).timestamp()
        acc_id = acc.id or b64id(_derive(seed, f"account:{ai}"))
        if acc_id in self.accounts:
            raise Conflict(f"account {acc_id} exists")
        seeds = acc.users or [UserSeed(f"host{ai}@classbridge.test", "Hana", "Host")]
        emails = {u.email.lower() for u in self.users.values()}
        new_emails = [us.email.lower() for us in seeds]
        clash = sorted(set(new_emails) & emails) or sorted(
            {e for e in new_emails if new_emails.count(e) > 1}
        )
        if clash:
            raise Conflict(f"email already used by a Zoom user: {', '.join(clash)}")
        app_seeds = acc.apps or [AppSeed("s2s"), AppSeed("oauth")]
        given_ids = [ap.client_id for ap in app_seeds if ap.client_id]
        taken = sorted({c for c in given_ids if c in self.apps or given_ids.count(c) > 1})
        if taken:
            raise Conflict(f"client_id already used: {', '.join(taken)}")
        for us in seeds:
            if us.id and us.id in self.users:
                raise Conflict(f"user id {us.id} exists")
        number = 100000000 + int.from_bytes(_derive(seed, f"accnum:{ai}", 4)) % 899999999
        account = Account(
            acc_id,
            number,
            acc.name,
            acc.plan.lower(),
            webhooks=list(acc.webhooks),
            settings=dict(acc.settings),
        )
        for ui, us in enumerate(seeds):
            uid = us.id or b64id(_derive(seed, f"user:{ai}:{ui}"))
            pmi = 3000000000 + int.from_bytes(_derive(seed, f"pmi:{ai}:{ui}", 4)) % 999999999
            role = "Owner" if ui == 0 and us.role_name == "Member" else us.role_name
            user = User(
                uid,
                acc_id,
                us.email,
                us.first_name,
                us.last_name,
                us.type,
                role,
                us.timezone,
                pmi,
                created,
            )
            account.users.append(user)
        for pi, ap in enumerate(app_seeds):
            account.apps.append(self._new_app(account, ap, ai, pi))
        # only now, when nothing can fail any more, is the account visible
        self.accounts[acc_id] = account
        for user in account.users:
            self.users[user.id] = user
        for app in account.apps:
            self.apps[app.client_id] = app
        return account

    def _new_app(self, account: Account, ap: AppSeed, ai: int, pi: int) -> App:
        if ap.kind not in ("s2s", "oauth"):
            raise ValueError(f"app kind must be s2s or oauth, not {ap.kind!r}")
        seed = self.config.seed
        cid = ap.client_id or b64id(_derive(seed, f"client:{ai}:{pi}"))
        secret = (
            ap.client_secret
            or base64.urlsafe_b64encode(_derive(seed, f"secret:{ai}:{pi}", 24)).decode()
        )
        owner = account.users[0]
        target = next((u for u in account.users if u.email == ap.user_email), owner)
        scopes = ap.scopes or (DEFAULT_S2S_SCOPES if ap.kind == "s2s" else DEFAULT_OAUTH_SCOPES)
        return App(ap.kind, cid, secret, account.id, list(ap.redirect_uris), scopes, target.id)

    def add_app(self, account: Account, ap: AppSeed) -> App:
        """Add a Marketplace app to an existing account (ids derived as for seeded apps)."""
        if ap.client_id and ap.client_id in self.apps:
            raise Conflict(f"client_id already used: {ap.client_id}")
        ai = list(self.accounts).index(account.id)
        app = self._new_app(account, ap, ai, len(account.apps))
        if app.client_id in self.apps:  # a derived id taken by an explicit one elsewhere
            app.client_id = b64id(secrets.token_bytes(16))
        account.apps.append(app)
        self.apps[app.client_id] = app
        return app

    def rotate_secret(self, account_id: str, client_id: str, secret: str | None = None) -> App:
        """Give an app a new client secret (Zoom's "Regenerate"); the old one stops working at
        `/oauth/token` at once. Issued access tokens stay valid until they expire."""
        app = self.apps.get(client_id)
        if app is None or app.account_id != account_id:
            raise LookupError(f"no app {client_id} in account {account_id}")
        new = secret or base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()
        if secrets.compare_digest(new, app.client_secret):
            raise ValueError("the new client secret equals the old one")
        app.client_secret = new
        return app

    # -- ids -------------------------------------------------------------------------------
    def new_meeting_id(self) -> int:
        while True:
            mid = self.rng.randint(81_000_000_000, 99_999_999_999)
            if mid not in self.meetings:
                return mid

    def new_uuid(self) -> str:
        """24-char base64 ending `==`; sometimes with a leading `/` or an inner `//`."""
        s = list(base64.b64encode(secrets.token_bytes(16)).decode())
        if self.rng.random() < self.config.uuid_slash_probability:
            if self.rng.random() < 0.5:
                s[0] = "/"
            else:
                k = self.rng.randint(2, 18)
                s[k] = s[k + 1] = "/"
        return "".join(s)

    @staticmethod
    def new_token(prefix: str = "eyJ") -> str:
        return prefix + secrets.token_urlsafe(96)

    # -- lookups ---------------------------------------------------------------------------
    def find_user(self, account_id: str, key: str, me: str | None) -> User | None:
        if key == "me":
            key = me or self.accounts[account_id].users[0].id
        for u in self.accounts[account_id].users:
            if key in (u.id, u.email) or key.lower() == u.email.lower():
                return u
        return None

    def meeting(self, account_id: str, meeting_id: int) -> Meeting | None:
        m = self.meetings.get(meeting_id)
        if m is None or m.deleted or m.account_id != account_id:
            return None
        return m

    def instance_for(self, account_id: str, key: str, *, ended: bool) -> Instance | None:
        """A meeting number picks the latest (ended) instance; anything else is a UUID."""
        if key.isdigit():
            m = self.meetings.get(int(key))
            if m is None or m.account_id != account_id:
                return None
            pool = m.ended_instances() if ended else m.instances
            return pool[-1] if pool else None
        inst = self.instances.get(key)
        if inst is None or self.meetings[inst.meeting_id].account_id != account_id:
            return None
        if ended and inst.end_time is None:
            return None
        return inst

    # -- lifecycle ---------------------------------------------------------------------------
    def start_instance(self, meeting: Meeting, at: float) -> Instance:
        used = {i.uuid for i in meeting.instances}
        uuid = meeting.uuid if meeting.uuid not in used else self.new_uuid()
        meeting.uuid = uuid
        inst = Instance(uuid=uuid, meeting_id=meeting.id, start_time=at)
        meeting.instances.append(inst)
        self.instances[uuid] = inst
        meeting.status = "started"
        return inst

    def end_instance(self, meeting: Meeting, inst: Instance, at: float) -> list[Participant]:
        left = []
        for p in inst.participants:
            if p.leave_time is None:
                p.leave_time = at
                left.append(p)
        inst.end_time = at
        meeting.status = "waiting"
        meeting.uuid = self.new_uuid()
        return left

    def join(
        self,
        inst: Instance,
        name: str,
        email: str,
        zoom_user_id: str,
        at: float,
        **identity: str,
    ) -> Participant:
        p = self.new_participant(inst, name, email, zoom_user_id, at, **identity)
        inst.participants.append(p)
        return p

    def new_participant(
        self,
        inst: Instance,
        name: str,
        email: str,
        zoom_user_id: str,
        at: float,
        **identity: str,
    ) -> Participant:
        """A participant with the instance's next per-meeting user id, not yet in the meeting
        (the waiting room holds them first). `identity`: the other `Participant` fields that
        name them (registrant_id, customer_key, phone_number, device, role, participant_uuid,
        room, parent_user_id)."""
        unknown = set(identity) - IDENTITY_FIELDS
        if unknown:
            raise ValueError(f"not a participant field: {', '.join(sorted(unknown))}")
        uuid = identity.pop("participant_uuid", "") or str(uuidlib.uuid4()).upper()
        p = Participant(
            user_id=str(inst.next_user_id),
            participant_uuid=uuid,
            name=name,
            email=email,
            zoom_user_id=zoom_user_id,
            join_time=at,
        )
        for key, value in identity.items():
            setattr(p, key, value)
        inst.next_user_id += 1 + self.rng.randint(0, 3) * 1024
        return p

    def next_row(self, inst: Instance, p: Participant, at: float, **changes: str) -> Participant:
        """The row that follows `p` when the same device moves (to or from a breakout room):
        the same person and device, a new per-meeting user id, in the meeting from `at`."""
        identity = {
            "registrant_id": p.registrant_id,
            "customer_key": p.customer_key,
            "phone_number": p.phone_number,
            "device": p.device,
            "role": p.role,
            "participant_uuid": p.participant_uuid,
            **changes,
        }
        return self.join(inst, p.name, p.email, p.zoom_user_id, at, **identity)

    def add_recording(self, inst: Instance, files: list[dict[str, Any]]) -> Recording:
        from zoomsim.content import FILE_TYPES

        start = inst.start_time + 6
        end = inst.end_time or self.clock.now()
        rfiles = []
        for spec in files:
            ft = str(spec.get("file_type", "MP4")).upper()
            _, rtype, _ = FILE_TYPES.get(ft, ("", "shared_screen", ""))
            rf = RecordingFile(
                id=str(spec.get("id") or uuidlib.uuid4()),
                file_type=ft,
                size=int(spec.get("size", 1 << 20)),
                recording_type=str(spec.get("recording_type") or rtype),
                path_token=secrets.token_urlsafe(48),
                recording_start=start,
                recording_end=end,
                status="processing" if ft == "TRANSCRIPT" else "completed",
            )
            rfiles.append(rf)
            self.files_by_token[rf.path_token] = (inst, rf)
            self.files_by_id[rf.id] = (inst, rf)
        rec = Recording(instance_uuid=inst.uuid, files=rfiles)
        inst.recording = rec
        return rec

    # -- trash -------------------------------------------------------------------------------
    def trash_file(self, f: RecordingFile, at: float, whole_meeting: bool = True) -> None:
        """Move a file to the trash, where Zoom keeps it for `TRASH_DAYS`; `whole_meeting`
        tells the two trash listings apart (`trash_type`)."""
        f.state = "trashed"
        f.deleted_time = at
        f.trash_type = "meeting_recordings" if whole_meeting else "recording_file"
        self.next_purge_at = min(self.next_purge_at, at + TRASH_DAYS * 86400)

    def purge_trash(self) -> int:
        """Delete files trashed `TRASH_DAYS` ago or more (simulated time). Called on each API
        request; it costs one comparison until something is due. No webhook: Zoom documents
        none for the purge."""
        now = self.clock.now()
        if now < self.next_purge_at:
            return 0
        horizon = now - TRASH_DAYS * 86400
        purged = 0
        nxt = float("inf")
        for _inst, f in self.files_by_id.values():
            if f.state != "trashed" or f.deleted_time is None:
                continue
            if f.deleted_time <= horizon:
                f.state = "deleted"
                purged += 1
            else:
                nxt = min(nxt, f.deleted_time + TRASH_DAYS * 86400)
        self.next_purge_at = nxt
        return purged

    def new_page_token(self, key: str, offset: int) -> str:
        tok = secrets.token_urlsafe(24)
        self.page_tokens[tok] = (key, offset, self.clock.now() + self.config.page_token_ttl)
        return tok

    def take_page_token(self, key: str, token: str) -> int | None:
        entry = self.page_tokens.get(token)
        if entry is None or entry[0] != key or entry[2] < self.clock.now():
            return None
        return entry[1]
