"""Email notices: to students, a class scheduled, moved or cancelled; to its teacher, a
recording ready; to the tenant's admins, a recording that could not be synced, or a Zoom
connection to authorize again (to its person too).

A notice is one email to one person about one event (``event_id``: the event's message id), so
an event delivered twice makes no second notice (unique per event and address), and a notice is
sent until it is sent, then never again. What the email says is rendered when it is sent, from
the session as it is then (its time, the student's own join link).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Attempts before a notice is given up (the SMTP server refusing it, or unreachable for long).
MAX_ATTEMPTS = 8


class NoticeKind(enum.StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"
    RECORDING_READY = "recording_ready"  # to the class's teacher
    SYNC_FAILED = "sync_failed"  # to the tenant's admins: given up, will not be retried
    ZOOM_REAUTH = "zoom_reauth"  # to the admins and the person: reconnect Zoom (no session)
    WEBHOOK_DISABLED = "webhook_off"  # to the admins: an outgoing webhook endpoint (no session)


class NoticeState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # given up; ``last_error`` says why


@dataclass
class Notice:
    id: str
    event_id: str
    kind: NoticeKind
    session_id: str
    # Who it is for: a student (their enrolment's email), or a teacher or admin (the directory's).
    recipient_id: str
    email: str
    next_attempt_time: datetime
    state: NoticeState = NoticeState.PENDING
    attempts: int = 0
    last_error: str = ""
    create_time: datetime | None = None
    sent_time: datetime | None = None
    # What it is about beyond a session (whose ``session_id`` is then empty): the user whose
    # Zoom connection must be authorized again, and why (``ZOOM_REAUTH``); the outgoing webhook
    # endpoint disabled, its address and why (``WEBHOOK_DISABLED``).
    about: str = ""

    def sent(self, *, at: datetime) -> None:
        self.state = NoticeState.SENT
        self.sent_time = at
        self.last_error = ""

    def failed(self, *, at: datetime, error: str, backoff: timedelta) -> None:
        """One more failed attempt: tried again after ``backoff`` doubled per attempt, up to
        an hour, until :data:`MAX_ATTEMPTS`."""
        self.attempts += 1
        self.last_error = error[:500]
        if self.attempts >= MAX_ATTEMPTS:
            self.state = NoticeState.FAILED
            return
        delay = min(backoff * (2 ** (self.attempts - 1)), timedelta(hours=1))
        self.next_attempt_time = at + delay


@dataclass
class NoticePreference:
    """A person's choice about email notices (absent: they get them)."""

    user_id: str
    email_notices: bool = True
    update_time: datetime | None = None


__all__ = ["MAX_ATTEMPTS", "Notice", "NoticeKind", "NoticePreference", "NoticeState"]
