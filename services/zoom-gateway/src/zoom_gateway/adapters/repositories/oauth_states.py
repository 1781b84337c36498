"""The ``oauth_states`` table: the rows behind the per-user OAuth flow's ``state`` values.

A row keeps the tenant and user the state was issued to, the redirect URI and the PKCE verifier
(encrypted: the verifier never leaves the gateway). Signing and checking the value handed to the
browser is :mod:`zoom_gateway.service_layer.oauth_states`; burning a state is one conditional
``UPDATE … WHERE used_at IS NULL``, so two completions racing with one state cannot both pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from classbridge_common.crypto import SecretBox
from zoom_gateway.adapters.orm import oauth_states
from zoom_gateway.adapters.repositories.sql import rowcount


@dataclass(frozen=True, repr=False)
class StoredState:
    """One issued state, its verifier decrypted."""

    state_id: str
    tenant: str
    user_id: str
    code_verifier: str
    redirect_uri: str
    expires_at: datetime
    used_at: datetime | None

    def __repr__(self) -> str:
        return f"StoredState(state_id={self.state_id!r}, user_id={self.user_id!r}, <hidden>)"


class OAuthStateRepository:
    """Adds, reads and burns OAuth states in the unit of work's transaction."""

    def __init__(self, session: AsyncSession, box: SecretBox) -> None:
        self._session = session
        self._box = box

    async def add(
        self,
        *,
        state_id: str,
        tenant: str,
        user_id: str,
        code_verifier: str,
        redirect_uri: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Store a new state; states expired by ``now`` are of no use to anyone: dropped."""
        t = oauth_states
        await self._session.execute(delete(t).where(t.c.expires_at < now))
        await self._session.execute(
            t.insert().values(
                state_id=state_id,
                tenant=tenant,
                user_id=user_id,
                code_verifier_enc=self._box.encrypt(code_verifier),
                redirect_uri=redirect_uri,
                expires_at=expires_at,
                used_at=None,
            )
        )

    async def get(self, state_id: str) -> StoredState | None:
        t = oauth_states
        row = (await self._session.execute(select(t).where(t.c.state_id == state_id))).first()
        if row is None:
            return None
        return StoredState(
            state_id=row.state_id,
            tenant=row.tenant,
            user_id=row.user_id,
            code_verifier=self._box.decrypt_str(row.code_verifier_enc),
            redirect_uri=row.redirect_uri,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def burn(self, state_id: str, *, now: datetime) -> bool:
        """Mark the state used; False when someone else burned it first."""
        t = oauth_states
        burned = await self._session.execute(
            update(t).where(t.c.state_id == state_id, t.c.used_at.is_(None)).values(used_at=now)
        )
        return rowcount(burned) == 1
