"""A whole class played from a plan, through the control API, answering what was played, so an
attendance test compares Classbridge's figures with the truth instead of with hand-written
expectations:

    plan = ClassPlan(minutes=60, attendees=(
        Attendee("Asha Rao", "asha@school.test", stays=(
            Stay(2, 30), Stay(31, device="phone"),              # dropped, dialled back in
        )),
        Attendee("Ben Ode", "ben@school.test", stays=(
            Stay(0, breakouts=(Breakout("Room 1", 20, 35),)),    # a breakout room
            Stay(10, 40, device="tablet", drop_join_webhook=True),  # a second device at once
        )),
        Attendee("Visitor"),                                     # a guest: no registrant
    ))
    played = await sim.play_class(plan)        # SimClient.play_class
    played.by_registrant()  # {registrant_id: [(join, leave), ...]} in epoch seconds

Registered attendees (an email, `register=True`) are registered first (automatic approval; a
new meeting is made to take registrations) and join through their own `join_url`, or by phone
with their participant code; their events and report rows carry their `registrant_id`. An
attendee given a `join_url` (the link someone else registered them with, as a course platform
hands it out) is not registered again: they join through that link into the meeting played,
which must be given and must have that registrant. Times
are minutes from the class's start on the simulator's clock; a stay without `leave` lasts
until the class ends, a breakout without `end` until its stay ends. `drop_join_webhook` loses
that stay's `meeting.participant_joined` with the `webhook_drop` fault, as Zoom may.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from zoomsim.client import SimClient


@dataclass(frozen=True)
class Breakout:
    """A spell in a breakout room within one stay."""

    room: str
    start: float  # minutes after the class starts
    end: float | None = None  # None: until the stay ends


@dataclass(frozen=True)
class Stay:
    """One device's time in the class: from joining to leaving (or the end)."""

    join: float  # minutes after the class starts
    leave: float | None = None  # None: until the class ends
    device: str = "computer"  # "phone": dials in
    breakouts: tuple[Breakout, ...] = ()
    drop_join_webhook: bool = False


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str = ""  # none: a guest
    register: bool = True  # with an email: registered, joins through their own link
    stays: tuple[Stay, ...] = (Stay(0),)
    customer_key: str = ""
    # Their own registrant link of the meeting played (registered by someone else): joins
    # through it, and is not registered by the plan.
    join_url: str = ""


@dataclass(frozen=True)
class ClassPlan:
    minutes: float = 60
    attendees: tuple[Attendee, ...] = ()
    host: bool = True  # the host's own user joins at the start as host and stays
    topic: str = "Classbridge class"
    account_id: str | None = None  # for a new meeting; None: the first account
    recording: dict[str, Any] | None = None  # as SimClient.end's; None: auto_recording decides


@dataclass
class PlayedStay:
    join: float  # epoch seconds (the simulator's clock)
    leave: float
    device: str
    user_ids: list[str] = field(default_factory=list)  # each row's user_id, the join's first
    rooms: list[tuple[str, float, float]] = field(default_factory=list)  # (room, from, to)
    join_webhook_dropped: bool = False


@dataclass
class PlayedAttendee:
    name: str
    email: str
    registrant_id: str  # "" for guests
    join_url: str
    customer_key: str
    stays: list[PlayedStay] = field(default_factory=list)

    @property
    def intervals(self) -> list[tuple[float, float]]:
        """Each stay as played, overlapping where two devices were in at once; breakout-room
        time is time in the class."""
        return [(s.join, s.leave) for s in self.stays]

    @property
    def seconds(self) -> float:
        """Time in the class, overlaps counted once."""
        return merged_seconds(self.intervals)


@dataclass
class PlayedClass:
    meeting_id: int
    uuid: str
    start: float
    end: float
    host_user_id: str
    attendees: list[PlayedAttendee]
    recording: dict[str, Any] | None = None

    def by_registrant(self) -> dict[str, list[tuple[float, float]]]:
        """Registrant id -> the intervals they were in the class (guests left out)."""
        return {a.registrant_id: a.intervals for a in self.attendees if a.registrant_id}

    def dropped_joins(self) -> list[str]:
        """The user_ids whose `meeting.participant_joined` Zoom never sent."""
        return [s.user_ids[0] for a in self.attendees for s in a.stays if s.join_webhook_dropped]


def merged_seconds(intervals: list[tuple[float, float]]) -> float:
    total, reach = 0.0, -math.inf
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _link_token(link: str) -> str:
    """The registrant token (`tk`) a join link carries."""
    return (parse_qs(urlsplit(link).query).get("tk") or [""])[0]


def _check(plan: ClassPlan) -> None:
    for a in plan.attendees:
        for s in a.stays:
            leave = plan.minutes if s.leave is None else s.leave
            if not 0 <= s.join < leave <= plan.minutes:
                raise ValueError(f"{a.name}: a stay must fit in the class ({s.join}-{leave})")
            edge = s.join
            for b in s.breakouts:
                end = leave if b.end is None else b.end
                if not edge < b.start < end <= leave:
                    raise ValueError(f"{a.name}: breakout {b.room} must fit in its stay, in order")
                edge = end


async def play(ctl: SimClient, plan: ClassPlan, meeting_id: int | str | None = None) -> PlayedClass:
    """Play `plan` in meeting `meeting_id` (a new one when None) and answer what was played."""
    _check(plan)
    linked = any(a.join_url for a in plan.attendees)
    registering = any(a.email and a.register and not a.join_url for a in plan.attendees)
    if meeting_id is None and linked:
        raise ValueError("an attendee's own join_url is a link of an existing meeting: give it")
    if meeting_id is None:
        settings: dict[str, Any] = {"auto_recording": "cloud"}
        if registering:
            settings["approval_type"] = 0
        fields: dict[str, Any] = {
            "topic": plan.topic,
            "duration": max(1, math.ceil(plan.minutes)),
            "settings": settings,
        }
        if plan.account_id:
            fields["account_id"] = plan.account_id
        meeting_id = (await ctl.create_meeting(**fields))["id"]
    mid = meeting_id
    listed = await ctl.registrants(mid) if registering or linked else []
    known = {r["email"].lower(): r for r in listed}
    by_link = {_link_token(str(r.get("join_url") or "")): r for r in listed}
    played: list[PlayedAttendee] = []
    for a in plan.attendees:
        r: dict[str, Any] = {}
        if a.join_url:
            token = _link_token(a.join_url)
            r = (by_link.get(token) if token else None) or {}
            if not r:
                raise ValueError(f"{a.name}: the join_url is no registrant's link of {mid}")
            r = {**r, "join_url": a.join_url}  # they join through the link they were given
        elif a.email and a.register:
            r = known.get(a.email.lower()) or {}
            if not r:
                first, _, last = a.name.partition(" ")
                r = await ctl.add_registrant(mid, a.email, first, last, auto_approve=True)
        played.append(
            PlayedAttendee(
                a.name,
                a.email or str(r.get("email") or ""),
                str(r.get("registrant_id") or ""),
                str(r.get("join_url") or ""),
                a.customer_key,
            )
        )

    t0 = float((await ctl.health())["clock"])
    uuid = str((await ctl.start(mid, at=t0))["uuid"])
    host_user_id = ""
    if plan.host:
        host_user_id = str((await ctl.join(mid, host=True, at=t0))["user_id"])

    def at(minutes: float) -> float:
        return t0 + minutes * 60

    actions: list[tuple[float, int, int, Callable[[], Awaitable[None]]]] = []

    def schedule(minute: float, order: int, fn: Callable[[], Awaitable[None]]) -> None:
        actions.append((minute, order, len(actions), fn))

    for a, who in zip(plan.attendees, played, strict=True):
        for s in a.stays:
            leave = plan.minutes if s.leave is None else s.leave
            stay = PlayedStay(
                at(s.join), at(leave), s.device, join_webhook_dropped=s.drop_join_webhook
            )
            who.stays.append(stay)
            schedule(s.join, 0, _joiner(ctl, mid, a, who, s, stay, at(s.join)))
            for b in s.breakouts:
                end = leave if b.end is None else b.end
                stay.rooms.append((b.room, at(b.start), at(end)))
                schedule(b.start, 1, _mover(ctl, mid, stay, b.room, at(b.start)))
                if b.end is not None and b.end < leave:
                    schedule(b.end, 1, _mover(ctl, mid, stay, None, at(b.end)))
            if s.leave is not None:
                schedule(s.leave, 2, _leaver(ctl, mid, stay, at(s.leave)))
    for _minute, _order, _seq, fn in sorted(actions, key=lambda x: x[:3]):
        await fn()
    ended = await ctl.end(mid, at=at(plan.minutes), recording=plan.recording)
    return PlayedClass(
        int(mid), uuid, t0, at(plan.minutes), host_user_id, played, ended.get("recording")
    )


def _joiner(
    ctl: SimClient,
    mid: int | str,
    a: Attendee,
    who: PlayedAttendee,
    s: Stay,
    stay: PlayedStay,
    when: float,
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        if s.drop_join_webhook:
            await ctl.fault("webhook_drop", event="meeting.participant_joined", count=1)
        how: dict[str, Any] = {}
        if who.registrant_id and s.device == "phone":
            registrant = next(
                r for r in await ctl.registrants(mid) if r["registrant_id"] == who.registrant_id
            )
            how["participant_pin_code"] = registrant["participant_pin_code"]
        elif who.registrant_id:
            how["join_url"] = who.join_url
        elif s.device != "phone":  # a caller with no code shows as their number
            how.update(name=a.name, email=a.email)
        row = await ctl.join(
            mid,
            at=when,
            device=s.device,
            customer_key=a.customer_key or None,
            **how,
        )
        stay.user_ids.append(str(row["user_id"]))

    return run


def _mover(
    ctl: SimClient, mid: int | str, stay: PlayedStay, room: str | None, when: float
) -> Callable[[], Awaitable[None]]:
    """Into `room`, or back to the main meeting when None."""

    async def run() -> None:
        current = stay.user_ids[-1]
        if room is None:
            row = await ctl.leave_breakout_room(mid, current, at=when)
        else:
            row = await ctl.join_breakout_room(mid, current, room, at=when)
        stay.user_ids.append(str(row["user_id"]))

    return run


def _leaver(
    ctl: SimClient, mid: int | str, stay: PlayedStay, when: float
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await ctl.leave(mid, stay.user_ids[-1], at=when)

    return run
