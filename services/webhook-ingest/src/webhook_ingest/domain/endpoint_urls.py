"""Which URLs an outgoing webhook may be sent to (server-side request forgery guard).

A tenant admin chooses the URL, and Classbridge's servers call it: without a guard an endpoint
could make them reach the cloud metadata service, the cluster's own services or a database. The
rules, checked when an endpoint is saved and again, on the resolved addresses, before every
attempt (a name may resolve elsewhere later):

- `https` only; `http` only for `localhost` and the hosts in `OUTGOING_WEBHOOK_HTTP_HOSTS`.
- no user info (`user:pass@`), no fragment, at most 2048 characters.
- the host's addresses must be public: loopback, private (RFC 1918, ULA), shared (CGNAT) ones
  only with `OUTGOING_WEBHOOK_ALLOW_PRIVATE_ADDRESSES` (development and tests); link-local
  (169.254.0.0/16 — the metadata service — and fe80::/10), multicast, unspecified and reserved
  ones never.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why (safe to show to the admin)."""


@dataclass(frozen=True)
class TargetURL:
    """A checked URL, split into what the sender needs."""

    url: str
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def redacted(self) -> str:
        """Scheme, host and path only: a query string may carry a token, so logs get this."""
        return redact(self.url)


def redact(url: str) -> str:
    """`url` without its query string and fragment (and without user info)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if _port_or_none(url) is not None else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _port_or_none(url: str) -> int | None:
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def parse(url: str, *, http_hosts: Collection[str] = ()) -> TargetURL:
    """Check the URL's form and scheme; raises `UnsafeURL` naming the problem."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"url must be 1 to {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeURL("url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("url is not a valid URL") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not host:
        raise UnsafeURL("url must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("url must not carry user information")
    if parts.fragment:
        raise UnsafeURL("url must not have a fragment")
    if scheme == "http" and host not in LOCAL_HOSTS and host not in set(http_hosts):
        raise UnsafeURL("url must use https (http only for localhost and configured dev hosts)")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return TargetURL(
        url=url,
        scheme=scheme,
        host=host,
        port=port if port is not None else (443 if scheme == "https" else 80),
        path=path,
    )


def literal_address(host: str) -> IPAddress | None:
    """The address when `host` is an IP literal, else None (a name to resolve)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_address(address: IPAddress, *, allow_private: bool) -> None:
    """Raise `UnsafeURL` unless `address` may be called."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or str(address) == "fd00:ec2::254"  # the AWS metadata service over IPv6
    ):
        raise UnsafeURL("url points at a link-local, multicast or reserved address")
    if allow_private:
        return
    shared = isinstance(address, ipaddress.IPv4Address) and address in _SHARED
    if address.is_loopback or address.is_private or shared or not address.is_global:
        raise UnsafeURL("url points at a private or loopback address")


_SHARED = ipaddress.ip_network("100.64.0.0/10")
