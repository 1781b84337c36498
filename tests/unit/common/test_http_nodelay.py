"""Every accepted connection has TCP_NODELAY, whatever the event loop.

Without it Nagle's algorithm meets the client's delayed ACK and every answer on a reused
keep-alive connection waits about 40 ms. The check is the socket option itself, read from the
server's end of a real keep-alive connection (found among this process's file descriptors),
never a timing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from classbridge_common.http import bind_socket, serving_http

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self/fd to find the server's end"
)

Runner = Callable[[Coroutine[Any, Any, None]], None]
LOOPS: dict[str, Runner] = {"asyncio": asyncio.run, "uvloop": uvloop.run}


def _protocol_zero_socket() -> socket.socket:
    """A listening socket bound as the services bound theirs before: protocol 0."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    return sock


SOCKETS: dict[str, Callable[[], socket.socket]] = {
    "bind_socket": lambda: bind_socket("127.0.0.1", 0),
    "protocol-0 socket": _protocol_zero_socket,
}


async def _hello(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def server_end_nodelay(server: tuple[str, int], client: tuple[str, int]) -> int:
    """TCP_NODELAY of this process's socket connected from `client` to `server`."""
    for name in os.listdir("/proc/self/fd"):
        try:
            dup = os.dup(int(name))
        except OSError:
            continue
        try:
            sock = socket.socket(fileno=dup)
        except OSError:
            os.close(dup)
            continue
        with sock:
            try:
                if sock.getsockname() == server and sock.getpeername() == client:
                    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            except OSError:
                continue
    raise AssertionError(f"no socket of this process is connected from {client} to {server}")


async def _two_requests_on_one_connection(make_socket: Callable[[], socket.socket]) -> int:
    app = Starlette(routes=[Route("/hello", _hello)])
    async with serving_http(app, make_socket(), keep_alive=5) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(2):  # the second answer is the one Nagle would hold back
                writer.write(b"GET /hello HTTP/1.1\r\nHost: test\r\n\r\n")
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200"), head
                assert b"connection: close" not in head.lower()
                assert await reader.readexactly(2) == b"ok"
            client = writer.get_extra_info("sockname")
            return server_end_nodelay(("127.0.0.1", port), client)
        finally:
            writer.close()
            await writer.wait_closed()


@pytest.mark.parametrize("loop_name", LOOPS)
@pytest.mark.parametrize("socket_name", SOCKETS)
def test_a_kept_alive_connection_has_tcp_nodelay(loop_name: str, socket_name: str) -> None:
    found: list[int] = []

    async def scenario() -> None:
        found.append(await _two_requests_on_one_connection(SOCKETS[socket_name]))

    LOOPS[loop_name](scenario())
    assert found, "the scenario did not run"
    assert found[0] != 0, f"TCP_NODELAY off on {loop_name} with a {socket_name}"


def test_bind_socket_says_tcp() -> None:
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_the_finder_sees_an_unset_option(tmp_path: Path) -> None:
    """The check can fail: a plain accepted socket (no server of ours) reports 0."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = listener.accept()
            with accepted:
                accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
                assert server_end_nodelay(("127.0.0.1", port), client.getsockname()) == 0
