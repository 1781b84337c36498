"""A student registered for a session's Zoom meeting: Zoom's registrant, tied to the student.

Zoom gives each registrant an id and a personal join link, and names that registrant in the
participant events and the participants report of whoever joins through the link. That id is
how a join is tied to a student without trusting anything the person typed; the email Zoom
holds for the registrant is the one the student was registered with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Registrant:
    """One student's registration for one session's meeting (one record per student per
    session). ``join_url`` is the student's own link: a credential, never logged or shown to
    anyone but that student (hidden from ``repr`` so no log line can carry it)."""

    id: str
    session_id: str
    student_id: str
    registrant_id: str
    email: str = ""
    join_url: str = field(default="", repr=False)
    meeting_id: int = 0
    create_time: datetime | None = None
    update_time: datetime | None = None


def student_of_registrant(registrants: list[Registrant], registrant_id: str) -> str:
    """The student Zoom's ``registrant_id`` belongs to, or ``""``."""
    if not registrant_id:
        return ""
    return next((r.student_id for r in registrants if r.registrant_id == registrant_id), "")


def student_of_email(registrants: list[Registrant], email: str) -> str:
    """The student registered with ``email`` (case-insensitive), or ``""``; an email two
    students were registered with ties nobody."""
    if not email:
        return ""
    found = {r.student_id for r in registrants if r.email and r.email.lower() == email.lower()}
    return found.pop() if len(found) == 1 else ""


__all__ = ["Registrant", "student_of_email", "student_of_registrant"]
