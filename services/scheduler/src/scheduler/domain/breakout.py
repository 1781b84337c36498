"""A group batch's breakout groups: the rules they keep, and the rooms they make in Zoom.

A group is a breakout room of every meeting of the batch, with the students pre-assigned to
it. Zoom pre-assigns by email (its ``settings.breakout_room.rooms[].participants``), so a
student is carried by their enrolment's email; one without an email cannot be pre-assigned
and is left in the main room (the session's answer says how many). The limits are Zoom's
documented ones, taking the lower where Zoom's pages differ (``docs/zoom-api.md`` §3.6).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scheduler.domain.errors import invalid

#: Zoom's pre-assignment pages say 50 rooms (older) or 100 (current); the lower is kept.
MAX_GROUPS = 50
#: Students in one room (Zoom: 200 pre-assigned participants, in the older pages' words).
MAX_GROUP_SIZE = 200
#: Students pre-assigned in all (Zoom's current page: up to 1000 participants).
MAX_ASSIGNED = 1000
MAX_NAME = 100
FIELD = "batch.breakout_groups"


@dataclass
class BreakoutGroup:
    """One breakout room and the students (Classbridge user ids) pre-assigned to it."""

    name: str
    student_ids: list[str] = field(default_factory=list)


def checked(
    groups: Iterable[BreakoutGroup], *, enrolled: Collection[str], field: str = FIELD
) -> list[BreakoutGroup]:
    """``groups`` cleaned (names and ids stripped, a student named twice in one group kept
    once), or INVALID_ARGUMENT naming the first rule broken: too many groups or students, a
    name empty, too long or used twice, a student not enrolled in the batch, a student in two
    groups."""
    out: list[BreakoutGroup] = []
    names: set[str] = set()
    placed: dict[str, str] = {}
    for index, group in enumerate(groups):
        where = f"{field}[{index}]"
        if index >= MAX_GROUPS:
            raise invalid(field, f"at most {MAX_GROUPS} breakout groups (Zoom's limit)")
        name = group.name.strip()
        if not name:
            raise invalid(f"{where}.name", "required")
        if len(name) > MAX_NAME:
            raise invalid(f"{where}.name", f"at most {MAX_NAME} characters")
        if name.casefold() in names:
            raise invalid(f"{where}.name", f"{name!r} names two groups")
        names.add(name.casefold())
        students = list(dict.fromkeys(s.strip() for s in group.student_ids if s.strip()))
        if len(students) > MAX_GROUP_SIZE:
            raise invalid(
                f"{where}.student_ids",
                f"at most {MAX_GROUP_SIZE} students in a breakout group (Zoom's limit)",
            )
        for student in students:
            if student not in enrolled:
                raise invalid(
                    f"{where}.student_ids", f"student {student!r} is not enrolled in the batch"
                )
            if student in placed:
                raise invalid(
                    f"{where}.student_ids",
                    f"student {student!r} is already in group {placed[student]!r}",
                )
            placed[student] = name
        out.append(BreakoutGroup(name=name, student_ids=students))
    if len(placed) > MAX_ASSIGNED:
        raise invalid(field, f"at most {MAX_ASSIGNED} students in all (Zoom's limit)")
    return out


def without(groups: Iterable[BreakoutGroup], student_id: str) -> list[BreakoutGroup]:
    """The groups with ``student_id`` taken out of theirs (they left the batch)."""
    return [BreakoutGroup(g.name, [s for s in g.student_ids if s != student_id]) for g in groups]


@dataclass(frozen=True)
class Rooms:
    """What the groups make in a meeting's settings, and how many of their students are left
    out for want of an email."""

    settings: dict[str, Any]
    without_email: int = 0


def rooms(
    groups: Iterable[BreakoutGroup], emails: Mapping[str, str], *, clear: bool = False
) -> Rooms:
    """The meeting setting (``MeetingSettings.breakout_rooms`` in its JSON form) for
    ``groups``, from the enrolled students' ``emails`` (student id -> email; a student no
    longer enrolled is left out, one enrolled without an email is counted). No groups: no
    setting, or with ``clear`` (the groups were removed from a batch whose meetings have
    them) breakout rooms switched off."""
    made: list[dict[str, Any]] = []
    missing = 0
    for group in groups:
        people: list[str] = []
        for student in group.student_ids:
            if student not in emails:
                continue  # left the batch
            email = emails[student].strip()
            if email:
                people.append(email)
            else:
                missing += 1
        made.append({"name": group.name, "participants": people})
    if not made:
        return Rooms(settings={"breakout_rooms": {"enable": False}} if clear else {})
    return Rooms(
        settings={"breakout_rooms": {"enable": True, "rooms": made}}, without_email=missing
    )


__all__ = [
    "MAX_ASSIGNED",
    "MAX_GROUPS",
    "MAX_GROUP_SIZE",
    "MAX_NAME",
    "BreakoutGroup",
    "Rooms",
    "checked",
    "rooms",
    "without",
]
