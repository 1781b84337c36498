"""The whole of Classbridge on one machine: the Zoom simulator and every service, wired together.

Two shapes, one configuration:

- **in one process** (:func:`running_stack`): the embedded default of `make run` and the
  end-to-end tests. Every service shares one in-process bus; with `DATABASE_URL`/`AMQP_URL`
  given, the same services use PostgreSQL (a schema each) and RabbitMQ instead.
- **a process per service** (:func:`service_environments` feeding `python -m <service> serve`):
  what `make run` does when RabbitMQ is configured, the shape the services have in production.

Services start after the services they call (the order of :data:`SERVICES`), and the in-process
bus holds publications until every service has subscribed, so no event published during start-up
is routed to nobody.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from classbridge_common.auth import issue_token
from classbridge_common.bus import EventBus, InProcessBus
from classbridge_common.db.migrations import upgrade_to_head
from devstack.secrets import DevSecrets, load_or_create
from zoomsim import Fidelity, SimConfig, Simulator
from zoomsim.client import SimClient
from zoomsim.server import serve_in_process


@dataclass(frozen=True)
class ServiceSpec:
    """A service as the stack starts it: its package and its default ports."""

    name: str
    package: str
    grpc_port: int
    http_port: int | None = None
    metrics_port: int = 0  # its Prometheus scrape endpoint (GET /metrics) when metrics are on

    def module(self, part: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{part}")


#: Start order: each service after the ones it calls (their addresses are known by then, even on
#: free ports), the producer of Zoom's events and the edge last.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("zoom-gateway", "zoom_gateway", 50052, metrics_port=9465),
    ServiceSpec("scheduler", "scheduler", 50051, metrics_port=9464),
    ServiceSpec("recording-sync", "recording_sync", 50053, metrics_port=9466),
    ServiceSpec("webhook-ingest", "webhook_ingest", 50054, 8081, metrics_port=9467),
    ServiceSpec("edge", "edge", 0, 8080, metrics_port=9468),
)
SIM_PORT = 9090
FILES_PORT = 8083  # recording-sync's signed local-storage downloads


@dataclass(frozen=True)
class StackConfig:
    """Where the stack keeps its files and which infrastructure it uses.

    ``fixed_ports`` False asks for free ports everywhere (tests); otherwise the documented
    defaults. ``schema_prefix`` and ``events_exchange``/``events_queue_prefix`` isolate one
    stack's PostgreSQL schemas and RabbitMQ objects from another's (tests).
    """

    data_dir: Path = Path("var")
    database_url: str | None = None
    amqp_url: str | None = None
    fixed_ports: bool = True
    schema_prefix: str = ""
    events_exchange: str | None = None
    events_queue_prefix: str = ""
    log_level: str = "INFO"
    sim_rate_limits: bool = True
    sim_time_factor: float = 1.0
    # The scheduler's bulk-scheduling queue and zoom-gateway's per-host daily budget read the
    # simulator's clock, so advancing it (``SimClient.advance_clock``) moves their UTC day too.
    follow_sim_clock: bool = False
    # Extra settings by service name (e.g. S3 for recording-sync), over the stack's own.
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Services the stack migrates and gives an address (a free port) but does not start: the
    # caller runs them, e.g. as processes it can kill (``Stack.settings`` has their settings).
    external: tuple[str, ...] = ()
    # Serve each service's Prometheus scrape endpoint (`make run` does; tests ask when they
    # scrape): on its documented port, or a free one without ``fixed_ports``.
    metrics: bool = False


@dataclass
class Stack:
    """A running stack: addresses, the simulator, and a way to act as a user."""

    config: StackConfig
    secrets: DevSecrets
    sim: Simulator
    sim_url: str
    grpc: dict[str, str] = field(default_factory=dict)
    http: dict[str, str] = field(default_factory=dict)
    running: dict[str, Any] = field(default_factory=dict)
    # Each service's scrape endpoint (``http://…/metrics``), when the stack serves them.
    metrics: dict[str, str] = field(default_factory=dict)
    # Each service's settings by field name, as given to it (external ones included).
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def edge_url(self) -> str:
        return self.http["edge"]

    @property
    def webhook_url(self) -> str:
        return self.http["webhook-ingest"] + "/zoom/webhook"

    def token(
        self,
        subject: str = "dev-admin",
        roles: tuple[str, ...] = ("admin", "teacher"),
        ttl: timedelta = timedelta(hours=12),
        tenant: str | None = None,
    ) -> str:
        """A caller token the edge and services accept (signed with the stack's secret), of
        ``tenant`` (None: the default tenant)."""
        return issue_token(
            subject=subject,
            secret=self.secrets.auth_jwt_secret,
            roles=roles,
            tenant=tenant,
            ttl=ttl,
        )

    def sim_client(self) -> SimClient:
        return SimClient(self.sim_url)


def sim_config(config: StackConfig) -> SimConfig:
    """The simulator as the stack runs it (webhook targets are set once webhook-ingest is up)."""
    return SimConfig(
        port=SIM_PORT if config.fixed_ports else 0,
        rate_limits=config.sim_rate_limits,
        time_factor=config.sim_time_factor,
    )


def zoom_credentials(accounts: list[dict[str, Any]]) -> dict[str, str]:
    """zoom-gateway's Zoom settings for the simulator's first account (as `/_sim/credentials`)."""
    account = accounts[0]
    apps = {app["kind"]: app for app in account["apps"]}
    return {
        "zoom_account_id": account["account_id"],
        "zoom_client_id": apps["s2s"]["client_id"],
        "zoom_client_secret": apps["s2s"]["client_secret"],
        "zoom_oauth_client_id": apps["oauth"]["client_id"],
        "zoom_oauth_client_secret": apps["oauth"]["client_secret"],
    }


def service_settings(
    spec: ServiceSpec,
    *,
    config: StackConfig,
    secrets: DevSecrets,
    sim_url: str,
    zoom: Mapping[str, str],
    addresses: Mapping[str, str],
) -> dict[str, Any]:
    """Settings (by field name) for one service of the stack; `addresses` are the gRPC peers."""
    host = sim_url.split("://", 1)[1].split(":")[0]
    # Recordings are fetched from the API host and, when the simulator plays Zoom's CDN on a host
    # of its own (its ``separate_cdn`` behaviour), from that host after the redirect.
    download_hosts = ",".join(dict.fromkeys([host, Fidelity().cdn_host]))
    values: dict[str, Any] = {
        "env": "dev",
        "data_dir": config.data_dir,
        "database_url": config.database_url,
        "amqp_url": config.amqp_url,
        "auth_jwt_secret": secrets.auth_jwt_secret,
        **({"service_jwt_secret": secrets.service_jwt_secret} if spec.package != "edge" else {}),
        "log_level": config.log_level,
        "grpc_port": spec.grpc_port if config.fixed_ports else 0,
    }
    if config.schema_prefix:
        values["db_schema"] = f"{config.schema_prefix}_{spec.package}"
    if spec.http_port is not None:
        values["http_port"] = spec.http_port if config.fixed_ports else 0
    if config.metrics:
        values["metrics_port"] = spec.metrics_port if config.fixed_ports else 0
    if config.events_exchange:
        values["events_exchange"] = config.events_exchange
        values["events_queue_prefix"] = config.events_queue_prefix
    peers = {
        "scheduler_addr": addresses.get("scheduler"),
        "zoom_gateway_addr": addresses.get("zoom-gateway"),
        "recording_sync_addr": addresses.get("recording-sync"),
        "webhook_ingest_addr": addresses.get("webhook-ingest"),
    }
    if spec.name == "zoom-gateway":
        values |= dict(zoom)
        values |= {
            "zoom_api_base_url": f"{sim_url}/v2",
            "zoom_oauth_base_url": sim_url,
            "zoom_oauth_redirect_uri": "http://127.0.0.1:8080/api/zoom/auth",
            "zoom_token_encryption_keys": secrets.token_encryption_key,
            "zoom_download_hosts": host,
            "zoom_download_redirect_hosts": download_hosts,
        }
    elif spec.name == "webhook-ingest":
        values["zoom_webhook_secret_tokens"] = secrets.webhook_secret_token
        # Every tenant's webhook keys come from zoom-gateway, which starts before it (SERVICES).
        values["zoom_gateway_addr"] = addresses.get("zoom-gateway")
        # A platform developer's webhook receiver runs on this machine (outgoing webhooks).
        values["outgoing_webhook_allow_private_addresses"] = True
    elif spec.name == "edge":
        values |= {k: v for k, v in peers.items() if v}
    else:
        values |= {k: v for k, v in peers.items() if v and k != "webhook_ingest_addr"}
    if spec.name == "recording-sync":
        values["zoom_download_hosts"] = download_hosts
        values["files_http_port"] = FILES_PORT if config.fixed_ports else 0
    return values


def load_service_settings(spec: ServiceSpec, values: Mapping[str, Any]) -> Any:
    """The service's own settings object, through its own loader (validation included)."""
    settings_module = spec.module("settings")
    fields = settings_module.Settings.model_fields
    return settings_module.load(**{k: v for k, v in values.items() if k in fields})


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sim_now(sim: Simulator) -> datetime:
    """The simulator's current time (wall time plus what its clock was advanced by)."""
    return datetime.fromtimestamp(sim.state.clock.now(), UTC)


@contextlib.asynccontextmanager
async def running_stack(config: StackConfig) -> AsyncIterator[Stack]:
    """Start the simulator and every service in this process; stop them all on exit."""
    secrets = load_or_create(config.data_dir)
    sim = Simulator(sim_config(config))
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(sim)
        sim_url = await stack.enter_async_context(
            serve_in_process(sim, port=SIM_PORT if config.fixed_ports else 0)
        )
        bus: EventBus | None = None
        if config.amqp_url is None:
            in_process = InProcessBus(hold_deliveries=True)
            bus = await stack.enter_async_context(in_process)
        result = Stack(config=config, secrets=secrets, sim=sim, sim_url=sim_url)
        zoom = zoom_credentials(sim.credentials())
        for spec in SERVICES:
            values = service_settings(
                spec,
                config=config,
                secrets=secrets,
                sim_url=sim_url,
                zoom=zoom,
                addresses=result.grpc,
            )
            if spec.name == "edge" and "webhook-ingest" in result.http:
                # The edge's own webhook URL forwards to webhook-ingest, on whatever port.
                values["webhook_ingest_url"] = result.http["webhook-ingest"]
            values |= config.overrides.get(spec.name, {})
            if spec.name in config.external:
                values["grpc_port"] = free_port()
            result.settings[spec.name] = values
            settings = load_service_settings(spec, values)
            bootstrap = spec.module("bootstrap")
            if hasattr(bootstrap, "MIGRATIONS_DIR"):
                await upgrade_to_head(settings, bootstrap.MIGRATIONS_DIR)
            if spec.name in config.external:
                result.grpc[spec.name] = f"127.0.0.1:{values['grpc_port']}"
                continue
            extra: dict[str, Any] = {}
            if config.follow_sim_clock and spec.name in ("scheduler", "zoom-gateway"):
                extra["now"] = partial(_sim_now, sim)
            running = await stack.enter_async_context(bootstrap.running(settings, bus=bus, **extra))
            result.running[spec.name] = running
            if getattr(running, "grpc_port", None):
                result.grpc[spec.name] = f"127.0.0.1:{running.grpc_port}"
            if getattr(running, "http_port", None):
                result.http[spec.name] = f"http://127.0.0.1:{running.http_port}"
            if getattr(running, "metrics_port", None):
                result.metrics[spec.name] = f"http://127.0.0.1:{running.metrics_port}/metrics"
        if isinstance(bus, InProcessBus):
            bus.release()
        async with result.sim_client() as client:
            await client.set_webhooks(
                [{"url": result.webhook_url, "secret": secrets.webhook_secret_token}],
                validate=True,
            )
        yield result
