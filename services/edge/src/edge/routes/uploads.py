"""Manual uploads of recordings: seed 003's /upload/recording and the resumable upload API."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
