"""The outgoing-webhook backlog as gauges, read from the database before each scrape.

`app_webhook_deliveries_pending` counts every delivery not yet through (endpoints that are down
keep theirs pending for up to a day: that alone is not a problem of ours).
`app_webhook_deliveries_overdue` counts the deliveries the worker should have attempted more
than five minutes ago and has not — each the oldest pending one of an enabled endpoint, not
leased: what grows when no worker runs or it cannot keep up (docs/runbook.md,
ClassbridgeWebhookDeliveriesOverdue). Neither carries a tenant or an endpoint as a label.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.gauges import GaugeSource, Readings
from webhook_ingest.adapters.outgoing_repository import ENABLED, PENDING
from webhook_ingest.adapters.tables import webhook_deliveries, webhook_endpoints

OVERDUE_AFTER = timedelta(minutes=5)


def delivery_source(
    service: str, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime]
) -> GaugeSource:
    d, e = webhook_deliveries.c, webhook_endpoints.c

    async def read() -> Readings:
        now = clock()
        older = webhook_deliveries.alias("older")
        head = (
            select(func.min(older.c.seq))
            .where(older.c.endpoint_id == d.endpoint_id, older.c.status == PENDING)
            .scalar_subquery()
        )
        pending = select(func.count()).select_from(webhook_deliveries).where(d.status == PENDING)
        overdue = (
            select(func.count())
            .select_from(webhook_deliveries.join(webhook_endpoints, e.id == d.endpoint_id))
            .where(
                d.status == PENDING,
                e.state == ENABLED,
                d.next_attempt_at < now - OVERDUE_AFTER,
                or_(d.leased_until.is_(None), d.leased_until < now),
                d.seq == head,
            )
        )
        async with sessions() as session:
            waiting = int((await session.execute(pending)).scalar_one())
            late = int((await session.execute(overdue)).scalar_one())
        return {
            "app.webhook.deliveries.pending": [(float(waiting), {})],
            "app.webhook.deliveries.overdue": [(float(late), {})],
        }

    return GaugeSource(service=service, name="webhook-deliveries", read=read)
