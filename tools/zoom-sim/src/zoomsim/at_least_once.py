"""Webhook delivery as Zoom guarantees it, at least once, with the `webhook_at_least_once`
fidelity switch: some deliveries are sent twice (the same body, a later attempt) and some are
held back until a few later ones to the same target have gone ahead (reference section 7.5:
events observed out of order, at-least-once to be planned for).

The choices come from a random generator seeded with `webhook_seed`, drawn once per delivery in
the order events are emitted, so a test that emits the same events sees the same duplicates and
the same order every run. Reordering is bounded twice: a held delivery lets at most
`webhook_reorder_window` later ones overtake it, and waits at most `webhook_reorder_max_delay`
real seconds (so the last event of a test is not held for ever).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoomsim.fidelity import Fidelity
    from zoomsim.webhooks import Delivery


@dataclass
class _Held:
    delivery: Delivery
    countdown: int  # later deliveries to the same target still allowed to overtake it
    deadline: float  # time.monotonic() by which it goes anyway


class Shuffler:
    """Decides, per delivery, what goes on the wire now: the delivery or not yet, a duplicate
    or not, and which held deliveries are due."""

    def __init__(self) -> None:
        self._seed: int | None = None
        self._rng = random.Random()
        self._held: dict[tuple[str, str], list[_Held]] = {}

    def admit(
        self,
        fid: Fidelity,
        key: tuple[str, str],
        d: Delivery,
        duplicate: Callable[[Delivery], Delivery],
    ) -> list[Delivery]:
        """The deliveries to queue now, in order, for delivery `d` to target `key`."""
        if self._seed != fid.webhook_seed:
            self._seed = fid.webhook_seed
            self._rng = random.Random(fid.webhook_seed)
        rng, window = self._rng, max(1, fid.webhook_reorder_window)
        deadline = time.monotonic() + fid.webhook_reorder_max_delay
        held = self._held.setdefault(key, [])
        for h in held:
            h.countdown -= 1
        now: list[Delivery] = []
        if rng.random() < fid.webhook_reorder_rate:
            d.reordered = True
            held.append(_Held(d, rng.randint(1, window), deadline))
        else:
            now.append(d)
        if rng.random() < fid.webhook_duplicate_rate:
            dup = duplicate(d)
            wait = rng.randint(0, window)
            if wait:
                dup.reordered = True
                held.append(_Held(dup, wait, deadline))
            else:
                now.append(dup)
        return now + self._take(key, lambda h: h.countdown <= 0)

    def due(self) -> list[Delivery]:
        """Held deliveries whose time is up, oldest first."""
        clock = time.monotonic()
        out: list[Delivery] = []
        for key in list(self._held):
            out += self._take(key, lambda h: h.deadline <= clock)
        return out

    def flush(self) -> list[Delivery]:
        """Everything held (the switch was turned off)."""
        out: list[Delivery] = []
        for key in list(self._held):
            out += self._take(key, lambda h: True)
        return out

    @property
    def holding(self) -> bool:
        return any(self._held.values())

    def _take(self, key: tuple[str, str], pred: Callable[[_Held], bool]) -> list[Delivery]:
        held = self._held.get(key, [])
        out = [h.delivery for h in held if pred(h)]
        self._held[key] = [h for h in held if not pred(h)]
        return out
