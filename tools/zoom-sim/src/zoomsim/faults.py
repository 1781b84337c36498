"""Faults injected on demand, each consumed by the next N matching requests, downloads or events.

`count` is how many matching requests (downloads, events) a fault acts on; each match uses
one, and -1 keeps it until cleared. One request uses at most one pending fault per *slot*, the
oldest: a `delay` and one answer (`error` or `rate_limit`) for a request; one each of `stall`,
`truncate` and `expire_token` for a download; one webhook fault for an event. So three
`error` faults with count 1 fail the next three requests, not one.

Kinds:
- `error`: answer with `status` (5xx by default 503) instead of handling the request.
- `rate_limit`: answer with Zoom's 429 (`limit_type` "QPS" or "Daily-limit").
- `delay`: sleep `seconds` before handling the request.
- `stall`: a download pauses `seconds` after `after_bytes` bytes.
- `truncate`: a download ends after `after_bytes` bytes although Content-Length promised more.
- `expire_token`: after `after_bytes` bytes of a download, every access token is invalidated
  (the next API call gets 401/124), the download itself continues.
- `webhook_drop`, `webhook_duplicate`: the next matching event is dropped or sent twice.
- `webhook_reorder`: the next matching event is held and sent after the event that follows it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

REQUEST_KINDS = ("error", "rate_limit", "delay")
DOWNLOAD_KINDS = ("stall", "truncate", "expire_token")
WEBHOOK_KINDS = ("webhook_drop", "webhook_duplicate", "webhook_reorder")
KINDS = REQUEST_KINDS + DOWNLOAD_KINDS + WEBHOOK_KINDS
# faults sharing a slot exclude each other on one request, download or event
SLOTS = {
    "error": "answer",
    "rate_limit": "answer",
    "delay": "delay",
    "stall": "stall",
    "truncate": "truncate",
    "expire_token": "expire_token",
    **dict.fromkeys(WEBHOOK_KINDS, "webhook"),
}


@dataclass
class Fault:
    id: int
    kind: str
    count: int = 1  # how many matches it applies to; -1: until cleared
    path: str | None = None  # regex searched in the request path
    method: str | None = None
    status: int = 503
    seconds: float = 0.0
    after_bytes: int = 0
    limit_type: str = "QPS"
    category: str = "Light"
    event: str | None = None  # webhook faults: only this event type
    file_id: str | None = None  # download faults: only this recording file

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """The registry of pending faults."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        fields = {k: v for k, v in spec.items() if k in Fault.__dataclass_fields__ and k != "id"}
        fault = Fault(id=next(self._ids), **fields)
        if fault.path is not None:
            re.compile(fault.path)
        self.pending.append(fault)
        return fault

    def clear(self) -> None:
        self.pending.clear()

    def _take(self, pred: Callable[[Fault], bool]) -> list[Fault]:
        """The oldest pending match per slot, each with one use spent."""
        taken: list[Fault] = []
        used: set[str] = set()
        for f in list(self.pending):
            slot = SLOTS[f.kind]
            if slot in used or not pred(f):
                continue
            used.add(slot)
            taken.append(f)
            if f.count > 0:
                f.count -= 1
                if f.count == 0:
                    self.pending.remove(f)
        return taken

    def take_request(self, method: str, path: str) -> list[Fault]:
        return self._take(
            lambda f: (
                f.kind in REQUEST_KINDS
                and (f.path is None or re.search(f.path, path) is not None)
                and (f.method is None or f.method.upper() == method)
            )
        )

    def take_download(self, file_id: str) -> list[Fault]:
        return self._take(
            lambda f: f.kind in DOWNLOAD_KINDS and (f.file_id is None or f.file_id == file_id)
        )

    def webhook_action(self, event: str) -> str | None:
        taken = self._take(
            lambda f: f.kind in WEBHOOK_KINDS and (f.event is None or f.event == event)
        )
        if not taken:
            return None
        return {
            "webhook_drop": "drop",
            "webhook_duplicate": "duplicate",
            "webhook_reorder": "hold",
        }[taken[0].kind]
