"""The local-folder watcher: seed 003's /monitor/status, start, stop and path routes."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
