"""Appending whole parts to an open upload of a storage backend, for uploads that arrive in
pieces (a tus upload's PATCH requests) rather than in one stream.

``ObjectStorage.put_stream`` copies one stream to the end and completes the object. A manual
upload arrives in requests hours apart, on any replica: each request's bytes must become
durable on their own and the object must stay invisible (incomplete) until the last request.
:func:`append_parts` does that with the backends' own machinery — the shared pipeline
(:func:`~recording_sync.adapters.pipeline.pump`: parts from the storage's pool, written while
the next fills, hashed in order) and each backend's part sink (S3: parts of the multipart upload
straight to its key, each with its checksum; local disk: ``pwrite`` into the hidden temporary
file) — and returns the backend's own :class:`~recording_sync.adapters.storage_base.Resume`, so
the last request finishes with the public ``put_stream(resume=...)`` and ``storage.resume``
checks a stored checkpoint as for an interrupted Zoom copy. Nothing here writes bytes another
way than ``put_stream`` does; it is the part of ``put_stream`` that stops before completing.

It reaches into the backends' sinks (same package, same pipeline); were ``ObjectStorage`` to
grow an ``append_parts`` of its own, this module would become its two implementations.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

from recording_sync.adapters import storage_local, storage_s3
from recording_sync.adapters.pipeline import Checkpoint, begin, pump
from recording_sync.adapters.storage_base import ObjectStorage, Resume

__all__ = ["PartAppender", "discard", "part_bytes_of"]

OnCheckpoint = Callable[[Resume], Awaitable[None]]


def part_bytes_of(storage: ObjectStorage) -> int:
    """The part size of ``storage``'s uploads: every append but the last is whole parts."""
    if isinstance(storage, storage_s3.S3Storage | storage_local.LocalStorage):
        return storage.part_bytes
    raise TypeError(f"{type(storage).__name__} cannot take uploads in pieces")


class PartAppender:
    """Appends whole parts to ``key``'s open upload, from ``resume`` on (None: a new upload).

    :attr:`latest` is the newest durable checkpoint — after :meth:`append` returns, and also
    after it raised (the parts stored before the failure stay, and are resumable from it).
    ``on_checkpoint`` is awaited with each checkpoint as the parts become durable (to renew a
    lease, record progress); what it raises stops the append, keeping what is durable.
    """

    def __init__(
        self,
        storage: ObjectStorage,
        key: str,
        *,
        content_type: str,
        resume: Resume | None,
        on_checkpoint: OnCheckpoint | None = None,
    ) -> None:
        self._storage = storage
        self._key = key
        self._content_type = content_type
        self._on_checkpoint = on_checkpoint
        self.latest = resume

    async def _offer(self, point: Resume) -> None:
        self.latest = point
        if self._on_checkpoint is not None:
            await self._on_checkpoint(point)

    async def append(self, parts: AsyncIterable[bytes]) -> Resume | None:
        """Store ``parts`` (a whole number of parts, from :attr:`latest`'s offset on); return
        the checkpoint after them (:attr:`latest`, unchanged when ``parts`` was empty)."""
        storage = self._storage
        if isinstance(storage, storage_s3.S3Storage):
            await self._append_s3(storage, parts)
        elif isinstance(storage, storage_local.LocalStorage):
            await self._append_local(storage, parts)
        else:
            raise TypeError(f"{type(storage).__name__} cannot take uploads in pieces")
        return self.latest

    async def _append_s3(self, storage: storage_s3.S3Storage, parts: AsyncIterable[bytes]) -> None:
        resume = self.latest
        begun = begin(
            self._key,
            part_bytes=storage.part_bytes,
            resume=resume,
            expected_size=None,
            expected_sha256=None,
        )
        sink = storage_s3._S3Sink(storage, self._key, self._content_type, None, resume)

        async def checkpointed(point: Checkpoint) -> None:
            if sink.upload_id and point.sha_state is not None:
                await self._offer(sink.resume(point))

        buffer, fill, _ = await pump(
            parts,
            sink,
            storage._pool,
            digest=begun.digest,
            start=begun.checkpoint,
            expected_size=None,
            on_checkpoint=checkpointed,
        )
        storage._pool.give(buffer)
        if fill:
            raise ValueError("an append must be a whole number of parts")

    async def _append_local(
        self, storage: storage_local.LocalStorage, parts: AsyncIterable[bytes]
    ) -> None:
        resume = self.latest
        begun = begin(
            self._key,
            part_bytes=storage.part_bytes,
            resume=resume,
            expected_size=None,
            expected_sha256=None,
        )
        source = aiter(parts)
        first = await anext(source, None)
        if first is None:
            return  # no part: no temporary file either (S3 creates its upload with a part too)

        async def whole() -> AsyncIterator[bytes]:
            assert first is not None
            yield first
            async for part in source:
                yield part

        path = storage._path(self._key)
        suffix = resume.upload if resume is not None else secrets.token_hex(8)
        temp = path.with_name(f".{path.name}{storage_local._PARTIAL}{suffix}")
        fd = await storage._write_io(
            self._key,
            storage_local._open_partial,
            temp,
            resume is not None,
            begun.checkpoint.offset,
        )
        sink = storage_local._LocalSink(storage, self._key, fd)

        async def checkpointed(point: Checkpoint) -> None:
            if point.sha_state is not None:  # the checkpointer fsynced the parts before this
                await self._offer(storage._resume(self._key, suffix, point))

        try:
            buffer, fill, _ = await pump(
                whole(),
                sink,
                storage._pool,
                digest=begun.digest,
                start=begun.checkpoint,
                expected_size=None,
                on_checkpoint=checkpointed,
                checkpoint_bytes=0,  # every part: a request may end after any of them
            )
            storage._pool.give(buffer)
            if fill:
                raise ValueError("an append must be a whole number of parts")
        finally:
            await storage._write_io(self._key, os.close, fd)


async def discard(storage: ObjectStorage, key: str, token: str) -> None:
    """Remove what an abandoned upload stored (its parts, its temporary file): ``resume`` of
    an unusable checkpoint discards it, so a checkpoint is made unusable first."""
    point = Resume.parse(token)
    if point is None:
        return
    if isinstance(storage, storage_s3.S3Storage):
        await storage_s3._Abandon(storage, key, point.upload).abort()
    elif isinstance(storage, storage_local.LocalStorage):
        path = storage._path(key)
        temp = path.with_name(f".{path.name}{storage_local._PARTIAL}{point.upload}")
        await storage._write_io(key, _unlink, temp)


def _unlink(path: os.PathLike[str]) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
