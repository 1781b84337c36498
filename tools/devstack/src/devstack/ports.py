"""Which ports the stack listens on: the documented ones, or free ones (`--any-ports`).

Processes started separately must know each other's addresses before they start, so in the
process-per-service shape free ports are chosen here, all at once (so no two are the same), and
handed to each service; the in-process shape lets each server bind port 0 instead. Before
binding the documented ports, :func:`in_use` finds one something else already holds, so `make
run` can say so (and suggest `--any-ports`) instead of failing halfway through its start.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping

from devstack.stack import FILES_PORT, SERVICES

#: Each service's listening ports by settings field, as documented (the edge serves no gRPC).
ServicePorts = dict[str, dict[str, int]]


def documented_ports(*, metrics: bool = False) -> ServicePorts:
    """Every service's documented ports, by service name and settings field; with ``metrics``
    its Prometheus scrape endpoint's too (``make run`` serves them, tests seldom need them)."""
    plan: ServicePorts = {}
    for spec in SERVICES:
        ports: dict[str, int] = {}
        if spec.grpc_port:
            ports["grpc_port"] = spec.grpc_port
        if spec.http_port is not None:
            ports["http_port"] = spec.http_port
        if spec.name == "recording-sync":
            ports["files_http_port"] = FILES_PORT
        if metrics and spec.metrics_port:
            ports["metrics_port"] = spec.metrics_port
        plan[spec.name] = ports
    return plan


def free_ports(count: int) -> list[int]:
    """``count`` different TCP ports free on every interface right now (the services bind
    0.0.0.0 or [::], so a port free only on 127.0.0.1 would not do)."""
    with contextlib.ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("0.0.0.0", 0))  # noqa: S104 - probed, never listened on
            ports.append(int(sock.getsockname()[1]))
        return ports


def any_ports(*, metrics: bool = False) -> ServicePorts:
    """A free port for every port of every service, no two the same."""
    plan = documented_ports(metrics=metrics)
    fields = [(name, key) for name, ports in plan.items() for key in ports]
    for (name, key), port in zip(fields, free_ports(len(fields)), strict=True):
        plan[name][key] = port
    return plan


def labelled(sim_port: int, plan: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """The ports of a plan under the names a person knows them by ("scheduler gRPC")."""
    names = {
        "grpc_port": "gRPC",
        "http_port": "HTTP",
        "files_http_port": "recording files",
        "metrics_port": "metrics",
    }
    result = {"Zoom simulator": sim_port}
    for service, ports in plan.items():
        for key, port in ports.items():
            result[f"{service} {names.get(key, key)}"] = port
    return result


def in_use(ports: Mapping[str, int]) -> list[str]:
    """``"9090 (Zoom simulator)"`` for each of ``ports`` (by label) something already listens on."""
    taken = []
    for label, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As the servers bind (a socket left in TIME_WAIT by a stopped stack does not count).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("0.0.0.0", port))  # noqa: S104 - probed, never listened on
            except OSError:
                taken.append(f"{port} ({label})")
    return taken


def explain_in_use(taken: list[str], command: str) -> str:
    """Why the stack did not start, and the way around it."""
    several = len(taken) > 1
    return (
        f"Classbridge cannot start: {'ports' if several else 'port'} {', '.join(taken)} "
        f"{'are' if several else 'is'} already in use. Stop what holds "
        f"{'them' if several else 'it'}, or run `{command} --any-ports` to listen on free "
        "ports instead."
    )
