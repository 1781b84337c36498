"""The tenant's people directory: who a Classbridge user is, for the email they are sent.

The course platform is the source of truth for its users (``ARCHITECTURE.md``, "People");
Classbridge keeps only what its notices need of the teachers and administrators it writes to —
a name, an email and a role — upserted by the platform. Students' addresses come with their
enrolments, so a student needs no entry (one may have one all the same).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class PersonRole(enum.StrEnum):
    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"


@dataclass
class Person:
    user_id: str
    email: str
    role: PersonRole
    name: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None


__all__ = ["Person", "PersonRole"]
