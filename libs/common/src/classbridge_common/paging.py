"""Offset pages behind opaque tokens bound to the request's filters (every List method).

A token carries the next offset and a fingerprint of the filters it was issued for, so a token
replayed with other filters is INVALID_ARGUMENT instead of a silently wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from classbridge_common.errors import invalid_field

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "PageRequest", "page_request"]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    fingerprint: str

    def next_token(self, total: int) -> str:
        """The token of the following page, or "" when this one is the last."""
        following = self.offset + self.limit
        if following >= total:
            return ""
        raw = json.dumps({"o": following, "f": self.fingerprint}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _fingerprint(filters: Any) -> str:
    raw = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def page_request(page_size: int, page_token: str, filters: Any) -> PageRequest:
    """Validate ``page_size``/``page_token`` for a list with ``filters`` (any JSON-able value)."""
    if page_size < 0:
        raise invalid_field("page_size", "must not be negative")
    limit = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    fingerprint = _fingerprint(filters)
    if not page_token:
        return PageRequest(offset=0, limit=limit, fingerprint=fingerprint)
    try:
        padded = page_token + "=" * (-len(page_token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(data["o"])
        issued_for = str(data["f"])
    except (ValueError, KeyError, TypeError):
        raise invalid_field("page_token", "not a token this method issued") from None
    if offset < 0 or issued_for != fingerprint:
        raise invalid_field("page_token", "the token was issued for other filters")
    return PageRequest(offset=offset, limit=limit, fingerprint=fingerprint)
