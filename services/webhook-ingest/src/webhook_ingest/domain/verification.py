"""Deciding whether a received webhook is genuine, in the order the endpoint promises.

After the body has been read within its size limit, the checks run in this order, each with its
own status: content type (415), JSON syntax (400), timestamp window (401), signature (401), JSON
shape — an object with a string `event` (400). `endpoint.url_validation` is answered here; any
other genuine event is handed back for storing, with the tenant it belongs to. Nothing here
performs I/O, so the whole decision table is unit-tested without a server.

Which keys the signature is checked with depends on the tenant (`domain/tenancy.py`): on the
shared path, the keys of the tenant owning the named Zoom account (the default tenant's for an
account nobody claims, or none named); on a tenant's own path (`/zoom/webhook/{tenant}`), that
tenant's keys, and the account named, if any, must be that tenant's too (401 `wrong_account`,
checked only once the signature verified, so an unsigned probe learns nothing about who owns
which account).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webhook_ingest.domain import signature as sig
from webhook_ingest.domain.fields import mapping, text
from webhook_ingest.domain.tenancy import KeyTable, account_of

URL_VALIDATION = "endpoint.url_validation"


@dataclass(frozen=True, slots=True)
class Rejected:
    """The request is refused; nothing is stored."""

    status: int
    error: str
    message: str


@dataclass(frozen=True, slots=True)
class Challenge:
    """A genuine `endpoint.url_validation`: answer with `body`, store nothing."""

    body: dict[str, str]


@dataclass(frozen=True, slots=True)
class Genuine:
    """A signed, well-formed event to store and publish."""

    event: str
    payload: Mapping[str, Any]
    tenant_id: str
    unclaimed_account: str = ""
    """The account it names when no tenant claims it (the default keys verified it)."""


Verdict = Rejected | Challenge | Genuine


def content_type_is_json(content_type: str | None) -> bool:
    """True for `application/json` (any parameters) and `application/*+json`; a missing type is
    accepted too (liberal: Zoom always sends one, and the signature still has to match)."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def inspect(
    *,
    content_type: str | None,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    now: float,
    tolerance_seconds: float,
    keys: KeyTable | None = None,
    secrets: Sequence[str] = (),
    path_tenant: str | None = None,
) -> Verdict:
    """Decide what to do with one webhook request whose body was read within the size limit.

    `keys` is the current key table; `secrets` alone (no table) means a single default tenant
    with those keys. `path_tenant` is the tenant of the URL (`/zoom/webhook/{tenant}`), if any.
    """
    if not content_type_is_json(content_type):
        return Rejected(415, "unsupported_media_type", "the body must be application/json")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return Rejected(400, "invalid_json", "the body is not valid JSON")
    if not timestamp_header:
        return Rejected(401, "missing_timestamp", "x-zm-request-timestamp is required")
    request_time = sig.parse_timestamp(timestamp_header)
    if request_time is None:
        return Rejected(401, "invalid_timestamp", "x-zm-request-timestamp is not an epoch time")
    if not sig.within_window(request_time, now, tolerance_seconds):
        return Rejected(401, "stale_timestamp", "x-zm-request-timestamp is outside the window")
    if not signature_header:
        return Rejected(401, "missing_signature", "x-zm-signature is required")
    table = keys if keys is not None else KeyTable.build(secrets)
    account = account_of(document)
    tenant = table.for_account(account) if path_tenant is None else table.for_tenant(path_tenant)
    secret = sig.matching_secret(tenant.secrets, timestamp_header, body, signature_header)
    if secret is None:
        return Rejected(401, "invalid_signature", "the signature does not match")
    if path_tenant is not None and account and table.owner(account) != path_tenant:
        return Rejected(401, "wrong_account", "the event's account is not this tenant's")
    if not isinstance(document, dict):
        return Rejected(400, "invalid_event", "the body must be a JSON object")
    event = document.get("event")
    if not isinstance(event, str) or not event:
        return Rejected(400, "invalid_event", "the body must have a string `event`")
    if event == URL_VALIDATION:
        plain_token = text(mapping(document.get("payload")).get("plainToken"))
        if not plain_token:
            return Rejected(400, "invalid_event", "url_validation needs payload.plainToken")
        return Challenge(sig.url_validation_answer(secret, plain_token))
    unclaimed = account if account and path_tenant is None and not table.claims(account) else ""
    return Genuine(
        event=event, payload=document, tenant_id=tenant.tenant_id, unclaimed_account=unclaimed
    )
