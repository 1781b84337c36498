"""Which tenant a webhook belongs to, which keys may sign it, and how far an admin sees.

One deployment receives the webhooks of every school (tenant). Zoom names the sending account in
`payload.account_id`; the tenant that owns that account — and only that tenant's secret tokens —
decide whether the webhook is genuine. A body signed with tenant A's secret that names tenant B's
account is therefore refused: A cannot inject events into B, whichever path it posts to.

The keys come as a :class:`KeyTable`, an immutable snapshot rebuilt on every refresh (so the hot
path does two dict look-ups and never waits for I/O). The env-configured secrets are the keys of
the default tenant, which also owns every account no tenant claims. Nothing here performs I/O.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from classbridge_common.auth import DEFAULT_TENANT
from webhook_ingest.domain.fields import mapping, text

log = logging.getLogger(__name__)

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
"""What a tenant id looks like (as the gateway's `Tenant.id`): also what a webhook path accepts."""


def account_of(document: Any) -> str:
    """The Zoom account a webhook names: `payload.account_id`, else a top-level `account_id`,
    else `payload.object.account_id`; "" when it names none (url_validation, odd events).

    The one reading of the account, used both to choose the verifying keys and for the published
    `context.account_id`, so the two can never disagree.
    """
    if not isinstance(document, Mapping):
        return ""
    payload = mapping(document.get("payload"))
    return (
        text(payload.get("account_id"))
        or text(document.get("account_id"))
        or text(mapping(payload.get("object")).get("account_id"))
    )


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One tenant's webhook keys as zoom-gateway lists them (`WebhookKey`)."""

    tenant_id: str
    account_id: str
    secret_tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TenantKeys:
    """The secret tokens that may sign webhooks of `tenant_id` (current first)."""

    tenant_id: str
    secrets: tuple[str, ...]


_NO_KEYS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyTable:
    """An immutable snapshot: account → owning tenant's keys, tenant → keys, and the default.

    An account claimed by two tenants is *contested*: it verifies with no key at all (every such
    webhook is refused) until the gateway's data is fixed, rather than guessing an owner.
    """

    default: TenantKeys
    by_account: Mapping[str, TenantKeys] = field(default_factory=dict)
    by_tenant: Mapping[str, TenantKeys] = field(default_factory=dict)

    @classmethod
    def build(cls, default_secrets: Iterable[str], entries: Iterable[KeyEntry] = ()) -> KeyTable:
        """The table for the env secrets (default tenant) plus the gateway's `entries`."""
        tokens: dict[str, list[str]] = {DEFAULT_TENANT: list(dict.fromkeys(default_secrets))}
        owners: dict[str, str] = {}
        contested: set[str] = set()
        for entry in entries:
            if not TENANT_ID.match(entry.tenant_id):
                log.warning("ignoring webhook keys of an invalid tenant id")
                continue
            known = tokens.setdefault(entry.tenant_id, [])
            known.extend(t for t in entry.secret_tokens if t and t not in known)
            if not entry.account_id:
                continue
            owner = owners.setdefault(entry.account_id, entry.tenant_id)
            if owner != entry.tenant_id:
                contested.add(entry.account_id)
        by_tenant = {tenant: TenantKeys(tenant, tuple(keys)) for tenant, keys in tokens.items()}
        by_account = {account: by_tenant[tenant] for account, tenant in owners.items()}
        for account in contested:
            log.error("Zoom account %s is claimed by several tenants; refused", account)
            by_account[account] = TenantKeys("", _NO_KEYS)
        return cls(default=by_tenant[DEFAULT_TENANT], by_account=by_account, by_tenant=by_tenant)

    def for_account(self, account_id: str) -> TenantKeys:
        """The keys of the tenant owning `account_id` (the default tenant's if none claims it)."""
        return self.by_account.get(account_id, self.default) if account_id else self.default

    def for_tenant(self, tenant_id: str) -> TenantKeys:
        """The keys of `tenant_id` (none for a tenant the table does not know)."""
        return self.by_tenant.get(tenant_id) or TenantKeys(tenant_id, _NO_KEYS)

    def claims(self, account_id: str) -> bool:
        """Does some tenant (the default one included) claim ``account_id``?"""
        return account_id in self.by_account

    def owner(self, account_id: str) -> str:
        """The tenant owning `account_id` ("" when contested, the default when unclaimed)."""
        return self.for_account(account_id).tenant_id


__all__ = [
    "TENANT_ID",
    "KeyEntry",
    "KeyTable",
    "TenantKeys",
    "account_of",
]
