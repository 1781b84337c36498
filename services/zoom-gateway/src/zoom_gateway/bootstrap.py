"""The one wiring point of zoom-gateway: ``running(settings)`` starts it, leaving stops it.

Started, in order: the database engine and the unit of work over it (the one way into the
gateway's database: rate-limit buckets, host ledger, idempotency keys, OAuth states, user
connections, tenants — shared by every replica), one HTTP/1.1 keep-alive pool to Zoom, the tenant
directory (seeds from the environment and ZOOM_TENANTS_FILE with the ``tenants`` table on top),
the token providers (one per tenant, made on first use), the handlers, each given the unit of
work factory, the event bus (unless one is passed in: the embedded default shares one in-process
bus between services) and the consumer of ``zoom.app.deauthorized`` on it, and the gRPC server
(health, reflection, interceptors). Stopping refuses new calls, lets in-flight ones finish, lets
meeting creates already sent to Zoom record their result, lets the consumer finish the message
in hand, then closes the bus (if its own), the HTTP pool and the engine. Its outbox relay
publishes the one fact it announces (a Zoom connection to authorize again).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from classbridge_common.bus import EventBus, create_bus
from classbridge_common.db import create_engine, session_factory
from classbridge_common.grpc import GrpcServer
from classbridge_common.outbox import OutboxRelay
from classbridge_common.scrape import serving_metrics
from zoom_gateway.adapters.rate_limiter import DbRateLimiter
from zoom_gateway.adapters.tenant_directory import TenantDirectory
from zoom_gateway.adapters.token_provider import S2STokenProvider
from zoom_gateway.adapters.uow import GatewayUnitOfWork, UnitOfWorkFactory
from zoom_gateway.adapters.user_tokens import UserTokens
from zoom_gateway.adapters.zoom_client import ZoomClient
from zoom_gateway.domain.ratelimits import PLAN_RATES, BucketSpec, Category
from zoom_gateway.domain.tenants import TenantConfig
from zoom_gateway.entrypoints import consumers
from zoom_gateway.entrypoints.access_rules import POLICY
from zoom_gateway.entrypoints.grpc_api import ZoomGatewayServicer, add_to_server
from zoom_gateway.service_layer.accounts import Accounts
from zoom_gateway.service_layer.deauthorizations import Deauthorizations
from zoom_gateway.service_layer.gateway import ZoomGateway
from zoom_gateway.service_layer.host_quota import HostQuota
from zoom_gateway.service_layer.meetings import Meetings
from zoom_gateway.service_layer.oauth import UserOAuth
from zoom_gateway.service_layer.oauth_states import OAuthStates
from zoom_gateway.service_layer.recordings import Recordings
from zoom_gateway.service_layer.registrants import Registrants
from zoom_gateway.service_layer.tenants import TenantAdmin
from zoom_gateway.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Running:
    """A started zoom-gateway: where it listens and its parts (for tests and tools)."""

    settings: Settings
    grpc_port: int
    gateway: ZoomGateway
    s2s: dict[str, S2STokenProvider] = field(default_factory=dict)
    users: UserTokens | None = None
    limiter: DbRateLimiter | None = None
    tenants: TenantDirectory | None = None
    uow: UnitOfWorkFactory | None = None
    bus: EventBus | None = None
    deauthorizations: Deauthorizations | None = None
    metrics_port: int | None = None  # the scrape endpoint (METRICS_PORT), if served

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


def _quiet_driver_statement_logs() -> None:
    """Keep aiosqlite's per-statement DEBUG lines out of the logs unless asked for explicitly.

    aiosqlite logs every statement twice with its bound values, and ours carry kilobytes of
    ciphertext (the stored meeting, tokens at rest). Each such line then costs the redacting
    filter seconds of CPU (its key=value pattern backtracks quadratically over long base64
    runs) on the driver's worker thread, inside an open write transaction: with the root logger
    at DEBUG a CreateMeeting could outlive its deadline (the flaky log test). An explicit level
    set on the ``aiosqlite`` logger is left alone.
    """
    driver = logging.getLogger("aiosqlite")
    if driver.level == logging.NOTSET:
        driver.setLevel(logging.INFO)


def http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """One HTTP/1.1 keep-alive pool for every Zoom call of the process."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.zoom_request_timeout, connect=10.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50, keepalive_expiry=30),
        follow_redirects=False,
        headers={"User-Agent": "classbridge-zoom-gateway/0.1"},
    )


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    authenticate: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    after_refresh_response: Callable[[], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> AsyncIterator[Running]:
    """Start zoom-gateway (gRPC on ``GRPC_PORT``; 0 = any free port); stop it on exit.

    ``bus``, when given, must be started by its owner and is left open on exit; otherwise one is
    created from ``AMQP_URL`` (or in-process) and closed here. ``authenticate=False`` serves
    without caller tokens (tests, local tools); ``transport`` lets tests talk to an in-process
    Zoom simulator; ``after_refresh_response`` is a crash-injection point for the refresh-token
    test; ``now`` is the clock that says which UTC day the per-host daily budget counts (tests
    move it with the Zoom simulator's). The schema must be migrated
    (``python -m zoom_gateway migrate``).
    """
    _quiet_driver_statement_logs()
    engine = create_engine(settings)
    sessions = session_factory(engine)
    box = settings.secret_box()

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(session_factory=sessions, box=box)

    http = http_client(settings, transport=transport)
    own_bus = bus is None
    the_bus: EventBus = bus if bus is not None else create_bus(settings)
    subscribed = False
    directory = TenantDirectory(
        seeds=settings.tenants(),
        uow=uow,
        ttl=settings.zoom_tenant_cache_seconds,
        plan=settings.zoom_plan,
        category=settings.zoom_create_meeting_category,
    )
    safety = settings.zoom_rate_limit_safety

    def spec_for(tenant_id: str, category: Category) -> BucketSpec:
        tenant = directory.get(tenant_id)
        plan = tenant.plan if tenant is not None else settings.zoom_plan
        return BucketSpec.for_rate(
            PLAN_RATES[plan][category] * safety,
            burst_seconds=settings.zoom_rate_limit_burst_seconds,
        )

    try:
        limiter = DbRateLimiter(uow=uow, spec_for=spec_for)
        zoom = ZoomClient(
            api_base_url=settings.zoom_api_base_url,
            http=http,
            limiter=limiter if settings.zoom_rate_limits_enabled else None,
            request_timeout=settings.zoom_request_timeout,
            max_retries=settings.zoom_max_retries,
            breaker_threshold=settings.zoom_breaker_threshold,
            breaker_cooldown=settings.zoom_breaker_cooldown,
        )
        await directory.reload()

        def new_provider(tenant: TenantConfig) -> S2STokenProvider:
            return S2STokenProvider(
                tenant=tenant, http=http, oauth_base_url=settings.zoom_oauth_base_url
            )

        def tenant_for(tenant_id: str) -> TenantConfig:
            tenant = directory.get(tenant_id)
            if tenant is None:
                raise KeyError(tenant_id)
            return tenant

        s2s: dict[str, S2STokenProvider] = {}
        users = UserTokens(
            uow=uow,
            http=http,
            oauth_base_url=settings.zoom_oauth_base_url,
            tenant_for=tenant_for,
            lease=timedelta(seconds=settings.zoom_user_refresh_lease),
            after_refresh_response=after_refresh_response,
        )
        accounts = Accounts(
            directory=directory, s2s=s2s, new_provider=new_provider, uow=uow, tokens=users
        )
        meetings = Meetings(
            zoom=zoom,
            uow=uow,
            quota=HostQuota(limit=settings.zoom_host_daily_limit, now=now)
            if now is not None
            else HostQuota(limit=settings.zoom_host_daily_limit),
            create_timeout=settings.zoom_create_timeout,
            claim_lease=timedelta(seconds=settings.zoom_create_timeout + 15),
            limiter=limiter if settings.zoom_rate_limits_enabled else None,
        )
        gateway = ZoomGateway(
            zoom=zoom,
            accounts=accounts,
            meetings=meetings,
            recordings=Recordings(
                zoom=zoom,
                download_token_ttl=settings.zoom_download_token_ttl,
                credential_hosts=settings.credential_hosts(),
                redirect_hosts=settings.redirect_hosts(),
            ),
            oauth=UserOAuth(
                uow=uow,
                accounts=accounts,
                states=OAuthStates(signing_key=settings.state_signing_key()),
                tokens=users,
                zoom=zoom,
                http=http,
                oauth_base_url=settings.zoom_oauth_base_url,
                redirect_uris=settings.redirect_uris,
            ),
            tenants=TenantAdmin(
                accounts=accounts,
                uow=uow,
                http=http,
                oauth_base_url=settings.zoom_oauth_base_url,
                webhook_grace=timedelta(seconds=settings.zoom_webhook_secret_grace_seconds),
            ),
            registrants=Registrants(zoom=zoom),
        )
        deauthorizations = Deauthorizations(
            uow=uow, accounts=accounts, tokens=users, consumer=settings.consumer_name
        )
        if own_bus:
            await the_bus.start()
        await consumers.subscribe(
            the_bus,
            consumers.Consumer(name=settings.consumer_name, deauthorizations=deauthorizations),
            prefetch=settings.consumer_prefetch,
        )
        subscribed = True
        server = GrpcServer(
            servicers=[
                (
                    add_to_server,
                    ZoomGatewayServicer(gateway, default_timeout=settings.zoom_default_timeout),
                )
            ],
            verifier=settings.token_verifier() if authenticate else None,
            policies=[POLICY],
            port=settings.grpc_port,
            default_timeout=settings.zoom_default_timeout,
        )
        configured = sorted(t.id for t in directory.configs().values() if t.s2s_configured)
        if not configured:
            log.warning(
                "Zoom is not configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and "
                "ZOOM_CLIENT_SECRET (or ZOOM_TENANTS_FILE); Zoom methods answer "
                "FAILED_PRECONDITION until then"
            )
        async with (
            OutboxRelay(session_factory=sessions, bus=the_bus, max_backoff=5.0),
            server,
            serving_metrics(settings) as metrics,
        ):
            log.info(
                "zoom-gateway serving",
                extra={"grpc_port": server.port, "tenants": configured},
            )
            try:
                yield Running(
                    settings=settings,
                    grpc_port=server.port,
                    gateway=gateway,
                    s2s=s2s,
                    users=users,
                    limiter=limiter,
                    tenants=directory,
                    uow=uow,
                    bus=the_bus,
                    deauthorizations=deauthorizations,
                    metrics_port=metrics.port,
                )
            finally:
                await server.stop()
                await meetings.drain(grace=settings.zoom_create_timeout)
    finally:
        if subscribed:
            with contextlib.suppress(Exception):
                await the_bus.unsubscribe(settings.consumer_name)
        if own_bus:
            with contextlib.suppress(Exception):
                await the_bus.close()
        await http.aclose()
        await engine.dispose()
