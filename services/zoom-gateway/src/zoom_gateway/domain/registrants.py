"""Meeting registrants: who a registration call is about, in Zoom's terms, without I/O.

Classbridge registers every enrolled student for a class's meeting (automatic approval), so that
Zoom names each participant by ``registrant_id`` and each student joins with a link of their own;
a display name proves nothing. Here: the checks on a request, the one spelling of an email used
to match registrations (Zoom compares emails without regard to case [seen]), the answer rows,
and which Zoom refusals are "registration is off" and "the meeting is full of registrants" —
Zoom's codes for those differ between endpoints and over time, so its message decides too.

A registrant's ``join_url`` carries a token that lets whoever has it join as that student: it is
a credential and never appears in a log line, an error or a ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_PER_CALL = 300
"""Registrants one AddMeetingRegistrants may name: each new one is a Zoom call, and the calls
must fit in the caller's deadline even on a Free plan's 4 calls a second."""
MAX_NAME = 64  # Zoom's limit for first_name and last_name
MAX_EMAIL = 128  # and for email
STATUSES = ("approved", "pending", "denied")
APPROVED = "approved"
PENDING = "pending"
DENIED = "denied"
BATCH_MAX = 30
"""Zoom's batch_registrants takes at most 30 people, and only for scheduled (type 2) meetings."""
BATCH_REFUSED_CODES = frozenset({303})
"""Zoom's "This API can only be used for scheduled meeting(meeting type: 2)" [docs]."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# "This meeting has not registration required: {id}." (older answers, code 300 or 404),
# "Registration has not been enabled for this meeting: {id}." (newer: code 404 under HTTP 400
# from the single-registrant endpoints, HTTP 404 from the batch one)
_REGISTRATION_OFF = re.compile(
    r"not\s+registration\s+required|registration\s+(has\s+not|is\s+not|not)\s+(been\s+)?"
    r"(enabled|required|allowed)|registration\s+(is\s+)?(disabled|off)",
    re.IGNORECASE,
)
# "Meeting has reached maximum attendee capacity." (3043), "You have reached the limit for
# the number of attendees you can add." (3000), "... maximum number of registrants ..."
_REGISTRANT_LIMIT = re.compile(
    r"(maximum|limit)\b.*\b(attendee|registrant)|(attendee|registrant)s?\b.*\b(maximum|limit)"
    r"|attendee\s+capacity",
    re.IGNORECASE,
)
REGISTRANT_LIMIT_CODES = frozenset({3043})


class RegistrantValidationError(ValueError):
    """A request Zoom would refuse; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


@dataclass(frozen=True, slots=True)
class Person:
    """Someone to register: a cleaned-up ``RegistrantSpec``."""

    email: str
    first_name: str
    last_name: str = ""

    @property
    def key(self) -> str:
        return email_key(self.email)

    def body(self) -> dict[str, str]:
        """The JSON body of ``POST /meetings/{id}/registrants``."""
        out = {"email": self.email, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        return out


@dataclass(frozen=True, slots=True)
class Registration:
    """One registrant as Zoom has it. ``join_url`` is a credential: hidden from ``repr``."""

    registrant_id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    join_url: str = field(default="", repr=False)
    status: str = ""

    @property
    def key(self) -> str:
        return email_key(self.email)


def email_key(email: str) -> str:
    """The spelling emails are matched by: trimmed, lower case."""
    return email.strip().lower()


def people(specs: Sequence[tuple[str, str, str]]) -> list[Person]:
    """The request's registrants (email, first name, last name), checked, in order.

    An empty first name (Zoom requires one) becomes the email's local part; names longer than
    Zoom's 64 characters are cut. An email given twice stays twice here: the answer repeats the
    registration for each position.
    """
    if not specs:
        raise RegistrantValidationError("registrants", "name at least one registrant")
    if len(specs) > MAX_PER_CALL:
        raise RegistrantValidationError("registrants", f"at most {MAX_PER_CALL} per call")
    out = []
    for index, (email, first, last) in enumerate(specs):
        address = email.strip()
        if not _EMAIL.match(address) or len(address) > MAX_EMAIL:
            raise RegistrantValidationError(
                f"registrants[{index}].email", "a valid email of at most 128 characters"
            )
        given = first.strip() or address.split("@", 1)[0]
        out.append(Person(address, given[:MAX_NAME], last.strip()[:MAX_NAME]))
    return out


def check_meeting_id(meeting_id: int) -> None:
    if meeting_id <= 0:
        raise RegistrantValidationError("meeting_id", "required")


def list_status(status: str) -> str:
    """The status a listing asks Zoom for: ``approved`` when empty."""
    value = status.strip().lower() or APPROVED
    if value not in STATUSES:
        raise RegistrantValidationError("status", "one of approved, pending, denied")
    return value


def registration_of(raw: Mapping[str, Any], *, status: str = "") -> Registration:
    """A row of ``GET …/registrants`` (its id is ``id``) or the answer of a ``POST`` (its id is
    ``registrant_id``); ``status`` fills Zoom's when the row has none."""
    return Registration(
        registrant_id=str(raw.get("registrant_id") or raw.get("id") or ""),
        email=str(raw.get("email") or ""),
        first_name=str(raw.get("first_name") or ""),
        last_name=str(raw.get("last_name") or ""),
        join_url=str(raw.get("join_url") or ""),
        status=str(raw.get("status") or status),
    )


def status_of_new(answer: Mapping[str, Any]) -> str:
    """What Zoom made of a new registration: it hands out the join link at once only to an
    approved registrant (automatic approval); under manual approval there is none until the
    host approves [docs], so the registration is pending."""
    return APPROVED if answer.get("join_url") else PENDING


def says_registration_off(message: str) -> bool:
    """Zoom's refusal means the meeting takes no registrations."""
    return bool(_REGISTRATION_OFF.search(message or ""))


def says_registrant_limit(code: int | None, message: str) -> bool:
    """Zoom's refusal means no more registrants fit (the meeting's cap, about 4,999 [docs],
    or the account's)."""
    return code in REGISTRANT_LIMIT_CODES or bool(_REGISTRANT_LIMIT.search(message or ""))


def batch_refused(code: int | None, message: str) -> bool:
    """Zoom refused batch registration for this meeting (not a scheduled one): register one
    by one instead."""
    return code in BATCH_REFUSED_CODES or "batch registration is not supported" in message.lower()


def by_email(registrations: Iterable[Registration]) -> dict[str, Registration]:
    """The first registration of each email (Zoom lists newest first [seen]; any one will do,
    they share the person)."""
    out: dict[str, Registration] = {}
    for registration in registrations:
        if registration.key and registration.registrant_id:
            out.setdefault(registration.key, registration)
    return out
