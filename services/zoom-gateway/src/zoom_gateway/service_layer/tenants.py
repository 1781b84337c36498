"""Tenant administration: create and read tenants, set their Zoom apps, publish webhook keys.

New server-to-server credentials are proven against Zoom (an ``account_credentials`` grant)
before anything is saved — outside any unit of work, so no transaction waits on Zoom — and a typo
never replaces working credentials. Each change is one unit of work, committed; after it the
local directory reloads at once and the tenant's cached S2S token is dropped (``Accounts.s2s``
replaces a provider whose credentials changed); other replicas follow within the directory TTL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypedDict, TypeGuard

import httpx

from classbridge_common.auth import Caller
from classbridge_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
)
from classbridge_common.paging import Cursor, decode_cursor, encode_cursor
from zoom_gateway.adapters.repositories.tenants import APP_FIELDS
from zoom_gateway.adapters.tenant_directory import TenantDirectory, TenantEntry
from zoom_gateway.adapters.token_provider import TokenEndpointError, post_token
from zoom_gateway.adapters.uow import UnitOfWorkFactory
from zoom_gateway.domain.tenants import TenantConfig, valid_tenant_id
from zoom_gateway.service_layer.access import administered_tenant
from zoom_gateway.service_layer.accounts import Accounts

log = logging.getLogger("zoom_gateway.tenants")

S2S_FIELDS = ("account_id", "client_id", "client_secret")


@dataclass(frozen=True)
class WebhookKeys:
    tenant_id: str
    account_id: str
    secret_tokens: list[str]

    def __repr__(self) -> str:
        return f"WebhookKeys(tenant_id={self.tenant_id!r}, <{len(self.secret_tokens)} hidden>)"


class AppChanges(TypedDict, total=False):
    """The :class:`TenantConfig` fields UpdateTenantZoomApps may set (:data:`APP_FIELDS`)."""

    account_id: str
    client_id: str
    oauth_client_id: str
    oauth_redirect_uri: str
    client_secret: str
    webhook_secret_token: str
    oauth_client_secret: str


def _only_app_fields(changes: Mapping[str, str]) -> TypeGuard[AppChanges]:
    return set(changes) <= set(APP_FIELDS)


class TenantAdmin:
    """The tenant methods of the gateway (access already narrowed by the caller checks)."""

    def __init__(
        self,
        *,
        accounts: Accounts,
        uow: UnitOfWorkFactory,
        http: httpx.AsyncClient,
        oauth_base_url: str,
        webhook_grace: timedelta = timedelta(hours=1),
        timeout: float = 15.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self._uow = uow
        self._http = http
        self._oauth_base_url = oauth_base_url
        self._webhook_grace = webhook_grace
        self._timeout = timeout
        self._now = now

    @property
    def _directory(self) -> TenantDirectory:
        return self._accounts.directory

    async def create(self, *, tenant_id: str, name: str, request_id: str) -> TenantEntry:
        """A new tenant with no Zoom apps yet; a repeat with the same ``request_id`` answers
        the tenant created the first time."""
        if not valid_tenant_id(tenant_id):
            raise InvalidArgument(
                "tenant_id must be 1-64 lower-case letters, digits or '-'",
                violations=[FieldViolation("tenant_id", "invalid")],
            )
        if len(name) > 200:
            raise InvalidArgument(
                "name is too long", violations=[FieldViolation("name", "at most 200")]
            )
        await self._directory.refresh()
        async with self._uow() as uow:
            existing = await uow.tenants.get(tenant_id)
            if existing is not None:
                if request_id and existing.request_id == request_id:
                    return self._entry(tenant_id)
                raise AlreadyExists(resource_type="tenant", resource_id=tenant_id)
            if self._directory.is_seeded(tenant_id):
                raise AlreadyExists(resource_type="tenant", resource_id=tenant_id)
            if not await uow.tenants.add(
                tenant_id=tenant_id,
                name=name or tenant_id,
                request_id=request_id or None,
                now=self._now(),
            ):
                # a concurrent create won: the same request's retry answers its tenant
                raced = await uow.tenants.get(tenant_id)
                if raced is None or not request_id or raced.request_id != request_id:
                    raise AlreadyExists(resource_type="tenant", resource_id=tenant_id)
            await uow.commit()
        await self._directory.reload()
        log.info("tenant created", extra={"tenant": tenant_id})
        return self._entry(tenant_id)

    def _entry(self, tenant_id: str) -> TenantEntry:
        entry = self._directory.entry(tenant_id)
        if entry is None:
            raise NotFound(resource_type="tenant", resource_id=tenant_id)
        return entry

    async def get(self, *, caller: Caller | None, tenant_id: str) -> TenantEntry:
        target = administered_tenant(caller, tenant_id)
        await self._directory.refresh()
        return self._entry(target)

    async def list_tenants(
        self, *, page_size: int, page_token: str
    ) -> tuple[list[TenantEntry], str]:
        """Tenants by id; the page token holds the last id of the previous page."""
        bound_to = {"list": "zoomgateway.ListTenants"}
        cursor = decode_cursor(page_token, bound_to, shape=(str,))
        after = str(cursor.key[0]) if cursor else ""
        await self._directory.refresh()
        entries = [e for e in self._directory.entries() if e.config.id > after]
        page = entries[:page_size]
        more = len(entries) > page_size
        token = encode_cursor(Cursor(key=(page[-1].config.id,)), bound_to) if more and page else ""
        return page, token

    async def update_apps(
        self,
        *,
        caller: Caller | None,
        tenant_id: str,
        changes: Mapping[str, str],
        validate_only: bool,
    ) -> TenantEntry:
        """Set the named Zoom app fields (an empty string clears one)."""
        target = administered_tenant(caller, tenant_id)
        await self._directory.refresh()
        entry = self._entry(target)
        fields = changes
        if not _only_app_fields(fields):
            unknown = set(changes) - set(APP_FIELDS)
            raise InvalidArgument(f"unknown fields: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            if len(value) > 2048:
                raise InvalidArgument(
                    f"{name} is too long", violations=[FieldViolation(name, "at most 2048")]
                )
        candidate = replace(entry.config, **fields)
        if any(f in changes for f in S2S_FIELDS) and candidate.s2s_configured:
            await self._prove_s2s(candidate)
        if validate_only:
            return TenantEntry(
                config=candidate,
                seeded=entry.seeded,
                stored=entry.stored,
                created_at=entry.created_at,
                updated_at=entry.updated_at,
            )
        now = self._now()
        async with self._uow() as uow:
            await uow.tenants.set_apps(
                tenant_id=target,
                name=entry.config.name or target,
                changes=changes,
                current_webhook_secret=entry.config.webhook_secret_token,
                previous_webhook_valid_until=now + self._webhook_grace,
                now=now,
            )
            await uow.commit()
        await self._directory.reload()
        log.info(
            "tenant zoom apps updated",
            extra={"tenant": target, "fields": sorted(changes)},  # names only, never values
        )
        return self._entry(target)

    async def _prove_s2s(self, tenant: TenantConfig) -> None:
        """FAILED_PRECONDITION naming what Zoom refused, unless it grants a token."""
        try:
            await post_token(
                self._http,
                oauth_base_url=self._oauth_base_url,
                client_id=tenant.client_id,
                client_secret=tenant.client_secret,
                data={"grant_type": "account_credentials", "account_id": tenant.account_id},
                timeout=self._timeout,
            )
        except TokenEndpointError as exc:
            log.warning(
                "new zoom s2s credentials refused",
                extra={"tenant": tenant.id, "status": exc.status, "oauth_error": exc.error},
            )
            reason = f": {exc.reason}" if exc.reason else ""
            raise FailedPrecondition(
                f"Zoom refused the server-to-server credentials ({exc.error}{reason}); "
                "nothing was saved",
                violations=[
                    PreconditionViolation(
                        type="ZOOM_CREDENTIALS_REJECTED",
                        subject=tenant.id,
                        description=exc.error,
                    )
                ],
            ) from None

    async def webhook_keys(self) -> list[WebhookKeys]:
        """Every tenant with a Zoom account or a webhook secret token: its tokens current first,
        then the previous one while its grace period lasts. A tenant with an account and no
        token is listed too, so its account is known as taken (no other tenant's key may sign
        for it)."""
        await self._directory.refresh()
        now = self._now()
        out = []
        for entry in self._directory.entries():
            tokens = entry.config.webhook_secret_tokens(now)
            if tokens or entry.config.account_id:
                out.append(
                    WebhookKeys(
                        tenant_id=entry.config.id,
                        account_id=entry.config.account_id,
                        secret_tokens=tokens,
                    )
                )
        return out
