"""Sends one signed delivery to an endpoint over HTTP, safely.

Before every attempt the endpoint's host is resolved and each address checked against the
server-side request forgery rules (`domain.endpoint_urls`); the request then goes to the checked
address itself (the `Host` header and TLS server name stay the endpoint's host, so certificates
are verified as usual), so a name cannot be re-pointed at an internal address between the check
and the connection. Redirects are not followed (a 3xx is a failed attempt), the body read back is
capped, and nothing about the request — URL query, secret or signature — reaches a log line.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from types import TracebackType
from typing import Self

import httpx

from webhook_ingest.adapters.outgoing_repository import AttemptResult
from webhook_ingest.domain import endpoint_urls
from webhook_ingest.domain.endpoint_urls import IPAddress, UnsafeURL

SNIPPET_BYTES = 1024
USER_AGENT = "Classbridge-Webhooks/1.0"


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is itself)."""
    literal = endpoint_urls.literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = endpoint_urls.literal_address(str(info[4][0]).split("%")[0])
        if address is not None and address not in found:
            found.append(address)
    if not found:
        raise UnsafeURL("url host does not resolve")
    return found


class EndpointSender:
    """One HTTP client for every attempt of a worker (connections are reused per address)."""

    def __init__(
        self,
        *,
        timeout: float,
        allow_private: bool,
        http_hosts: Collection[str] = (),
        clock: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._http_hosts = frozenset(http_hosts)
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    async def check(self, url: str) -> None:
        """Raise `UnsafeURL` unless `url` may be called now (form, scheme and addresses)."""
        target = endpoint_urls.parse(url, http_hosts=self._http_hosts)
        for address in await resolve(target.host, target.port):
            endpoint_urls.check_address(address, allow_private=self._allow_private)

    async def send(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
        """POST `body` with `headers`; what came back (or why nothing did) as an attempt."""
        attempted_at = self._clock()
        started = time.monotonic()
        try:
            target = endpoint_urls.parse(url, http_hosts=self._http_hosts)
            addresses = await asyncio.wait_for(resolve(target.host, target.port), self._timeout)
            for address in addresses:
                endpoint_urls.check_address(address, allow_private=self._allow_private)
            return await self._post(target, addresses[0], body, headers, attempted_at, started)
        except UnsafeURL as refused:
            return self._failure(attempted_at, started, f"refused: {refused}")
        except (TimeoutError, httpx.TimeoutException):
            return self._failure(attempted_at, started, "timeout")
        except (OSError, httpx.HTTPError) as error:
            return self._failure(
                attempted_at, started, f"connection failed ({type(error).__name__})"
            )

    async def _post(
        self,
        target: endpoint_urls.TargetURL,
        address: IPAddress,
        body: bytes,
        headers: Mapping[str, str],
        attempted_at: datetime,
        started: float,
    ) -> AttemptResult:
        literal = f"[{address}]" if address.version == 6 else str(address)
        default_port = 443 if target.scheme == "https" else 80
        host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
        if ":" in target.host and target.port == default_port:
            host_header = f"[{target.host}]"
        request = self._client.build_request(
            "POST",
            f"{target.scheme}://{literal}:{target.port}{target.path}",
            content=body,
            headers={
                **headers,
                "host": host_header,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
            extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
        )
        response = await self._client.send(request, stream=True)
        try:
            snippet = bytearray()
            async for chunk in response.aiter_raw():
                snippet.extend(chunk)
                if len(snippet) >= SNIPPET_BYTES:
                    break
        finally:
            await response.aclose()
        success = 200 <= response.status_code < 300
        return AttemptResult(
            attempted_at=attempted_at,
            status_code=response.status_code,
            duration_ms=_elapsed_ms(started),
            response_snippet=bytes(snippet[:SNIPPET_BYTES]).decode("utf-8", "replace"),
            error="" if success else f"HTTP {response.status_code}",
            success=success,
        )

    def _failure(self, attempted_at: datetime, started: float, error: str) -> AttemptResult:
        return AttemptResult(
            attempted_at=attempted_at,
            status_code=0,
            duration_ms=_elapsed_ms(started),
            response_snippet="",
            error=error,
            success=False,
        )


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))
