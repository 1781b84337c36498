"""Which credentials a call acts with: a tenant's server-to-server app or one user's OAuth
connection. Resolved once per call; the rest of the gateway only sees an :class:`Actor`."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from classbridge_common.errors import FailedPrecondition, NotFound, PreconditionViolation
from zoom_gateway.adapters.tenant_directory import TenantDirectory
from zoom_gateway.adapters.token_provider import S2STokenProvider, not_configured_error
from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.adapters.user_tokens import (
    UserTokens,
    UserTokenSource,
    needs_reauthorization,
    not_connected,
)
from zoom_gateway.adapters.zoom_client import AccessTokenSource
from zoom_gateway.domain import scopes as zoom_scopes
from zoom_gateway.domain.tenants import DEFAULT_TENANT, TenantConfig


@dataclass(frozen=True)
class AccountRef:
    """The caller's choice: a tenant (S2S) or a Classbridge user (per-user OAuth)."""

    tenant_id: str = ""
    oauth_user_id: str = ""


@dataclass(frozen=True)
class Actor:
    tenant: TenantConfig
    auth: AccessTokenSource
    oauth_user_id: str = ""
    # per-user connections: the granted scopes (empty = unknown) and who the user is at Zoom
    scopes: tuple[str, ...] = ()
    zoom_user_id: str = ""
    # per-user connections: scopes Zoom said the grant lacks (until the user reconnects)
    missing_scopes: tuple[str, ...] = ()

    @property
    def is_user(self) -> bool:
        return bool(self.oauth_user_id)

    def require(self, operation: str) -> None:
        """Refuse before calling Zoom what a user's grant is known not to allow.

        FAILED_PRECONDITION (reconnect Zoom) when Zoom already said the grant lacks a scope
        that ``operation`` needs — asking again would only repeat Zoom's 4711; PERMISSION_DENIED
        when the recorded grant does not hold the scope. Server-to-server apps are not checked:
        their scopes are set by an admin for the whole account and Zoom's refusal names them.
        """
        if not self.is_user:
            return
        lacking = [s for s in self.missing_scopes if zoom_scopes.allows([s], operation)]
        if lacking:  # named for this operation only, not for everything Zoom refused so far
            raise needs_reauthorization(self.oauth_user_id, lacking)
        zoom_scopes.require(self.scopes, operation)

    @property
    def default_host(self) -> str:
        """Zoom's ``me``: the connected user, or (S2S) the app's owner."""
        return "me"


class Accounts:
    """Tenants (from the directory) and their credentials.

    ``s2s`` holds one token provider per tenant; a provider whose tenant's server-to-server
    credentials changed since it was made is replaced on next use, which drops its cached token
    (a token of the old app must not outlive a credentials change).
    """

    def __init__(
        self,
        *,
        directory: TenantDirectory,
        s2s: MutableMapping[str, S2STokenProvider],
        new_provider: Callable[[TenantConfig], S2STokenProvider],
        uow: UnitOfWorkFactory,
        tokens: UserTokens,
    ) -> None:
        self._directory = directory
        self._s2s = s2s
        self._new_provider = new_provider
        self._uow = uow
        self._tokens = tokens

    @property
    def directory(self) -> TenantDirectory:
        return self._directory

    async def refresh(self) -> None:
        """Pick up tenant changes made elsewhere (cheap: at most one query per TTL)."""
        await self._directory.refresh()

    def tenant(self, tenant_id: str) -> TenantConfig:
        tenant = self._directory.get(tenant_id or DEFAULT_TENANT)
        if tenant is None:
            raise NotFound(resource_type="tenant", resource_id=tenant_id)
        return tenant

    def s2s(self, tenant_id: str) -> S2STokenProvider:
        tenant = self.tenant(tenant_id)
        provider = self._s2s.get(tenant.id)
        if provider is None or provider.tenant.s2s_credentials != tenant.s2s_credentials:
            provider = self._new_provider(tenant)
            self._s2s[tenant.id] = provider
        return provider

    async def resolve(self, ref: AccountRef) -> Actor:
        """The actor for ``ref``, or FAILED_PRECONDITION saying what is missing."""
        await self.refresh()
        if ref.oauth_user_id:
            async with self._uow() as uow:
                info = await uow.connections.get(ref.oauth_user_id)
            if info is None:
                raise not_connected(ref.oauth_user_id)
            if not info.usable:
                raise needs_reauthorization(ref.oauth_user_id)
            tenant = self.tenant(info.tenant)
            return Actor(
                tenant=tenant,
                auth=UserTokenSource(self._tokens, ref.oauth_user_id),
                oauth_user_id=ref.oauth_user_id,
                scopes=tuple(info.scopes),
                zoom_user_id=info.zoom_user_id,
                missing_scopes=info.missing_scopes,
            )
        tenant = self.tenant(ref.tenant_id)
        if not tenant.s2s_configured:
            raise not_configured_error(tenant.id)
        return Actor(tenant=tenant, auth=self.s2s(tenant.id))

    def require_user_oauth(self, tenant: TenantConfig) -> None:
        if not tenant.user_oauth_configured:
            raise FailedPrecondition(
                f"per-user Zoom OAuth is not configured for tenant {tenant.id!r}: set "
                "ZOOM_OAUTH_CLIENT_ID, ZOOM_OAUTH_CLIENT_SECRET and ZOOM_OAUTH_REDIRECT_URI",
                violations=[
                    PreconditionViolation(
                        "ZOOM_OAUTH_NOT_CONFIGURED",
                        tenant.id,
                        "set ZOOM_OAUTH_CLIENT_ID, ZOOM_OAUTH_CLIENT_SECRET and "
                        "ZOOM_OAUTH_REDIRECT_URI",
                    )
                ],
            )
