"""Following Zoom's ``next_page_token`` pagination, behind Classbridge page tokens.

Zoom's token never reaches a caller as is: it travels as the upstream token of a
:class:`classbridge_common.paging.Cursor`, bound to the request's filters by the one page-token
codec, so a token of one listing is INVALID_ARGUMENT for another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from classbridge_common.paging import Cursor, decode_cursor, encode_cursor
from zoom_gateway.adapters.zoom_client import ZoomResponse
from zoom_gateway.domain.deadline import Deadline

MAX_PAGES = 1000  # a guard against a Zoom that never stops handing out tokens


def zoom_token_of(page_token: str, filters: Any) -> str:
    """Zoom's ``next_page_token`` inside our ``page_token`` ("" for the first page)."""
    cursor = decode_cursor(page_token, filters, shape=())
    return cursor.upstream if cursor else ""


def page_token_for(zoom_token: str, filters: Any) -> str:
    """Our ``next_page_token`` around Zoom's ("" at the end)."""
    return encode_cursor(Cursor(upstream=zoom_token), filters) if zoom_token else ""


async def collect_pages(
    fetch: Callable[[str], Awaitable[ZoomResponse]],
    *,
    key: str,
    first_token: str = "",
    all_pages: bool,
    deadline: Deadline,
) -> tuple[list[dict[str, Any]], str, int]:
    """Items under ``key`` of one page (or of every page when ``all_pages``), the next token
    (empty at the end) and Zoom's ``total_records``."""
    items: list[dict[str, Any]] = []
    token = first_token
    total = 0
    for _ in range(MAX_PAGES):
        body = (await fetch(token)).body or {}
        items.extend(body.get(key) or [])
        total = int(body.get("total_records") or total or 0)
        token = str(body.get("next_page_token") or "")
        if not all_pages or not token or deadline.expired:
            break
    return items, token, total or len(items)
