"""Where the simulator may be kinder than Zoom: one switch per behaviour, all in one place.

Each switch, when on, plays a part of Zoom that a client must cope with but that a simulator can
easily leave out (scopes answered as Zoom does, duplicate and reordered webhooks, a CDN on
another host, ...). They are gathered here so that a test (`SimConfig(fidelity=Fidelity(...))`),
the control API (`GET|PATCH /_sim/fidelity`), the command line (`serve --fidelity`) or the
environment (`ZOOMSIM_FIDELITY`) sets them the same way.

Every switch is on by default: a test meets Zoom as it is unless it says otherwise, so a client
that only copes with a kinder Zoom fails here rather than in production. A test that needs one
kindness turns off exactly that switch (`Fidelity(webhook_at_least_once=False)` for a fixed
delivery order); `Fidelity.kind()` is the simulator with every switch off. The randomness is
seeded (`webhook_seed`), so a run is reproducible. `ZOOMSIM_FIDELITY` changes the defaults of
every `SimConfig` made in the process, so a whole test run can be tried against another mix
without editing anything: `all`, `none`, or a comma list of names, each optionally negated
(`all,-separate_cdn`) or given a value (`webhook_seed=7`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any

ENV_NAME = "ZOOMSIM_FIDELITY"


@dataclass
class Fidelity:
    """The switches (booleans: True = as Zoom does it) and the parameters they use."""

    # 1. a missing scope is 401/4711, a disabled app's token 401/4700, and a refresh keeps the
    #    scopes the user authorized (new ones need a new authorization)
    scopes: bool = True
    # 2. webhooks at least once: some sent twice, some overtaken by later ones (seeded)
    webhook_at_least_once: bool = True
    # 3. endpoint.url_validation again every 72 simulated hours; 6 failures disable the target
    url_revalidation: bool = True
    # 4. recording downloads redirect to a CDN on another host name and port
    separate_cdn: bool = True
    # 5. /oauth/token refuses grant_type/account_id in its query string
    token_params_in_body: bool = True
    # 5. redirect_uri must be on the app's allow list; plain http only on loopback
    redirect_uri_allow_list: bool = True
    # 5. an expired access token is 124 "Access token is expired."
    expired_token_message: bool = True
    # 6. app_deauthorized when an authorization is revoked (POST .../apps/{id}/deauthorize)
    app_deauthorized_event: bool = True
    # 6. recording.started|stopped|paused|resumed while a meeting records to the cloud
    recording_control_events: bool = True
    # 6. meeting.summary_completed after a summarised meeting ends, and its summary endpoint
    meeting_summary: bool = True
    # 6. waiting-room events for meetings with `waiting_room` on
    waiting_room_events: bool = True
    # 7. breakout-room pre-assignment silently dropped unless the account allows it
    breakout_preassign_setting: bool = True
    # 7. past meetings older than about 15 months: 400/12702
    past_meeting_retention: bool = True
    # 7. users of a Basic (free) account report `type: 1`
    basic_user_type: bool = True
    # 7. `trash_type`, `meeting_id` and `mc` honoured by GET /users/{id}/recordings
    recording_list_filters: bool = True
    # 7. overlapping writes for one host: 429 "Too many concurrent requests"
    concurrent_write_limit: bool = True
    # 7. the per-user 100/day 429 names the endpoint's category and that category's limit
    host_limit_headers: bool = True
    # 7. `pmi` in meeting lists and in meeting.created
    pmi_in_meetings: bool = True
    # 8. registration silently left off (approval_type 2) for instant, no-fixed-time
    #    recurring and PMI meetings
    registration_meeting_types: bool = True
    # 8. a breakout-room move also ends (and the return starts) a main-meeting stay in the
    #    webhooks: participant_left / participant_joined around the room events
    breakout_room_main_events: bool = True
    # 8. alternative hosts must be licensed users of the meeting's account: anyone else fails
    #    the whole create or update with 400/1114, naming the email
    alternative_host_rules: bool = True

    # -- parameters (not switches) ---------------------------------------------------------
    webhook_seed: int = 0  # the same seed and events give the same duplicates and reorders
    webhook_duplicate_rate: float = 0.1  # share of deliveries sent a second time
    webhook_reorder_rate: float = 0.2  # share of deliveries held back behind later ones
    webhook_reorder_window: int = 3  # a held delivery lets at most this many overtake it
    webhook_reorder_max_delay: float = 1.0  # real seconds a held delivery waits at most
    url_revalidation_hours: float = 72.0
    cdn_host: str = "localhost"  # the CDN's host name (another name for loopback)
    cdn_port: int = 0  # the CDN listener's port; 0: any free one
    summary_delay_seconds: float | None = None  # None: 2 minutes x time_factor
    past_meeting_retention_days: float = 456.0  # about 15 months
    write_hold_seconds: float = 0.05  # how long a write holds its host (overlaps show)

    @classmethod
    def kind(cls, **parameters: Any) -> Fidelity:
        """Every switch off: the simulator at its kindest (a baseline a test turns switches on
        from, one at a time)."""
        out = cls(**parameters)
        out.update(dict.fromkeys(switch_names(), False))
        return out

    @classmethod
    def zoom(cls, **parameters: Any) -> Fidelity:
        """Every switch on (the defaults, whatever `ZOOMSIM_FIDELITY` says): the simulator as
        close to Zoom as it goes."""
        out = cls(**parameters)
        out.update(dict.fromkeys(switch_names(), True))
        return out

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Fidelity:
        """The defaults, changed by `ZOOMSIM_FIDELITY` when it is set."""
        env = os.environ if environ is None else environ
        return cls.parse(env.get(ENV_NAME, ""), cls())

    @classmethod
    def parse(cls, spec: str, base: Fidelity | None = None) -> Fidelity:
        """`all` | `none` | `name,-name,param=value,...` | a JSON object, applied to `base`
        (default: the defaults, every switch on)."""
        out = dataclasses.replace(base) if base is not None else cls()
        text = spec.strip()
        if text.startswith("{"):
            out.update(json.loads(text))
            return out
        for raw in filter(None, (p.strip() for p in text.split(","))):
            if raw in ("all", "zoom", "on"):
                out.update(dict.fromkeys(switch_names(), True))
            elif raw in ("none", "kind", "off"):
                out.update(dict.fromkeys(switch_names(), False))
            elif "=" in raw:
                name, _, value = raw.partition("=")
                out.update({name.strip(): _typed(name.strip(), value.strip())})
            elif raw.startswith("-"):
                out.update({raw[1:]: False})
            else:
                out.update({raw: True})
        return out

    def update(self, values: dict[str, Any]) -> None:
        """Set fields by name; an unknown name or a non-boolean switch is a ValueError (the
        control API answers 400), so a typo never silently leaves a behaviour off."""
        fields = {f.name for f in dataclasses.fields(self)}
        switches = set(switch_names())
        for name, value in values.items():
            if name not in fields:
                raise ValueError(f"unknown fidelity setting {name!r}")
            if name in switches and not isinstance(value, bool):
                raise ValueError(f"fidelity switch {name} takes true or false")
            setattr(self, name, value)

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def on(self) -> list[str]:
        """The names of the switches that are on."""
        return [n for n in switch_names() if getattr(self, n)]


def switch_names() -> tuple[str, ...]:
    """The boolean fields: the behaviours, in the order of the reference's audit."""
    return tuple(f.name for f in dataclasses.fields(Fidelity) if f.type in ("bool", bool))


def _typed(name: str, raw: str) -> Any:
    kinds = {f.name: str(f.type) for f in dataclasses.fields(Fidelity)}
    kind = kinds.get(name)
    if kind is None:
        raise ValueError(f"unknown fidelity setting {name!r}")
    if kind == "bool":
        return raw.lower() in ("1", "true", "yes", "on")
    if kind == "int":
        return int(raw)
    if kind.startswith("float"):
        return None if raw.lower() in ("none", "auto") else float(raw)
    return raw
