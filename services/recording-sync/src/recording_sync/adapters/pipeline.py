"""The transfer pipeline both storage backends share: the download keeps reading while earlier
parts are written, in a fixed memory budget, with a resumable record of what is durable.

- **Parts from one pool.** A :class:`PartPool` holds at most ``parts`` buffers of
  ``part_bytes`` for the whole storage object, i.e. for every file a worker copies at once: a
  file fills one buffer from the download, hands it to the backend and takes the next; when all
  are in flight, reading waits (back-pressure) instead of growing memory. Buffers are reused,
  never resized.
- **Overlap.** Each full part is written by the backend (an S3 ``UploadPart``, a ``pwrite`` at
  its offset) while the next one fills; the whole file's sha256 is computed part by part on one
  hashing thread, in order, beside the writes.
- **Checkpoints.** Parts finish out of order; when the run of finished parts from the start grows,
  the backend makes them durable and the caller's ``on_checkpoint`` is given a
  :class:`Checkpoint` (byte offset, each part's receipt, the hash state there). A later copy of
  the same file starts from it with a ``Range`` request. Checkpoints are coalesced: a slow
  callback delays the next one, never the download.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from classbridge_common.telemetry import app_metrics
from recording_sync.adapters.resumable_sha256 import Digest, new_digest, restore_digest
from recording_sync.adapters.storage_base import IntegrityError, Resume, check_sha256

__all__ = ["Checkpoint", "PartPool", "PartSink", "Start", "begin", "pump"]

log = logging.getLogger(__name__)

# One thread hashes every file's bytes in order (OpenSSL releases the GIL): about 1.3 GB/s here,
# far more than any copy moves, and parts of one file can never be hashed out of order.
_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")


@dataclass(frozen=True)
class Checkpoint:
    """What is durable of a copy: the first ``offset`` bytes, as ``receipts`` (one per part,
    backend-defined: an S3 part's ETag), and the sha256 state after them (``None``: the hash
    cannot be resumed, so neither can the copy)."""

    offset: int
    receipts: tuple[str, ...] = ()
    sha_state: str | None = None


@dataclass(frozen=True)
class Start:
    """Where a write begins: the running hash, what is already durable, the checks asked for."""

    digest: Digest
    checkpoint: Checkpoint
    expected_sha256: str | None

    def verify(self, size: int, expected_size: int | None) -> str:
        """The whole file's sha256 once every byte passed, or :class:`IntegrityError` when its
        size or sha256 is not what the caller expected."""
        if expected_size is not None and size != expected_size:
            raise IntegrityError(f"received {size} bytes, expected {expected_size}")
        sha256 = self.digest.hexdigest()
        if self.expected_sha256 is not None and sha256 != self.expected_sha256:
            raise IntegrityError("sha256 of the received bytes differs from the expected one")
        return sha256


def begin(
    key: str,
    *,
    part_bytes: int,
    resume: Resume | None,
    expected_size: int | None,
    expected_sha256: str | None,
) -> Start:
    """Check a write's arguments (``ValueError`` before any I/O) and say where it starts: from
    byte 0 with a fresh hash, or where ``resume`` stands with the hash state it saved."""
    expected = check_sha256(expected_sha256)
    if expected_size is not None and expected_size < 0:
        raise ValueError("expected_size must not be negative")
    if resume is None:
        return Start(new_digest(), Checkpoint(offset=0), expected)
    if resume.key != key or resume.part_bytes != part_bytes:
        raise ValueError("resume belongs to another key or part size")
    digest = restore_digest(resume.sha_state)
    if digest is None:
        raise ValueError("resume carries no usable sha256 state")
    return Start(digest, Checkpoint(resume.offset, resume.receipts, resume.sha_state), expected)


class PartSink(Protocol):
    """A backend's side of one upload."""

    async def write_part(self, number: int, offset: int, data: bytearray, length: int) -> str:
        """Store part ``number`` (1-based; ``data[:length]``, at byte ``offset``); return its
        receipt. Runs concurrently with other parts of the same upload."""
        ...

    async def make_durable(self) -> None:
        """Make every part written so far survive a crash (before a checkpoint names them)."""
        ...


class PartPool:
    """At most ``parts`` reusable buffers of ``part_bytes``, shared by every copy of a storage
    object: the worker's memory budget for bytes in flight."""

    def __init__(self, *, part_bytes: int, parts: int) -> None:
        if parts < 2:
            raise ValueError("a part pool needs at least two parts (one filling, one writing)")
        self.part_bytes = part_bytes
        self.parts = parts
        self._free: list[bytearray] = []
        self._made = 0
        self._available: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._available is None:
            self._available = asyncio.Semaphore(self.parts)
        return self._available

    async def take(self) -> bytearray:
        await self._semaphore().acquire()
        if self._free:
            return self._free.pop()
        self._made += 1
        return bytearray(self.part_bytes)

    def give(self, buffer: bytearray) -> None:
        """Return a buffer nothing reads or writes any more."""
        self._free.append(buffer)
        self._semaphore().release()

    def forfeit(self) -> None:
        """Give up a buffer a thread may still be reading (a cancelled write): it is dropped,
        and a fresh one will be made in its place."""
        self._semaphore().release()


@dataclass
class _Progress:
    """Finished parts, and the longest run of them from the start."""

    start: Checkpoint
    part_bytes: int
    done: dict[int, tuple[str, str | None, int]] = field(default_factory=dict)
    contiguous: int = 0  # parts finished from the first new one on

    def finish(self, number: int, receipt: str, state: str | None, length: int) -> bool:
        self.done[number] = (receipt, state, length)
        first = len(self.start.receipts) + 1
        advanced = False
        while first + self.contiguous in self.done:
            self.contiguous += 1
            advanced = True
        return advanced

    def checkpoint(self) -> Checkpoint:
        first = len(self.start.receipts) + 1
        numbers = range(first, first + self.contiguous)
        receipts = self.start.receipts + tuple(self.done[n][0] for n in numbers)
        offset = self.start.offset + sum(self.done[n][2] for n in numbers)
        state = self.done[numbers[-1]][1] if numbers else self.start.sha_state
        return Checkpoint(offset=offset, receipts=receipts, sha_state=state)


class _Checkpointer:
    """Runs ``on_checkpoint`` in the background, newest checkpoint first, one at a time."""

    def __init__(
        self, sink: PartSink, on_checkpoint: Callable[[Checkpoint], Awaitable[None]] | None
    ) -> None:
        self._sink = sink
        self._callback = on_checkpoint
        self._latest: Checkpoint | None = None
        self._task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None
        self.offered = 0  # offset of the newest checkpoint offered

    def offer(self, checkpoint: Checkpoint) -> None:
        if self._callback is None:
            return
        self.offered = checkpoint.offset
        self._latest = checkpoint
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._callback is not None
        while self._latest is not None and self.error is None:
            checkpoint, self._latest = self._latest, None
            try:
                await self._sink.make_durable()
                await self._callback(checkpoint)
            except BaseException as exc:  # surfaced by raise_if_failed in the copy's task
                self.error = exc
                return

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    async def drain(self) -> None:
        if self._task is not None:
            await self._task
        self.raise_if_failed()

    async def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


def _hash_part(digest: Digest, data: bytearray, length: int) -> str | None:
    digest.update(memoryview(data)[:length])
    return digest.state()


async def pump(
    chunks: AsyncIterable[bytes],
    sink: PartSink,
    pool: PartPool,
    *,
    digest: Digest,
    start: Checkpoint,
    expected_size: int | None,
    on_checkpoint: Callable[[Checkpoint], Awaitable[None]] | None = None,
    checkpoint_bytes: int = 0,
) -> tuple[bytearray, int, Checkpoint]:
    """Read ``chunks`` (the file's bytes from ``start.offset`` on) into parts and write every
    full one through ``sink``, up to the pool's limit at once. Returns the last, not yet
    written buffer with its length (the backend finishes with it: a last part, or a whole small
    object) and the checkpoint covering every part written — the caller must ``give`` the buffer
    back to the pool. ``digest`` has hashed the whole file when this returns.

    On any failure every part in flight is cancelled or awaited and the exception propagates;
    what was already written stays (resumable, and invisible until the backend completes it).
    A checkpoint is offered once at least ``checkpoint_bytes`` more are written (0: each part).
    """
    part_bytes = pool.part_bytes
    progress = _Progress(start=start, part_bytes=part_bytes)
    checkpoints = _Checkpointer(sink, on_checkpoint)
    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[None]] = set()
    number = len(start.receipts) + 1
    offset = start.offset
    buffer = await pool.take()
    fill = 0
    holding = True  # False while ``buffer`` belongs to a part being written

    async def write(number: int, offset: int, data: bytearray, length: int) -> None:
        hashed = loop.run_in_executor(_HASHER, _hash_part, digest, data, length)
        try:
            receipt = await sink.write_part(number, offset, data, length)
            app_metrics().transfer_bytes(length)  # app.transfer.bytes: copied into storage
            state = await hashed
        except BaseException:
            pool.forfeit()  # a thread (hash, upload) may still read it: never reuse it
            raise
        pool.give(data)
        if progress.finish(number, receipt, state, length):
            point = progress.checkpoint()
            if point.offset - checkpoints.offered >= checkpoint_bytes:
                checkpoints.offer(point)

    def dispatch() -> None:
        nonlocal number, offset, holding
        for task in [t for t in in_flight if t.done()]:
            in_flight.discard(task)
            task.result()  # a part that failed fails the copy now, not at the end
        in_flight.add(asyncio.create_task(write(number, offset, buffer, fill)))
        holding = False
        number += 1
        offset += fill

    received = start.offset
    try:
        async for chunk in chunks:
            received += len(chunk)
            if expected_size is not None and received > expected_size:
                raise IntegrityError(f"received more than the expected {expected_size} bytes")
            view = memoryview(chunk)
            while view:
                n = min(len(view), part_bytes - fill)
                buffer[fill : fill + n] = view[:n]
                fill += n
                view = view[n:]
                if fill == part_bytes:
                    dispatch()
                    checkpoints.raise_if_failed()
                    buffer, fill = await pool.take(), 0
                    holding = True
        await _finish_all(in_flight)
        await loop.run_in_executor(_HASHER, _hash_part, digest, buffer, fill)
        await checkpoints.drain()
        # the last, partial part: the backend writes it (or the whole object) on return
        app_metrics().transfer_bytes(fill)
    except BaseException:
        await _cancel_all(in_flight)
        await checkpoints.cancel()
        if holding:
            pool.give(buffer)
        raise
    return buffer, fill, progress.checkpoint()


async def _finish_all(tasks: set[asyncio.Task[None]]) -> None:
    """Wait for every part; the first failure cancels the others and is raised."""
    pending = set(tasks)
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()


async def _cancel_all(tasks: set[asyncio.Task[None]]) -> None:
    for task in list(tasks):
        task.cancel()
    for task in list(tasks):
        with contextlib.suppress(BaseException):
            await task
