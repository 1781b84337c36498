"""Per-user OAuth: authorization URL with PKCE, code exchange, connection, disconnect.

Each use case opens its own units of work and commits them; none is open while Zoom is called.
Completing an authorization is two on purpose: the state is burned and committed before the code
is exchanged (so a state works once, even when two completions race), and the connection is
stored after Zoom answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from classbridge_common.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
)
from zoom_gateway.adapters.repositories.user_connections import ConnectionInfo
from zoom_gateway.adapters.token_provider import TokenEndpointError
from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.adapters.user_tokens import UserTokens, exchange_code, revoke
from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain.deadline import Deadline
from zoom_gateway.domain.tenants import TenantConfig
from zoom_gateway.service_layer.accounts import Accounts, Actor
from zoom_gateway.service_layer.oauth_states import OAuthStates
from zoom_gateway.service_layer.users import get_user


@dataclass(frozen=True)
class AuthorizationUrl:
    url: str
    state: str
    expires_at: datetime


class UserOAuth:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        accounts: Accounts,
        states: OAuthStates,
        tokens: UserTokens,
        zoom: ZoomClient,
        http: httpx.AsyncClient,
        oauth_base_url: str,
        redirect_uris: Callable[[TenantConfig], list[str]],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self._accounts = accounts
        self._states = states
        self._tokens = tokens
        self._now = now
        self._zoom = zoom
        self._http = http
        self._oauth_base_url = oauth_base_url.rstrip("/")
        self._redirect_uris = redirect_uris

    async def authorization_url(
        self, *, user_id: str, tenant_id: str, redirect_uri: str
    ) -> AuthorizationUrl:
        if not user_id:
            raise InvalidArgument(
                "user_id is required", violations=[FieldViolation("user_id", "required")]
            )
        await self._accounts.refresh()
        tenant = self._accounts.tenant(tenant_id)
        self._accounts.require_user_oauth(tenant)
        allowed = self._redirect_uris(tenant) or [tenant.oauth_redirect_uri]
        chosen = redirect_uri or allowed[0]
        if chosen not in allowed:
            raise InvalidArgument(
                "redirect_uri is not one of the configured redirect URIs",
                violations=[FieldViolation("redirect_uri", "not allowed")],
            )
        async with self._uow() as uow:
            issued = await self._states.issue(
                uow, tenant=tenant.id, user_id=user_id, redirect_uri=chosen
            )
            await uow.commit()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": tenant.oauth_client_id,
                "redirect_uri": chosen,
                "state": issued.value,
                "code_challenge": issued.code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return AuthorizationUrl(
            url=f"{self._oauth_base_url}/oauth/authorize?{query}",
            state=issued.value,
            expires_at=issued.expires_at,
        )

    async def complete(
        self,
        *,
        code: str,
        state: str,
        user_id: str | None,
        deadline: Deadline,
        tenant_id: str | None = None,
    ) -> ConnectionInfo:
        """Exchange the code; ``tenant_id`` (a user caller's tenant) must be the state's.

        Two units of work: the state is burned and committed first, then Zoom is asked (code
        exchange, who the user is) with no transaction open, then the connection is stored.
        A failure after the first leaves the state burned: the user starts the flow again.
        """
        if not code or not state:
            raise InvalidArgument(
                "code and state are required",
                violations=[
                    FieldViolation(f, "required")
                    for f, v in (("code", code), ("state", state))
                    if not v
                ],
            )
        async with self._uow() as uow:
            consumed = await self._states.consume(uow, state, user_id=user_id)
            await uow.commit()
        if tenant_id is not None and consumed.tenant != tenant_id:
            raise PermissionDenied("the authorization was started in another tenant")
        await self._accounts.refresh()
        tenant = self._accounts.tenant(consumed.tenant)
        try:
            grant = await exchange_code(
                self._http,
                oauth_base_url=self._oauth_base_url,
                tenant=tenant,
                code=code,
                redirect_uri=consumed.redirect_uri,
                code_verifier=consumed.code_verifier,
            )
        except TokenEndpointError as exc:
            raise FailedPrecondition(
                f"Zoom refused the authorization code ({exc.error}); start the connection again",
                violations=[
                    PreconditionViolation("ZOOM_CODE_REJECTED", consumed.user_id, exc.error)
                ],
            ) from None

        class _Fixed:
            async def token(self, deadline: Deadline) -> str:
                return grant.access_token

            async def invalidate(self, token: str) -> None:
                return None

            async def refused(self, token: str, missing_scopes: Sequence[str]) -> None:
                return None  # nothing stored yet: the error says what the app lacks

        me = await get_user(self._zoom, Actor(tenant=tenant, auth=_Fixed()), "me", deadline)
        now = self._now()
        async with self._uow() as uow:
            info = await uow.connections.save(
                user_id=consumed.user_id,
                tenant=tenant.id,
                access_token=grant.access_token,
                refresh_token=grant.refresh_token,
                access_expires_at=now + timedelta(seconds=grant.expires_in),
                scopes=grant.scopes,
                zoom_user_id=str(me.get("id", "")),
                zoom_email=str(me.get("email", "")),
                zoom_account_id=str(me.get("account_id", "")),
                now=now,
            )
            await uow.commit()
        self._tokens.forget(consumed.user_id)
        return info

    async def connection(self, user_id: str) -> ConnectionInfo:
        info = await self.find(user_id)
        if info is None:
            raise NotFound(resource_type="zoom_connection", resource_id=user_id)
        return info

    async def find(self, user_id: str) -> ConnectionInfo | None:
        """The user's connection, or None."""
        async with self._uow() as uow:
            return await uow.connections.get(user_id)

    async def disconnect(self, *, user_id: str, revoke_at_zoom: bool) -> tuple[bool, bool]:
        """Forget the connection (committed first), then, if asked, revoke its token at Zoom:
        a revocation that fails or hangs never keeps a connection the user asked to drop."""
        async with self._uow() as uow:
            removed = await uow.connections.remove(user_id)
            await uow.commit()
        if removed is None:
            return False, False
        self._tokens.forget(user_id)
        if not revoke_at_zoom:
            return True, False
        tenant = self._accounts.tenant(removed.info.tenant)
        revoked = await revoke(
            self._http,
            oauth_base_url=self._oauth_base_url,
            tenant=tenant,
            token=removed.access_token,
        )
        return True, revoked
