"""gRPC server bootstrap: one way for every Classbridge service to serve.

:class:`GrpcServer` is an async context manager that registers the service's servicers, the
standard health service (SERVING per service and overall; NOT_SERVING as soon as shutdown
starts, so probes and load balancers stop sending), reflection for the registered services,
tracing and our interceptors, binds the port (0 = ephemeral; the bound one is ``.port``) and,
on leaving, stops gracefully with a grace period for in-flight calls. :func:`serve` runs one
until SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeAlias, TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

# grpcio-reflection ships no types (types-grpcio-reflection is not a dependency yet).
from grpc_reflection.v1alpha import reflection  # type: ignore[import-untyped]
from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters
from opentelemetry.trace import TracerProvider

from classbridge_common.auth import TokenVerifier
from classbridge_common.authz import Policy
from classbridge_common.grpc.client import ChannelOption
from classbridge_common.grpc.interceptors import (
    HEALTH_SERVICE,
    OPEN_SERVICES,
    UNTRACED_SERVICES,
    default_server_interceptors,
)
from classbridge_common.grpc.metrics import MetricsInterceptor

logger = logging.getLogger(__name__)

S = TypeVar("S")

AddServicer: TypeAlias = Callable[[S, grpc.aio.Server], None]
"""A generated ``add_XServicer_to_server(servicer, server)`` function for servicers ``S``."""

Servicer: TypeAlias = tuple[AddServicer[Any], Any]
"""``(add_XServicer_to_server, servicer)``. Each pair has its own servicer type, which a
sequence of pairs cannot state (it would need an existential type), hence ``Any`` here."""

MiB = 1024 * 1024


class _RecordingServer(grpc.aio.Server):
    """Stands in for the server while generated ``add_*_to_server`` functions run, to learn
    the service names they register (for health and reflection); all else goes to the server."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server
        self.service_names: list[str] = []

    def add_generic_rpc_handlers(self, handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        handlers = tuple(handlers)
        for handler in handlers:
            name = getattr(handler, "service_name", None)
            if callable(name):
                self._remember(name())
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(
        self, service_name: str, method_handlers: Mapping[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        self._remember(service_name)
        self._server.add_registered_method_handlers(service_name, method_handlers)

    def _remember(self, name: str) -> None:
        if name not in self.service_names:
            self.service_names.append(name)

    def add_insecure_port(self, address: str) -> int:
        return self._server.add_insecure_port(address)

    def add_secure_port(self, address: str, server_credentials: grpc.ServerCredentials) -> int:
        return self._server.add_secure_port(address, server_credentials)

    async def start(self) -> None:
        await self._server.start()

    async def stop(self, grace: float | None) -> None:
        await self._server.stop(grace)

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 - grpc.aio's signature
        return await self._server.wait_for_termination(timeout)

    def __getattr__(self, name: str) -> object:
        return getattr(self._server, name)


def server_options(
    *,
    max_message_bytes: int = 16 * MiB,
    keepalive_time_ms: int = 60_000,
    keepalive_timeout_ms: int = 20_000,
    min_client_ping_interval_ms: int = 10_000,
) -> list[ChannelOption]:
    """Channel arguments for servers: message limits, keepalive, no port sharing."""
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", min_client_ping_interval_ms),
        ("grpc.http2.max_pings_without_data", 0),
        # Two processes must never share a port by accident (ephemeral ports in tests).
        ("grpc.so_reuseport", 0),
    ]


class GrpcServer:
    """One gRPC server with health, reflection, tracing and Classbridge interceptors.

    ``servicers`` is a list of ``(add_XServicer_to_server, servicer)`` pairs.
    ``verifier=None`` disables authentication (tests and local tools only). ``policies`` are
    the access rules of the served services (:mod:`classbridge_common.authz`): every service
    passes its own, so a call no rule admits is refused before its handler runs.
    """

    def __init__(
        self,
        *,
        servicers: Sequence[Servicer],
        verifier: TokenVerifier | None,
        host: str = "[::]",
        port: int = 0,
        grace: float = 10.0,
        default_timeout: float = 30.0,
        max_message_bytes: int = 16 * MiB,
        open_services: Iterable[str] = OPEN_SERVICES,
        extra_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        tracer_provider: TracerProvider | None = None,
        options: Sequence[ChannelOption] = (),
        policies: Sequence[Policy] | None = None,
    ) -> None:
        self._servicers = list(servicers)
        self._verifier = verifier
        self._policies = None if policies is None else list(policies)
        self._host = host
        self._requested_port = port
        self.grace = grace
        self._default_timeout = default_timeout
        self._max_message_bytes = max_message_bytes
        self._open_services = frozenset(open_services)
        self._extra_interceptors = list(extra_interceptors)
        self._tracer_provider = tracer_provider
        self._options = list(options)
        self._server: grpc.aio.Server | None = None
        self._stopping = False
        self._shutdown_requested = asyncio.Event()
        self._serving = asyncio.Event()
        self.health = HealthServicer()
        self.service_names: list[str] = []
        self.port = 0

    @property
    def address(self) -> str:
        """``host:port`` of the bound server (``localhost`` when bound to every interface)."""
        host = "localhost" if self._host in ("[::]", "0.0.0.0") else self._host  # noqa: S104
        return f"{host}:{self.port}"

    async def start(self) -> None:
        """Build, register, bind and start; health turns SERVING once the server runs."""
        if self._server is not None:
            raise RuntimeError("server already started")
        if self._verifier is None:
            logger.warning("gRPC server started without caller authentication")
        # opentelemetry-instrumentation-grpc leaves this factory unannotated.
        tracing: grpc.aio.ServerInterceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
            tracer_provider=self._tracer_provider,
            filter_=filters.negate(
                filters.any_of(*(filters.service_name(s) for s in sorted(UNTRACED_SERVICES)))
            ),
        )
        interceptors = [
            tracing,
            MetricsInterceptor(),  # outside error mapping: it sees each call's final status
            *default_server_interceptors(
                verifier=self._verifier,
                default_timeout=self._default_timeout,
                open_services=self._open_services,
                policies=self._policies,
            ),
            *self._extra_interceptors,
        ]
        server = grpc.aio.server(
            interceptors=interceptors,
            options=[*server_options(max_message_bytes=self._max_message_bytes), *self._options],
        )
        recorder = _RecordingServer(server)
        for add, servicer in self._servicers:
            add(servicer, recorder)
        self.service_names = list(recorder.service_names)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable_server_reflection(
            [*self.service_names, HEALTH_SERVICE, reflection.SERVICE_NAME], server
        )
        port = server.add_insecure_port(f"{self._host}:{self._requested_port}")
        if port == 0:
            raise RuntimeError(f"could not bind gRPC port {self._host}:{self._requested_port}")
        self.port = port
        self._server = server
        await server.start()
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._serving.set()
        logger.info("gRPC server listening on port %d (%s)", port, ", ".join(self.service_names))

    async def stop(self, grace: float | None = None) -> None:
        """Health NOT_SERVING, refuse new calls, let in-flight calls finish within ``grace``."""
        if self._server is None or self._stopping:
            return
        self._stopping = True
        await self.health.enter_graceful_shutdown()
        grace = self.grace if grace is None else grace
        logger.info("gRPC server stopping (grace %.1fs)", grace)
        await self._server.stop(grace)

    async def wait_until_serving(self) -> None:
        """Return once the server has started and health says SERVING."""
        await self._serving.wait()

    def request_shutdown(self) -> None:
        """Ask :meth:`wait_for_shutdown_request` to return (what SIGTERM/SIGINT do)."""
        self._shutdown_requested.set()

    async def wait_for_shutdown_request(self) -> None:
        await self._shutdown_requested.wait()

    def install_signal_handlers(
        self, signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT)
    ) -> Callable[[], None]:
        """Route ``signals`` to :meth:`request_shutdown`; returns a function that undoes it."""
        loop = asyncio.get_running_loop()
        installed = []
        for sig in signals:
            loop.add_signal_handler(sig, self.request_shutdown)
            installed.append(sig)

        def remove() -> None:
            for sig in installed:
                loop.remove_signal_handler(sig)

        return remove

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve(server: GrpcServer, *, handle_signals: bool = True) -> None:
    """Run ``server`` until SIGTERM/SIGINT (or ``request_shutdown()``), then stop gracefully.

    Signal handlers go in before the server starts, so a SIGTERM during start-up still
    drains instead of killing the process.
    """
    remove = server.install_signal_handlers() if handle_signals else (lambda: None)
    try:
        async with server:
            await server.wait_for_shutdown_request()
            logger.info("shutdown requested")
    finally:
        remove()


__all__ = ["AddServicer", "GrpcServer", "Servicer", "serve", "server_options"]
