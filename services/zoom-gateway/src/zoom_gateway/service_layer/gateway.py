"""The gateway's handlers in one place, wired by ``bootstrap`` and called by the entry point."""

from __future__ import annotations

from dataclasses import dataclass

from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.service_layer.accounts import Accounts
from zoom_gateway.service_layer.meetings import Meetings
from zoom_gateway.service_layer.oauth import UserOAuth
from zoom_gateway.service_layer.recordings import Recordings
from zoom_gateway.service_layer.registrants import Registrants
from zoom_gateway.service_layer.tenants import TenantAdmin


@dataclass(frozen=True)
class ZoomGateway:
    zoom: ZoomClient
    accounts: Accounts
    meetings: Meetings
    recordings: Recordings
    oauth: UserOAuth
    tenants: TenantAdmin
    registrants: Registrants
