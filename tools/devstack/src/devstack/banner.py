"""What `make run` prints once the stack is up, in either shape (one process, or one per service).

It is all a newcomer has to go on, so it names every address they may need (the edge, Zoom's
webhook endpoint, the simulator, the server of signed recording URLs, each gRPC service and its
Prometheus scrape endpoint), a token to start with, and how to make tokens for the other roles
and tenants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.stack import SIM_PORT
from devstack.tokens import python_command, token_command

DEFAULT_SIM_URL = f"http://127.0.0.1:{SIM_PORT}"


@dataclass(frozen=True)
class Banner:
    """The addresses and starting token of a running stack."""

    shape: str  # "embedded default" or "a process per service, RabbitMQ"
    edge_url: str
    webhook_url: str
    sim_url: str
    files_url: str | None  # recording-sync's local-storage files server; None with S3
    grpc: Mapping[str, str]
    health: Mapping[str, str]
    data_dir: Path
    token: str
    # Each service's Prometheus scrape endpoint, when served (by service name).
    metrics: Mapping[str, str] = field(default_factory=dict)

    def render(self) -> str:
        """The banner's text, one line per address, ending with how to stop."""
        lines = [
            f"Classbridge is running ({self.shape}).",
            f"  {'edge (HTTP API)':<20} {self.edge_url}",
            f"  {'Zoom webhook':<20} {self.webhook_url}",
            f"  {'Zoom simulator':<20} {self.sim_url}",
        ]
        if self.files_url:
            lines.append(f"  {'recording files':<20} {self.files_url}  (signed playback URLs)")
        lines += [
            f"  {name:<20} grpc {address}  {self.health.get(name, '?')}"
            for name, address in self.grpc.items()
        ]
        lines += [f"  {name:<20} metrics {url}" for name, url in self.metrics.items()]
        python = python_command()
        sim = "" if self.sim_url == DEFAULT_SIM_URL else f"ZOOMSIM_URL={self.sim_url} "
        lines += [
            f"  {'data':<20} {self.data_dir}/",
            "",
            "A development token (admin, teacher; 12 h):",
            f"  export TOKEN={self.token}",
            f'  curl -H "Authorization: Bearer $TOKEN" {self.edge_url}/api/zoom/status',
            "Tokens for any role (student, teacher, admin, operator; --tenant T, --ttl 1h):",
            f"  tokens: {token_command(self.data_dir)}",
            f"Script a class with the simulator: {sim}{python} -m zoomsim --help",
            "Ctrl-C stops everything.",
        ]
        return "\n".join(lines)
