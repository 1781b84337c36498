"""The local-folder watcher over gRPC (GetWatcherStatus, StartWatcher, StopWatcher,
SetWatchPath): a mixin of ``grpc_api._Api``.

Expects what ``_Api.__init__`` sets; converts messages only, the watcher decides.
"""

from __future__ import annotations


class WatcherMethods:
    """The watcher methods of RecordingSyncService."""

    METHODS: tuple[str, ...] = ()


__all__ = ["WatcherMethods"]
