"""Serving a Starlette app with uvicorn inside a service's own lifecycle.

Services bind their socket first (so port 0 gives a known port before anything starts, and several
worker processes can share one socket), then run uvicorn as a task of their `running(...)`
lifecycle. uvicorn's own signal handling is switched off: the service's command line owns
SIGTERM and stops every part of the service in order, the HTTP server draining in-flight requests.

Every app is served behind :class:`LingeringClose`: an answer given before the request's body was
read (a 413 for a body over the limit, a 401 before the body matters) is written at once, then
the rest of the body is read and thrown away — up to ``drain_bytes`` and ``drain_seconds`` — before
the answer is completed and the connection may close. Closing a socket with unread bytes makes
the kernel send a reset, and a client that writes its whole body before reading (Python's urllib,
which also asks for ``Connection: close``) then sees "connection reset" instead of the answer.
nginx calls this a lingering close. Both bounds hold whatever the client declares, so nobody can
hold a connection open with an endless or trickling body.

Every accepted connection has ``TCP_NODELAY``, whatever the event loop: without it Nagle's
algorithm holds a keep-alive connection's next small answer until the client's delayed ACK, a
stall of about 40 ms per reused connection. The listening socket is created with
``IPPROTO_TCP`` (asyncio's own loop only sets the option on sockets whose protocol says TCP) and
uvicorn's protocol sets it once more as each connection is made (uvloop, or a socket bound
elsewhere and handed in).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from typing import Any, cast

import uvicorn

__all__ = [
    "DRAIN_BYTES",
    "DRAIN_SECONDS",
    "LingeringClose",
    "bind_socket",
    "serving_http",
    "set_nodelay",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: At most this much of an unread body is read and discarded after an early answer; a body
#: declared larger is not drained at all (the connection closes as before).
DRAIN_BYTES = 64 * 1024 * 1024
#: ... and for at most this long in all,
DRAIN_SECONDS = 5.0
#: ... giving up as soon as the client sends nothing for this long.
DRAIN_IDLE_SECONDS = 1.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service's lifecycle owns SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _body_declared(scope: Scope) -> tuple[bool, int | None]:
    """Whether the request has a body at all, and its declared length (None when chunked)."""
    has_body, length, expects_continue = False, None, False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            length = int(text) if text.isdigit() else None
            has_body = has_body or length != 0
        elif name == b"transfer-encoding":
            has_body = True
        elif name == b"expect" and value.lower() == b"100-continue":
            expects_continue = True
    # A client waiting for "100 Continue" never got it (the answer came first), so it sends no
    # body; there is nothing to drain and waiting for one would only delay the answer.
    return has_body and not expects_continue, length


class LingeringClose:
    """Reads and discards what is left of a request body after the app answered early.

    The app's final ``http.response.body`` goes out immediately (as a non-final chunk); then the
    body is drained through ``receive`` until its end, a disconnect, ``max_bytes``,
    ``max_seconds`` in all or ``idle_seconds`` of silence, and only then is the answer completed.
    Requests whose body the app read to the end pay nothing but a flag.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = DRAIN_BYTES,
        max_seconds: float = DRAIN_SECONDS,
        idle_seconds: float = DRAIN_IDLE_SECONDS,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.idle_seconds = idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        has_body, declared = _body_declared(scope)
        if not has_body:
            await self.app(scope, receive, send)
            return
        received = 0
        body_done = False

        async def tracking_receive() -> Message:
            nonlocal received, body_done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = body_done or not message.get("more_body", False)
            else:  # http.disconnect: nothing more will come
                body_done = True
            return message

        async def drain() -> None:
            loop = asyncio.get_running_loop()
            end = loop.time() + self.max_seconds
            budget = received + self.max_bytes
            while not body_done and received <= budget:
                wait = min(end - loop.time(), self.idle_seconds)
                if wait <= 0:
                    return
                try:
                    async with asyncio.timeout(wait):
                        await tracking_receive()
                except TimeoutError:
                    return

        async def lingering_send(message: Message) -> None:
            if (
                body_done
                or message["type"] != "http.response.body"
                or message.get("more_body", False)
                or (declared is not None and declared - received > self.max_bytes)
            ):
                await send(message)
                return
            await send({**message, "more_body": True})  # the answer is on the wire now
            await drain()
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, tracking_receive, lingering_send)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """``TCP_NODELAY`` on the TCP socket under ``transport`` (nothing for other sockets)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _nodelay_protocol(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """``base`` (uvicorn's HTTP protocol) setting ``TCP_NODELAY`` as each connection is made."""

    def connection_made(self: asyncio.Protocol, transport: asyncio.BaseTransport) -> None:
        set_nodelay(transport)
        base.connection_made(self, transport)

    made = type(f"NoDelay{base.__name__}", (base,), {"connection_made": connection_made})
    return cast("type[asyncio.Protocol]", made)


def _http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's ``auto`` choice (httptools when installed, else h11), with ``TCP_NODELAY``."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    return _nodelay_protocol(AutoHTTPProtocol)


def bind_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A listening, non-blocking TCP socket on ``host:port`` (0: any free port).

    Created with ``IPPROTO_TCP`` rather than protocol 0: asyncio sets ``TCP_NODELAY`` on the
    connections it accepts only when the socket's protocol says TCP.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()  # a port in use must not also leak the socket
        raise
    return sock


@contextlib.asynccontextmanager
async def serving_http(
    app: Any,
    sock: socket.socket,
    *,
    name: str = "http",
    graceful_shutdown: float = 10,
    keep_alive: float = 30,
    close_socket: bool = True,
    drain_bytes: int = DRAIN_BYTES,
    drain_seconds: float = DRAIN_SECONDS,
) -> AsyncIterator[int]:
    """Serve ``app`` on ``sock`` until the block exits; yields the bound port.

    httptools and uvloop are used when installed (uvicorn's ``auto``), and every accepted
    connection gets ``TCP_NODELAY`` (:func:`set_nodelay`); no access log (one log
    line per request halves a hot endpoint's rate, and URLs may carry what logs must not).
    ``drain_bytes`` and ``drain_seconds`` bound the lingering close (see :class:`LingeringClose`;
    ``drain_bytes=0`` turns it off).
    """
    server = _Server(
        uvicorn.Config(
            LingeringClose(app, max_bytes=drain_bytes, max_seconds=drain_seconds),
            http=_http_protocol(),
            lifespan="off",
            access_log=False,
            log_config=None,
            timeout_keep_alive=int(keep_alive),
            timeout_graceful_shutdown=int(graceful_shutdown),
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"the {name} server stopped during start-up")
            await asyncio.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
        if close_socket:
            sock.close()
