"""Gauges read from a service's own database: outbox depth and lag, stuck sync jobs, storage used.

An observable instrument's callback runs synchronously while a reader collects, but our databases
are asynchronous. So each :class:`GaugeSource` is read asynchronously by
:meth:`GaugeBoard.refresh` — the scrape endpoint awaits it before every scrape, and
:func:`refreshing` runs it periodically when metrics leave by OTLP instead — and the callbacks
report the last reading. The queries are cheap: the outbox's unpublished rows have their own
partial index, and a scrape comes every 15 to 30 s.

There is one observable gauge per name for the whole process, carrying an ``app.service``
attribute: the embedded stack runs every service in one process, and the SDK keeps only the first
instrument registered under a name, so a gauge per service would lose all but one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.outbox import OUTBOX
from classbridge_common.telemetry import METER_NAME

__all__ = [
    "GAUGES",
    "GaugeBoard",
    "GaugeSource",
    "Readings",
    "default_board",
    "outbox_source",
    "refreshing",
]

log = logging.getLogger(__name__)

#: A gauge's readings: (value, attributes) pairs; ``app.service`` is added by the board.
GaugeReadings = Sequence[tuple[float, Mapping[str, str]]]
#: What one source read, by gauge name.
Readings = Mapping[str, GaugeReadings]


@dataclass(frozen=True)
class GaugeSpec:
    unit: str
    description: str


#: Every gauge a source may report, by name (a source's reading of another name is dropped).
GAUGES: Final[Mapping[str, GaugeSpec]] = {
    "app.outbox.depth": GaugeSpec("{event}", "Events written to the outbox, not yet published"),
    "app.outbox.lag": GaugeSpec("s", "Age of the oldest unpublished outbox event (0: none)"),
    "app.recording.sync_jobs.stuck": GaugeSpec(
        "{job}", "Sync jobs downloading without a heartbeat, or due and not started, too long"
    ),
    "app.recording.sync_jobs.open": GaugeSpec("{job}", "Sync jobs not finished, by state"),
    "app.storage.used": GaugeSpec("By", "Bytes of recording files held in object storage"),
    "app.webhook.deliveries.pending": GaugeSpec(
        "{delivery}", "Outgoing webhook deliveries waiting for their first attempt or a retry"
    ),
    "app.webhook.deliveries.overdue": GaugeSpec(
        "{delivery}",
        "Outgoing webhook deliveries due for over 5 minutes and not attempted (worker behind)",
    ),
}


@dataclass
class GaugeSource:
    """Numbers one service reads from its own database. ``read`` must be cheap and must not put
    tenant ids, people or secrets in attributes (they become Prometheus labels)."""

    service: str
    name: str
    read: Callable[[], Awaitable[Readings]]
    last: Readings = field(default_factory=dict)


class GaugeBoard:
    """The process's database gauges: sources come and go with the services that own them."""

    def __init__(self, meter: metrics.Meter) -> None:
        self._sources: list[GaugeSource] = []
        self._lock = threading.Lock()  # callbacks run on the exporter's thread
        for name, spec in GAUGES.items():
            meter.create_observable_gauge(
                name,
                callbacks=[self._callback(name)],
                unit=spec.unit,
                description=spec.description,
            )

    def add(self, source: GaugeSource) -> Callable[[], None]:
        """Report ``source`` from now on; returns the function that stops reporting it."""
        with self._lock:
            self._sources.append(source)

        def remove() -> None:
            with self._lock:
                if source in self._sources:
                    self._sources.remove(source)

        return remove

    @property
    def sources(self) -> list[GaugeSource]:
        with self._lock:
            return list(self._sources)

    async def refresh(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - per source
        """Read every source again. A source that fails or is slow keeps its last reading (a
        database outage must not take the whole scrape down); the failure is logged by type."""

        async def one(source: GaugeSource) -> None:
            try:
                source.last = await asyncio.wait_for(source.read(), timeout)
            except Exception as exc:  # reported, never raised into a scrape
                log.warning(
                    "gauge source %s/%s not read (%s)",
                    source.service,
                    source.name,
                    type(exc).__name__,
                )

        await asyncio.gather(*(one(s) for s in self.sources))

    def _callback(self, name: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            del options
            return [
                Observation(value, {**attributes, "app.service": source.service})
                for source in self.sources
                for value, attributes in source.last.get(name, ())
            ]

        return observe


_board: GaugeBoard | None = None
_board_lock = threading.Lock()


def default_board() -> GaugeBoard:
    """The board on the global meter provider (its gauges bind to it once it is installed)."""
    global _board
    with _board_lock:
        if _board is None:
            _board = GaugeBoard(metrics.get_meter(METER_NAME))
        return _board


def outbox_source(
    service: str,
    sessions: async_sessionmaker[AsyncSession],
    *,
    table: Table = OUTBOX,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> GaugeSource:
    """Depth (unpublished rows) and lag (age of the oldest) of ``service``'s outbox: the relay
    falling behind or the broker refusing shows here before anyone misses an event."""

    async def read() -> Readings:
        query = select(func.count(), func.min(table.c.created_at)).where(
            table.c.published_at.is_(None)
        )
        async with sessions() as session:
            depth, oldest = (await session.execute(query)).one()
        lag = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            lag = max(0.0, (now() - oldest).total_seconds())
        return {"app.outbox.depth": [(float(depth), {})], "app.outbox.lag": [(lag, {})]}

    return GaugeSource(service=service, name="outbox", read=read)


@contextlib.asynccontextmanager
async def refreshing(board: GaugeBoard, *, interval: float) -> AsyncIterator[None]:
    """Refresh ``board`` every ``interval`` seconds while the block runs (for OTLP export, which
    collects on its own thread and cannot await a database)."""

    async def loop() -> None:
        while True:
            await board.refresh()
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="gauge-refresh")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
