"""The ``state`` of the per-user OAuth flow: signed, bound to one user, single use, 10 minutes.

The value handed to the browser is ``<state id>.<HMAC>``; the HMAC covers the id, the tenant and
the Classbridge user it was issued to, so a state cannot be forged or replayed for someone else
without the key. The row behind it (:mod:`zoom_gateway.adapters.repositories.oauth_states`)
keeps the PKCE verifier, encrypted — the verifier never leaves the gateway — and is burned
*before* the code is exchanged: the caller commits :meth:`OAuthStates.consume`'s unit of work
before calling Zoom, so a state works once even if two completions race.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from classbridge_common.errors import FieldViolation, InvalidArgument, PermissionDenied
from zoom_gateway.adapters.uow import GatewayUnitOfWork

STATE_TTL = timedelta(minutes=10)


def pkce_pair() -> tuple[str, str]:
    """A PKCE (verifier, S256 challenge) pair, RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


@dataclass(frozen=True)
class IssuedState:
    value: str
    code_challenge: str
    expires_at: datetime


@dataclass(frozen=True)
class ConsumedState:
    tenant: str
    user_id: str
    code_verifier: str
    redirect_uri: str

    def __repr__(self) -> str:
        return f"ConsumedState(tenant={self.tenant!r}, user_id={self.user_id!r}, <verifier hidden>)"


def _bad_state(reason: str) -> InvalidArgument:
    return InvalidArgument(
        f"OAuth state rejected: {reason}", violations=[FieldViolation("state", reason)]
    )


class OAuthStates:
    """Issues and consumes states in the caller's unit of work (the caller commits)."""

    def __init__(
        self,
        *,
        signing_key: bytes,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = signing_key
        self._now = now

    def _sign(self, state_id: str, tenant: str, user_id: str) -> str:
        mac = hmac.new(self._key, f"{state_id}\x00{tenant}\x00{user_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:24]).rstrip(b"=").decode("ascii")

    async def issue(
        self, uow: GatewayUnitOfWork, *, tenant: str, user_id: str, redirect_uri: str
    ) -> IssuedState:
        state_id = secrets.token_urlsafe(24)
        verifier, challenge = pkce_pair()
        now = self._now()
        expires = now + STATE_TTL
        await uow.oauth_states.add(
            state_id=state_id,
            tenant=tenant,
            user_id=user_id,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            expires_at=expires,
            now=now,
        )
        value = f"{state_id}.{self._sign(state_id, tenant, user_id)}"
        return IssuedState(value=value, code_challenge=challenge, expires_at=expires)

    async def consume(
        self, uow: GatewayUnitOfWork, state: str, *, user_id: str | None
    ) -> ConsumedState:
        """Check and burn ``state``; ``user_id`` is who is completing the flow (if known).

        A state issued to someone else → PERMISSION_DENIED (CSRF); unknown, tampered, used or
        expired → INVALID_ARGUMENT.
        """
        state_id, _, signature = state.partition(".")
        if not state_id or not signature:
            raise _bad_state("malformed")
        row = await uow.oauth_states.get(state_id)
        if row is None:
            raise _bad_state("unknown or expired")
        expected = self._sign(state_id, row.tenant, row.user_id)
        if not hmac.compare_digest(expected, signature):
            raise _bad_state("signature does not match")
        if user_id is not None and user_id != row.user_id:
            raise PermissionDenied(
                "this authorization was started by another user (possible CSRF); start again"
            )
        if row.used_at is not None:
            raise _bad_state("already used")
        now = self._now()
        if row.expires_at <= now:
            raise _bad_state("expired")
        if not await uow.oauth_states.burn(state_id, now=now):
            raise _bad_state("already used")
        return ConsumedState(
            tenant=row.tenant,
            user_id=row.user_id,
            code_verifier=row.code_verifier,
            redirect_uri=row.redirect_uri,
        )
