"""Who a Zoom participant is: the identities Zoom gives, and the Classbridge user they tie to.

Attendance is graded, so a join counts for a student only when Zoom ties it to that student:
by the registrant of the student's own join link, by the customer key a course platform put in
the link (the Classbridge user id), or by the email Zoom verified matching the one the student
was registered with. Zoom verifies an email only for a signed-in Zoom user (it then gives that
user's id); any other email is typed by the person and ties nobody, like a display name: anyone
may type any name, and two guests may type the same one. People Zoom cannot tie to a user stay
guests.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.registration import Registrant, student_of_email, student_of_registrant


@dataclass(frozen=True)
class ZoomIdentity:
    """What Zoom says about one participant (a webhook, or a row of the participants report).

    ``name`` is shown, never matched on.
    """

    participant_uuid: str = ""
    zoom_user_id: str = ""
    registrant_id: str = ""
    customer_key: str = ""
    email: str = ""
    name: str = ""
    is_host: bool = False


def user_of(who: ZoomIdentity, registrants: list[Registrant]) -> str:
    """The Classbridge user ``who`` is, strongest key first: the registrant Zoom names, the
    customer key, then a verified email registered for exactly one student; ``""`` for a
    guest."""
    verified = who.email if who.zoom_user_id else ""
    return (
        student_of_registrant(registrants, who.registrant_id)
        or who.customer_key
        or student_of_email(registrants, verified)
    )


__all__ = ["ZoomIdentity", "user_of"]
