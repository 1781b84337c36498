"""Alternative hosts asked for by Classbridge user id, and Zoom refusing one.

Zoom takes alternative hosts as one ``;``-separated string of emails of licensed users in the
host's own account [docs]; one it will not take fails the whole create or update, with 400 and
code 1114, "Unable to assign '<email>' as an alternative host …" [seen, one source]. The
scheduler asks for a course's other teachers by Classbridge user id, best effort: the gateway
resolves each through the user's per-user Zoom connection (the email Zoom itself reported when
they connected, and their Zoom account), leaves out whom it cannot resolve, and repeats a
refused request without the refused hosts. This module holds the pure part of that; the
service layer (``service_layer/meetings.py``) reads the connections and repeats the call.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Zoom's code for an alternative host it will not assign [seen].
REFUSED_CODE = 1114
#: Where a refusal is reported among an InvalidArgument's field violations.
FIELD = "meeting.settings.alternative_hosts"
_QUOTED = re.compile(r"'([^'\s]+@[^'\s]+)'")


class Skip(enum.StrEnum):
    NOT_CONNECTED = "not_connected"
    OTHER_ACCOUNT = "other_account"
    REFUSED_BY_ZOOM = "refused_by_zoom"


@dataclass(frozen=True)
class SkippedHost:
    """One alternative host left out, and why (``detail``: Zoom's words, when Zoom refused)."""

    user_id: str
    email: str
    reason: Skip
    detail: str = ""


def says_refused(status: int, code: int | None, message: str) -> bool:
    """Whether a Zoom error answer refuses an alternative host: code 1114, or a 400 whose
    message speaks of one (liberal: the code is from one source, the wording varies)."""
    if code == REFUSED_CODE:
        return True
    return status == 400 and "alternative host" in message.lower()


def split(value: str) -> list[str]:
    """Zoom's wire form as a list (``;`` separates; a ``,`` is read too)."""
    return [h.strip() for h in value.replace(",", ";").split(";") if h.strip()]


def join(hosts: Iterable[str]) -> str:
    """Zoom's wire form, each email once (case-insensitively), in order."""
    seen: dict[str, str] = {}
    for host in hosts:
        seen.setdefault(host.strip().lower(), host.strip())
    return ";".join(v for k, v in seen.items() if k)


def named(message: str, candidates: Iterable[str]) -> list[str]:
    """The ``candidates`` a refusal names: quoted in Zoom's message, else anywhere in it."""
    lowered = message.lower()
    quoted = {q.lower() for q in _QUOTED.findall(message)}
    return [c for c in candidates if c.lower() in quoted or (not quoted and c.lower() in lowered)]


@dataclass
class AlternativeHosts:
    """The alternative hosts of one create or update: those the caller named by email (kept
    as they are: Zoom's refusal of one of them is the caller's error) and those resolved from
    user ids (left out when Zoom refuses them)."""

    given: list[str]
    resolved: dict[str, str]  # email -> Classbridge user id, in the order asked
    skipped: list[SkippedHost]

    @property
    def wire(self) -> str:
        return join([*self.given, *self.resolved])

    def settings_with(self, settings: Mapping[str, object]) -> dict[str, object]:
        """``settings`` with the alternative hosts as Zoom takes them."""
        return {**settings, "alternative_hosts": self.wire}

    def drop_refused(self, detail: str) -> bool:
        """Leave out the resolved hosts a refusal names (all of them when it names none of the
        hosts sent); False when that leaves nothing to try again (the refusal stands)."""
        sent = [*self.given, *self.resolved]
        hit = named(detail, sent)
        ours = [e for e in self.resolved if e in hit] if hit else list(self.resolved)
        if not ours:
            return False
        for email in ours:
            self.skipped.append(
                SkippedHost(self.resolved.pop(email), email, Skip.REFUSED_BY_ZOOM, detail)
            )
        return True

    def missing_from(self, kept: Sequence[str]) -> None:
        """Resolved hosts Zoom's answer does not list were refused too (an idempotent repeat
        learns it from the stored meeting); Zoom's word for it is unknown here."""
        present = {k.lower() for k in kept}
        for email in [e for e in self.resolved if e.lower() not in present]:
            self.skipped.append(SkippedHost(self.resolved.pop(email), email, Skip.REFUSED_BY_ZOOM))


__all__ = [
    "FIELD",
    "REFUSED_CODE",
    "AlternativeHosts",
    "Skip",
    "SkippedHost",
    "join",
    "named",
    "says_refused",
    "split",
]
