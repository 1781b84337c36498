"""A course platform's webhook receiver for the tests: a real HTTP server on a free port.

It records every request (headers and raw body) and answers what the test tells it to (fail the
next N requests, always answer some status). Signatures are checked by the tests with the
official `standardwebhooks` library, never with Classbridge's own signer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from classbridge_common.http import bind_socket, serving_http


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """What the receiver got and how it answers."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many more requests
    status: int = 200  # the answer otherwise

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.answered < 300]

    async def _hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        if self.fail_next > 0:
            self.fail_next -= 1
            answered = 500
        else:
            answered = self.status
        self.requests.append(Received(dict(request.headers), body, answered))
        return PlainTextResponse("ok" if answered < 300 else "receiver down " * 200, answered)


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hooks/classbridge", receiver._hook, methods=["POST"])])
    sock = bind_socket("127.0.0.1", 0)
    async with serving_http(app, sock, graceful_shutdown=1) as port:
        receiver.url = f"http://127.0.0.1:{port}/hooks/classbridge?token=platform-side-token"
        yield receiver
