"""The one page-token codec of Classbridge (every List method), and offset pages built on it.

A page token is opaque to callers. Inside it is a versioned JSON body and a checksum over it,
both base64url (``<body>.<check>``), so a token that was truncated, edited or made up is refused
before anything in it is read. The body names the kind of position it carries and a fingerprint
of the filters it was issued for, so a token replayed with other filters (or by a listing of the
other kind) is INVALID_ARGUMENT instead of a silently wrong page. Every malformed token is
INVALID_ARGUMENT on ``page_token``, never an internal error.

Two typed positions cover every listing:

- :class:`Offset` — offset pages (scheduler, recording-sync): :func:`page_request` and
  :meth:`PageRequest.next_token` (or :func:`encode_offset`/:func:`decode_offset`);
- :class:`Cursor` — cursor pages: a keyset position (a tuple of ints and strings: the sort key
  of the last row returned, a date window, …) and/or the page token of an upstream API that is
  followed behind ours (Zoom's ``next_page_token``). :func:`encode_cursor` and
  :func:`decode_cursor` (which checks the key's shape) are all a listing needs.

Each listing keeps its own paging semantics; only the encoding lives here.

The checksum is a fixed-key HMAC: it makes tokens tamper-*evident* (any edit is detected), not
secret-keyed — a position says nothing a caller could not ask for with another request, and
every read is still scoped to the caller's tenant.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from classbridge_common.errors import InvalidArgument, invalid_field

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "TOKEN_VERSION",
    "Cursor",
    "KeyPart",
    "Offset",
    "PageRequest",
    "decode_cursor",
    "decode_offset",
    "encode_cursor",
    "encode_offset",
    "fingerprint",
    "page_request",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

TOKEN_VERSION = 1
"""The body's ``v``: bumped when the body changes, so older tokens are refused cleanly."""

MAX_TOKEN_LENGTH = 2048
"""The longest token accepted (the edge accepts no longer ``page_token`` either)."""

_CHECK_KEY = b"classbridge.paging.v1"
_CHECK_BYTES = 12
_INT_MAX = 2**63 - 1  # every position must fit a BIGINT / protobuf int64
_MAX_TEXT = 1024

KeyPart = int | str
"""One element of a cursor's keyset position."""


@dataclass(frozen=True, slots=True)
class Offset:
    """An offset page's position: how many matching rows come before it."""

    offset: int


@dataclass(frozen=True, slots=True)
class Cursor:
    """A cursor page's position.

    ``key`` is where a keyset listing resumes (ints and strings only, for example the last id
    returned); ``upstream`` is the upstream API's own page token to resume with ("" for none).
    """

    key: tuple[KeyPart, ...] = ()
    upstream: str = ""


def _bad_token() -> InvalidArgument:
    return invalid_field("page_token", "not a token this method issued")


def _wrong_filters() -> InvalidArgument:
    return invalid_field("page_token", "the token was issued for other filters")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    # validate=True: characters outside the alphabet are an error, not silently dropped
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)


def _check(body: bytes) -> bytes:
    return hmac.new(_CHECK_KEY, body, hashlib.sha256).digest()[:_CHECK_BYTES]


def fingerprint(filters: Any) -> str:
    """A short digest of ``filters`` (any JSON-able value; dates and the like via ``str``)."""
    raw = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _seal(body: Mapping[str, Any]) -> str:
    raw = json.dumps(
        {"v": TOKEN_VERSION, **body}, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")
    token = f"{_b64(raw)}.{_b64(_check(raw))}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("the page position does not fit a page token")
    return token


def _open(token: str, kind: Literal["o", "c"], issued_for: str) -> dict[str, Any]:
    """The body of ``token`` after checking its form, checksum, version, kind and filters."""
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise _bad_token()
    body_text, dot, check_text = token.partition(".")
    if not dot:
        raise _bad_token()
    try:
        raw, check = _unb64(body_text), _unb64(check_text)
    except (ValueError, binascii.Error):
        raise _bad_token() from None
    if not hmac.compare_digest(check, _check(raw)):
        raise _bad_token()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise _bad_token() from None
    if not isinstance(data, dict) or data.get("v") != TOKEN_VERSION or data.get("k") != kind:
        raise _bad_token()
    if data.get("f") != issued_for:
        raise _wrong_filters()
    return data


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and -_INT_MAX <= value <= _INT_MAX


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= _MAX_TEXT


# ---- cursor pages ---------------------------------------------------------------------------


def encode_cursor(cursor: Cursor, filters: Any) -> str:
    """The opaque token of ``cursor`` for a listing with ``filters`` (any JSON-able value)."""
    for part in cursor.key:
        if not (_is_int(part) or _is_text(part)):
            raise ValueError(f"cursor key parts must be int64 or short strings: {part!r}")
    if not _is_text(cursor.upstream):
        raise ValueError("the upstream token is too long")
    return _seal({"k": "c", "f": fingerprint(filters), "c": list(cursor.key), "u": cursor.upstream})


def decode_cursor(
    token: str, filters: Any, *, shape: tuple[type[int] | type[str], ...]
) -> Cursor | None:
    """The cursor in ``token`` (``None`` for "", the first page), its key of exactly ``shape``.

    INVALID_ARGUMENT on ``page_token`` when the token is not one :func:`encode_cursor` issued
    with a key of that shape, or was issued for other ``filters``.
    """
    if not token:
        return None
    data = _open(token, "c", fingerprint(filters))
    key, upstream = data.get("c"), data.get("u")
    if not isinstance(key, list) or len(key) != len(shape) or not _is_text(upstream):
        raise _bad_token()
    for part, expected in zip(key, shape, strict=True):
        if not (_is_int(part) if expected is int else _is_text(part)):
            raise _bad_token()
    return Cursor(key=tuple(key), upstream=upstream)


# ---- offset pages ---------------------------------------------------------------------------


def _offset_token(position: Offset, issued_for: str) -> str:
    if not _is_int(position.offset) or position.offset < 0:
        raise ValueError(f"an offset must be a non-negative int64: {position.offset!r}")
    return _seal({"k": "o", "f": issued_for, "o": position.offset})


def _offset_of(token: str, issued_for: str) -> Offset:
    offset = _open(token, "o", issued_for).get("o")
    if not _is_int(offset) or offset < 0:
        raise _bad_token()
    return Offset(offset=offset)


def encode_offset(position: Offset, filters: Any) -> str:
    """The opaque token of an offset page for a listing with ``filters``."""
    return _offset_token(position, fingerprint(filters))


def decode_offset(token: str, filters: Any) -> Offset | None:
    """The offset in ``token`` (``None`` for "", the first page); INVALID_ARGUMENT on
    ``page_token`` when it is not one :func:`encode_offset` issued for ``filters``."""
    return _offset_of(token, fingerprint(filters)) if token else None


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
        return _offset_token(Offset(following), self.fingerprint)


def page_request(page_size: int, page_token: str, filters: Any, *, listing: str) -> PageRequest:
    """Validate ``page_size``/``page_token`` for the list named ``listing`` (its RPC, say) with
    ``filters`` (any JSON-able value).

    The name is part of what a token is bound to: two lists filtered alike (sessions and lessons
    of one session) would otherwise take each other's tokens, an offset into the wrong list.
    """
    if page_size < 0:
        raise invalid_field("page_size", "must not be negative")
    limit = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    issued_for = fingerprint([listing, filters])
    offset = _offset_of(page_token, issued_for).offset if page_token else 0
    return PageRequest(offset=offset, limit=limit, fingerprint=issued_for)
