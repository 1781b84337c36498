"""Manual upload over gRPC (CreateManualUpload, CompleteManualUpload): a mixin of ``grpc_api._Api``.

Expects what ``_Api.__init__`` sets; converts messages only, the service layer decides.
"""

from __future__ import annotations


class UploadMethods:
    """The manual-upload methods of RecordingSyncService."""

    METHODS: tuple[str, ...] = ()


__all__ = ["UploadMethods"]
