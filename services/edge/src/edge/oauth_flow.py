"""Carrying the signed-in user across Zoom's OAuth redirect, so a browser landing on
``GET /api/zoom/auth`` (no token: it is a plain navigation) can complete the connection.

zoom-gateway's ``CompleteAuthorization`` is for a person's own connection only: it wants the
person's token (its access rule admits no anonymous caller and no service), and its ``state``
is opaque — it names nobody the edge could read. So when a signed-in user asks for the
authorization URL, the edge appends a *ticket* to the gateway's state, ``<state>~<ticket>``:
who asked (subject, tenant, roles) and until when (the state's own expiry), signed with a key
derived from the edge's token key. Zoom sends the state back unchanged; the callback checks the
ticket and completes the flow *as that user*, with a token the edge signs for that one call
(:data:`CALL_TOKEN_TTL`, never logged, never answered). The gateway still checks everything it
checks for any caller: the state's signature, that it was issued to that user, unused, not
expired — a replayed or forged callback fails there or here, and burns nothing new.

``POST /api/zoom/auth`` (a front end with the user's token) strips the ticket and sends the
gateway's state alone, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from classbridge_common.auth import Caller, TokenVerifier, issue_token

SEPARATOR = "~"
CALL_TOKEN_TTL = timedelta(seconds=60)
_LABEL = b"classbridge-edge/zoom-oauth-ticket/v1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Ticket:
    """Who started the flow, and until when the ticket is good (Unix seconds)."""

    subject: str
    tenant: str | None
    roles: tuple[str, ...]
    expires: int


class BadTicket(Exception):
    """The callback's state carries no ticket, a forged one, or an expired one."""


class Tickets:
    """Signs and checks tickets with a key derived from ``secret`` (the user-token key: only
    the edge and the platform that signs user tokens hold it)."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
        self._secret = secret

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:24])

    def issue(self, caller: Caller, expires: int) -> str:
        body = {"s": caller.subject, "t": caller.tenant, "r": sorted(caller.roles), "e": expires}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def check(self, ticket: str, *, now: float | None = None) -> Ticket:
        payload, _, mac = ticket.partition(".")
        if not payload or not mac or not hmac.compare_digest(self._mac(payload), mac):
            raise BadTicket("signature does not match")
        try:
            body = json.loads(_unb64(payload))
            found = Ticket(
                subject=str(body["s"]),
                tenant=body["t"] if body["t"] is None else str(body["t"]),
                roles=tuple(str(r) for r in body["r"]),
                expires=int(body["e"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BadTicket("malformed") from exc
        if found.expires <= (time.time() if now is None else now):
            raise BadTicket("expired")
        return found

    def caller_for(self, ticket: Ticket) -> Caller:
        """The user of ``ticket`` as a caller whose token lives :data:`CALL_TOKEN_TTL`."""
        token = issue_token(
            subject=ticket.subject,
            secret=self._secret,
            roles=ticket.roles,
            tenant=ticket.tenant,
            ttl=CALL_TOKEN_TTL,
        )
        return TokenVerifier(self._secret).verify_authorization(f"Bearer {token}")


def split_state(state: str) -> tuple[str, str]:
    """(the gateway's state, the edge's ticket or "")."""
    gateway_state, _, ticket = state.partition(SEPARATOR)
    return gateway_state, ticket


def with_state(url: str, state: str) -> str:
    """``url`` with its ``state`` query parameter replaced."""
    parts = urlsplit(url)
    query = [(k, state if k == "state" else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def with_outcome(base: str, **outcome: str) -> str:
    """``base`` (the configured front-end URL) with ``outcome`` added to its query string."""
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query), *outcome.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


__all__ = [
    "CALL_TOKEN_TTL",
    "BadTicket",
    "Ticket",
    "Tickets",
    "split_state",
    "with_outcome",
    "with_state",
]
