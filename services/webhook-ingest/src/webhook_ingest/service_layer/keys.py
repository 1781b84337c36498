"""The webhook key table: fetched from zoom-gateway, cached, refreshed off the hot path.

The endpoint reads :attr:`WebhookKeys.table` — an immutable `KeyTable` swapped whole on every
refresh — so verifying a webhook is a dict hit with no I/O. The table is fetched again

- every `refresh_interval` seconds (new tenants, rotated secrets), and
- when a signature does not verify (:meth:`WebhookKeys.refresh_on_miss`): the sender may be a
  tenant added a moment ago. At most once per `min_interval` seconds, and concurrent misses share
  one fetch, so a flood of unknown accounts or forged signatures costs the gateway at most one
  call per interval. The request waits for that fetch at most `miss_wait` seconds.
- when the default tenant's keys verified a webhook naming an account no tenant claims
  (:meth:`WebhookKeys.refresh_for_account`): a school may have claimed that account a moment
  ago, and then only its keys may sign for it. Once per account per `min_interval`, not held
  back by other misses (only a holder of the default tenant's secret gets here, and every
  tenant's account is listed, so the default school's own traffic never does).

When the gateway is unreachable (or answers an error) the last table stays in use, so an outage
of the gateway never stops webhooks of known tenants. Until the first fetch succeeds the table
holds the env keys only (the default tenant).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

from webhook_ingest.domain.tenancy import KeyEntry, KeyTable

log = logging.getLogger(__name__)

MAX_ACCOUNTS_ASKED = 4096
"""Unclaimed accounts remembered for :meth:`WebhookKeys.refresh_for_account` at most."""

KeyFetcher = Callable[[], Awaitable[Sequence[KeyEntry]]]
"""Every tenant's keys now (zoom-gateway's `ListWebhookKeys`); raises when it cannot tell."""


class WebhookKeys:
    """The current key table and its refreshing; use as `async with` to run the refresh loop."""

    def __init__(
        self,
        *,
        default_secrets: Sequence[str],
        fetch: KeyFetcher | None,
        refresh_interval: float = 30.0,
        min_interval: float = 5.0,
        miss_wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._default_secrets = tuple(default_secrets)
        self._fetch = fetch
        self._refresh_interval = refresh_interval
        self._min_interval = min_interval
        self._miss_wait = miss_wait
        self._clock = clock
        self._last_attempt: float | None = None
        self._accounts_asked: dict[str, float] = {}
        self._inflight: asyncio.Task[bool] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self.table: KeyTable = KeyTable.build(self._default_secrets)
        self.refreshes = 0
        self.failures = 0

    @property
    def fetches(self) -> bool:
        """True when there is a gateway to fetch from (otherwise the table never changes)."""
        return self._fetch is not None

    async def refresh(self) -> bool:
        """Fetch the table now (joining a fetch already under way); False if it failed."""
        if self._fetch is None:
            return False
        if self._inflight is None:
            self._last_attempt = self._clock()
            self._inflight = asyncio.create_task(self._fetch_once(), name="webhook-keys-refresh")
            self._inflight.add_done_callback(self._forget)
        return await asyncio.shield(self._inflight)

    def _forget(self, task: asyncio.Task[bool]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _fetch_once(self) -> bool:
        assert self._fetch is not None
        try:
            entries = await self._fetch()
        except Exception as error:  # the gateway is down or refused: keep the last table
            self.failures += 1
            log.warning(
                "could not refresh webhook keys from zoom-gateway (%s); keeping the last table",
                type(error).__name__,
            )
            return False
        self.table = KeyTable.build(self._default_secrets, entries)
        self.refreshes += 1
        return True

    async def refresh_on_miss(self) -> KeyTable | None:
        """After a signature did not verify: the table after an early refresh, or None when no
        refresh may run now (one ran less than `min_interval` ago) or it did not finish in time.
        """
        if self._fetch is None:
            return None
        if self._inflight is None:
            last = self._last_attempt
            if last is not None and self._clock() - last < self._min_interval:
                return None
        try:
            async with asyncio.timeout(self._miss_wait):
                changed = await self.refresh()
        except TimeoutError:
            return None  # the fetch goes on in the background; Zoom retries the webhook
        return self.table if changed else None

    async def refresh_for_account(self, account_id: str) -> KeyTable | None:
        """After the default keys verified a webhook for unclaimed ``account_id``: the table
        after a refresh, or None when this account was asked about within `min_interval` (or
        the fetch did not finish in time)."""
        if self._fetch is None or not account_id:
            return None
        now = self._clock()
        asked = self._accounts_asked.get(account_id)
        if asked is not None and now - asked < self._min_interval:
            return None
        if len(self._accounts_asked) >= MAX_ACCOUNTS_ASKED:
            self._accounts_asked.clear()  # a bounded memo: forget, at worst ask once more
        self._accounts_asked[account_id] = now
        try:
            async with asyncio.timeout(self._miss_wait):
                changed = await self.refresh()
        except TimeoutError:
            return None
        return self.table if changed else None

    async def _run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self._refresh_interval)

    async def __aenter__(self) -> Self:
        if self._fetch is not None:
            self._loop_task = asyncio.create_task(self._run(), name="webhook-keys-loop")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in (self._loop_task, self._inflight):
            if task is not None:
                task.cancel()
        for task in (self._loop_task, self._inflight):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._loop_task = None
        self._inflight = None


__all__ = ["KeyFetcher", "WebhookKeys"]
