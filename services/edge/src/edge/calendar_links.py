"""Private calendar feed links: a token in the URL stands for the person it was issued to.

Calendar apps fetch a feed (``GET /api/v1/calendar/{token}.ics``) without any bearer token,
so the URL itself is the credential. It is stateless and never expires:
``<payload>.<mac>``, the payload base64url JSON of

- ``t`` the tenant, ``k`` the kind (``batch`` or ``user``), ``s`` the subject (the batch id,
  or the user id of a person's own feed),
- ``u`` and ``r`` the person it was issued to and their roles (the edge asks the scheduler as
  them, so a teacher who no longer teaches the batch's course loses its feed),
- ``v`` the tenant's key version.

The MAC is HMAC-SHA256 (first 24 bytes) with a key derived from the edge's user-token key
(``AUTH_JWT_SECRET``), the tenant and its key version, compared in constant time. Revoking:
raise the tenant's number in ``CALENDAR_FEED_KEY_VERSIONS`` (``tenant=2,...``; a tenant not
named is at version 1) and every link of that tenant issued before stops working (404);
rotating ``AUTH_JWT_SECRET`` revokes every link of every tenant. A token is never logged: the
feed's path is logged and traced as ``/api/v1/calendar/…``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from classbridge_common.auth import DEFAULT_TENANT, Caller, TokenVerifier, issue_token
from edge.oauth_flow import CALL_TOKEN_TTL

Kind = Literal["batch", "user"]
KINDS: tuple[Kind, ...] = ("batch", "user")
MAX_TOKEN_LENGTH = 2048
FEED_PATH = "/api/v1/calendar/{token}.ics"
_LABEL = b"classbridge-edge/calendar-feed/v1"


class BadLink(Exception):
    """Not a feed token this edge issued (forged, altered, revoked or malformed)."""


def parse_versions(text: str | None) -> dict[str, int]:
    """``CALENDAR_FEED_KEY_VERSIONS``: ``tenant=version`` pairs, comma-separated."""
    found: dict[str, int] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        tenant, sep, number = part.strip().partition("=")
        if not sep or not tenant.strip() or not number.strip().isdigit():
            raise ValueError(f"CALENDAR_FEED_KEY_VERSIONS: {part.strip()!r} is not tenant=number")
        found[tenant.strip()] = int(number)
    return found


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class FeedLink:
    """What a valid token says."""

    tenant: str
    kind: Kind
    subject: str
    holder: str
    roles: tuple[str, ...]
    version: int


class CalendarLinks:
    """Issues and checks feed tokens with keys derived from ``secret``."""

    def __init__(self, secret: str, *, versions: str | None = None) -> None:
        self._root = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
        self._secret = secret
        self._versions = parse_versions(versions)

    def version_of(self, tenant: str) -> int:
        return self._versions.get(tenant, 1)

    def _mac(self, tenant: str, version: int, payload: str) -> str:
        key = hmac.new(self._root, f"{tenant}\0{version}".encode(), hashlib.sha256).digest()
        return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:24])

    def issue(self, caller: Caller, *, kind: Kind, subject: str) -> str:
        """A token for ``caller``'s feed of ``kind`` ``subject``, at the tenant's key version."""
        tenant = caller.tenant or DEFAULT_TENANT
        version = self.version_of(tenant)
        body = {
            "t": tenant,
            "k": kind,
            "s": subject,
            "u": caller.subject,
            "r": sorted(caller.roles),
            "v": version,
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(tenant, version, payload)}"

    def check(self, token: str) -> FeedLink:
        """The link ``token`` stands for; :class:`BadLink` for anything else."""
        payload, _, mac = token.partition(".")
        if not payload or not mac or len(token) > MAX_TOKEN_LENGTH:
            raise BadLink("malformed")
        try:
            body = json.loads(_unb64(payload))
            link = FeedLink(
                tenant=str(body["t"]),
                kind=body["k"],
                subject=str(body["s"]),
                holder=str(body["u"]),
                roles=tuple(str(r) for r in body["r"]),
                version=int(body["v"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise BadLink("malformed") from exc
        expected = self._mac(link.tenant, link.version, payload)
        if not hmac.compare_digest(expected, mac):
            raise BadLink("signature does not match")
        if link.kind not in KINDS or not link.subject or not link.holder:
            raise BadLink("malformed")
        if link.version != self.version_of(link.tenant):
            raise BadLink("revoked")
        return link

    def caller_for(self, link: FeedLink) -> Caller:
        """The link's holder as a caller whose token lives ``CALL_TOKEN_TTL`` (one call)."""
        token = issue_token(
            subject=link.holder,
            secret=self._secret,
            roles=link.roles,
            tenant=link.tenant,
            ttl=CALL_TOKEN_TTL,
        )
        return TokenVerifier(self._secret).verify_authorization(f"Bearer {token}")


def feed_path(token: str) -> str:
    return FEED_PATH.replace("{token}", token)


__all__ = [
    "FEED_PATH",
    "KINDS",
    "BadLink",
    "CalendarLinks",
    "FeedLink",
    "Kind",
    "feed_path",
    "parse_versions",
]
