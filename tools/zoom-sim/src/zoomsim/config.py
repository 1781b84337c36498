"""Simulator configuration: one dataclass, filled from defaults, environment variables and flags.

Every behaviour the Zoom reference marks "unconfirmed" is a field here, so a test can pin the
variant it wants to prove a client copes with.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

from zoomsim.fidelity import Fidelity

ENV_PREFIX = "ZOOMSIM_"


@dataclass
class UserSeed:
    """A user of a seeded account. `id` is derived from the seed when empty."""

    email: str
    first_name: str = "Test"
    last_name: str = "User"
    id: str = ""
    type: int = 2
    role_name: str = "Member"
    timezone: str = "UTC"


@dataclass
class AppSeed:
    """A Marketplace app: `s2s` (account credentials) or `oauth` (user-managed, code grant)."""

    kind: str = "s2s"
    client_id: str = ""
    client_secret: str = ""
    redirect_uris: list[str] = field(default_factory=list)  # empty: any redirect is accepted
    scopes: str = ""
    user_email: str = ""  # oauth: the test user /oauth/authorize approves; default the owner


@dataclass
class WebhookTarget:
    """Where events go and the secret token they are signed with."""

    url: str
    secret: str
    events: list[str] | None = None  # None: every event
    client_id: str = ""  # sent as the `clientid` header; default the first app's client id


@dataclass
class AccountSeed:
    """An account with its plan (`free`, `pro`, `business`), users (first = owner), apps and
    webhook targets. Each account is one tenant's Zoom: REST calls only see the account of
    their token, and its events go only to its own targets, signed with their secrets."""

    name: str = "Classbridge Test Account"
    id: str = ""
    plan: str = "business"
    users: list[UserSeed] = field(default_factory=list)
    apps: list[AppSeed] = field(default_factory=list)
    webhooks: list[WebhookTarget] = field(default_factory=list)
    # account settings that change what the API does (`breakout_room_schedule`: hosts may
    # pre-assign breakout rooms when scheduling; off by default, as on Zoom)
    settings: dict[str, Any] = field(default_factory=dict)


def default_accounts() -> list[AccountSeed]:
    """One business account with three users, an S2S app and a user-managed OAuth app."""
    return [
        AccountSeed(
            users=[
                UserSeed("host@classbridge.test", "Hana", "Host", role_name="Owner"),
                UserSeed("teacher@classbridge.test", "Tomas", "Teacher"),
                UserSeed("assistant@classbridge.test", "Ada", "Assistant"),
            ],
            apps=[AppSeed(kind="s2s"), AppSeed(kind="oauth")],
        )
    ]


@dataclass
class SimConfig:
    """Everything the simulator can be told. Environment: `ZOOMSIM_<FIELD>` in upper case."""

    host: str = "127.0.0.1"
    port: int = 9090
    public_base_url: str | None = None  # base of generated URLs; None: the address served
    cdn_base_url: str | None = None  # base of signed download URLs; None: public_base_url
    api_url: str | None = None  # `api_url` in token responses; None: public_base_url
    seed: str = "classbridge"  # derives ids and credentials of the seeded accounts
    accounts: list[AccountSeed] = field(default_factory=default_accounts)
    admin_token: str | None = None  # None: /_sim only from loopback clients
    # time
    time_factor: float = 1.0  # multiplies Zoom's real-world delays (retries, processing)
    token_ttl: int = 3600
    refresh_token_ttl: int = 90 * 86400
    refresh_grace_seconds: float = 0.0  # how long a superseded refresh token keeps working
    auth_code_ttl: int = 300
    download_token_ttl: int = 86400
    cdn_url_ttl: int = 300
    page_token_ttl: int = 900
    start_url_ttl: int = 7200
    recording_delay_seconds: float | None = None  # None: 2x recorded duration x time_factor
    transcript_delay_seconds: float | None = None  # after the recording; None: same as above
    # webhooks
    webhooks: list[WebhookTarget] = field(default_factory=list)
    webhook_timeout: float = 3.0
    webhook_retry_schedule: list[float] = field(default_factory=lambda: [300.0, 1200.0, 3600.0])
    webhook_retry_on_4xx: bool = False
    webhook_key_shuffle_probability: float = 0.2
    validate_on_configure: bool = True
    # scopes (see zoomsim.scopes)
    enforce_scopes: bool = True
    scope_error_code: int = 4711  # 4700: the older answer (the status: fidelity.scopes)
    # ids and encoding
    uuid_slash_probability: float = 0.1
    strict_uuid_encoding: bool = True  # a uuid needing double encoding sent once-encoded: 404
    # rate limits
    rate_limits: bool = True
    create_meeting_label: str = "Medium"
    rate_labels: dict[str, str] = field(default_factory=dict)  # endpoint name -> category
    ratelimit_headers_on_success: str = "category"  # "category" | "full" | "none"
    host_daily_limit: int = 100
    registrant_limit: int = 4999  # registrants a meeting holds (Zoom: 4,999 an occurrence)
    count_deletes_in_host_limit: bool = False
    # oauth variants
    s2s_api_url: bool = True
    # content
    mp4_bytes_per_minute: int = 1 << 20
    max_recurrence_end_times: int = 60
    # where the simulator is kinder than Zoom: one switch per behaviour (see zoomsim.fidelity)
    fidelity: Fidelity = field(default_factory=Fidelity.from_env)

    def base_url(self) -> str:
        """The base generated URLs use when no request is at hand."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> SimConfig:
        """Build from `ZOOMSIM_*` variables; keyword overrides (e.g. CLI flags) win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = parse_value(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        return config


def account_seed(
    raw: dict[str, Any], *, default_apps: tuple[str, ...] = ("s2s", "oauth")
) -> AccountSeed:
    """An account from JSON (`ZOOMSIM_ACCOUNTS`, `--accounts`, `POST /_sim/accounts`).

    Apps come from `apps` (a list of `AppSeed` fields) or from the shorthands `s2s` and `oauth`
    (an object each, `null`/`false` for none). Absent shorthands fall back to `default_apps`,
    except that naming only `s2s` leaves the OAuth app out (an S2S app is always seeded unless
    `"s2s": null`: a tenant without one could not be reached). Webhook
    targets come from `webhooks` (a list) or the shorthand `webhook` (one object).
    """
    known = {"name", "id", "plan", "settings"}
    unknown = set(raw) - known - {"users", "apps", "s2s", "oauth", "webhooks", "webhook"}
    if unknown:
        raise ValueError(f"unknown account fields: {', '.join(sorted(unknown))}")
    users = [UserSeed(**u) for u in raw.get("users") or []]
    apps = [AppSeed(**a) for a in raw.get("apps") or []]
    if not apps:
        shorthand = any(k in raw for k in ("s2s", "oauth"))
        for kind in ("s2s", "oauth"):
            seeded = kind in default_apps and (kind == "s2s" or not shorthand)
            spec = raw.get(kind, {} if seeded else None)
            if spec is None or spec is False:
                continue
            if spec is True:
                spec = {}
            apps.append(AppSeed(kind=kind, **{k: v for k, v in spec.items() if k != "kind"}))
    hooks = [WebhookTarget(**w) for w in raw.get("webhooks") or []]
    if raw.get("webhook"):
        hooks.append(WebhookTarget(**raw["webhook"]))
    return AccountSeed(
        users=users, apps=apps, webhooks=hooks, **{k: v for k, v in raw.items() if k in known}
    )


def _coerce_accounts(raw: Any) -> list[AccountSeed]:
    return [account_seed(acc) for acc in raw]


def parse_value(name: str, raw: str) -> Any:
    """Turn one textual setting into the field's type (JSON for lists and maps)."""
    types = {f.name: f.type for f in dataclasses.fields(SimConfig)}
    kind = str(types[name])
    if name == "accounts":
        return _coerce_accounts(json.loads(raw))
    if name == "webhooks":
        return [WebhookTarget(**w) for w in json.loads(raw)]
    if name == "fidelity":
        return Fidelity.parse(raw)
    if kind.startswith("bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return None if raw.lower() in ("none", "auto") else float(raw)
    if kind.startswith(("list", "dict")):
        return json.loads(raw)
    if raw.lower() == "none" and "None" in kind:
        return None
    return raw
