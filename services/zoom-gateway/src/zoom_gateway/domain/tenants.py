"""A tenant: one Zoom account Classbridge works for, with its apps and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from zoom_gateway.domain.ratelimits import Category, Plan

DEFAULT_TENANT = "default"
TENANT_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
"""Lower-case letters, digits and '-', at most 64, not starting or ending with '-'."""


def valid_tenant_id(value: str) -> bool:
    """Whether ``value`` may name a tenant (it travels in tokens, URLs and metadata)."""
    return bool(TENANT_ID_RE.match(value))


@dataclass(frozen=True)
class TenantConfig:
    """Credentials and limits of one tenant. ``repr`` never shows a secret."""

    id: str
    account_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_redirect_uri: str = ""
    plan: Plan = Plan.BUSINESS
    create_meeting_category: Category = Category.MEDIUM
    name: str = ""
    webhook_secret_token: str = ""
    # the token before the last change, accepted until ``previous_webhook_valid_until``
    previous_webhook_secret_token: str = ""
    previous_webhook_valid_until: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"TenantConfig(id={self.id!r}, account_id={self.account_id!r}, "
            f"client_id={self.client_id!r}, s2s={self.s2s_configured}, "
            f"user_oauth={self.user_oauth_configured})"
        )

    __str__ = __repr__

    @property
    def s2s_configured(self) -> bool:
        return bool(self.account_id and self.client_id and self.client_secret)

    @property
    def s2s_credentials(self) -> tuple[str, str, str]:
        """What an S2S token was issued for: a cached token is void once this changes."""
        return (self.account_id, self.client_id, self.client_secret)

    @property
    def user_oauth_configured(self) -> bool:
        return bool(self.oauth_client_id and self.oauth_client_secret and self.oauth_redirect_uri)

    @property
    def webhook_secret_configured(self) -> bool:
        return bool(self.webhook_secret_token)

    def webhook_secret_tokens(self, now: datetime) -> list[str]:
        """Current first, then the previous one while its grace period lasts."""
        tokens = [self.webhook_secret_token] if self.webhook_secret_token else []
        if (
            self.previous_webhook_secret_token
            and self.previous_webhook_valid_until is not None
            and now < self.previous_webhook_valid_until
            and self.previous_webhook_secret_token not in tokens
        ):
            tokens.append(self.previous_webhook_secret_token)
        return tokens
