"""A tenant: one Zoom account Classbridge works for, with its apps and limits."""

from __future__ import annotations

from dataclasses import dataclass

from zoom_gateway.domain.ratelimits import Category, Plan

DEFAULT_TENANT = "default"


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
    def user_oauth_configured(self) -> bool:
        return bool(self.oauth_client_id and self.oauth_client_secret and self.oauth_redirect_uri)
