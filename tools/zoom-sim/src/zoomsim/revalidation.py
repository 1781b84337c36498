"""Zoom's periodic check of a webhook endpoint, with the `url_revalidation` fidelity switch:
`endpoint.url_validation` again every 72 hours of the simulated clock (reference section 7.3),
each failure counted as on configuration, and the 6th failure in a row disables the
subscription (its events are then recorded as `disabled` and not sent; `GET /_sim/webhooks`
lists it) until its targets are saved again.

The clock moves with real time and jumps with `POST /_sim/clock/advance`; that endpoint runs the
validations that fell due before it answers, and a background check catches the rest. A jump
over several periods sends one validation per period (at most as many as it takes to disable a
subscription), as the missed checks would have been sent one after the other.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoomsim.webhooks import WebhookSender

CHECK_EVERY = 0.5  # real seconds between background checks


class Revalidator:
    """When each (account, url) subscription is next validated."""

    def __init__(self, sender: WebhookSender, disable_after: int) -> None:
        self.sender = sender
        self.disable_after = disable_after
        self.next_at: dict[tuple[str, str], float] = {}
        self._lock = asyncio.Lock()

    @property
    def interval(self) -> float:
        return self.sender.config.fidelity.url_revalidation_hours * 3600

    def note_targets(self) -> None:
        """Start the 72-hour count for subscriptions not seen before."""
        now = self.sender.sim.state.clock.now()
        for acc in self.sender.sim.state.accounts.values():
            for t in acc.webhooks:
                self.next_at.setdefault((acc.id, t.url), now + self.interval)

    def validated(self, key: tuple[str, str], at: float) -> None:
        """A validation was sent (on configuration or on request): count 72 hours from it."""
        self.next_at[key] = at + self.interval

    def forget(self, account_id: str) -> None:
        for key in [k for k in self.next_at if k[0] == account_id]:
            del self.next_at[key]

    async def run_due(self) -> list[dict[str, Any]]:
        """Send the validations that are due; their results."""
        if not self.sender.config.fidelity.url_revalidation:
            return []
        async with self._lock:
            self.note_targets()
            now = self.sender.sim.state.clock.now()
            results: list[dict[str, Any]] = []
            for acc in list(self.sender.sim.state.accounts.values()):
                for t in list(acc.webhooks):
                    key = (acc.id, t.url)
                    nxt = self.next_at[key]
                    if nxt > now:
                        continue
                    periods = int((now - nxt) // self.interval) + 1
                    self.next_at[key] = nxt + periods * self.interval
                    for _ in range(min(periods, self.disable_after)):
                        if key in self.sender.disabled:
                            break  # Zoom stops checking a disabled subscription
                        results.append(await self.sender.validate(t, acc.id, periodic=True))
            return results

    async def loop(self) -> None:
        """The background check (the clock also moves with real time)."""
        while True:
            await asyncio.sleep(CHECK_EVERY)
            await self.run_due()
