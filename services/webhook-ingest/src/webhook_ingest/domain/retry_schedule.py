"""When an outgoing delivery is tried again: an exponential schedule with jitter.

The default (`OUTGOING_WEBHOOK_RETRY_SCHEDULE`) follows the Standard Webhooks recommendation:
after the first attempt, retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 14 h later — eight
attempts over about 31 hours. Each delay is spread by ±`jitter` (a fraction) so that endpoints
that failed together do not all come back at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400)


@dataclass(frozen=True)
class RetrySchedule:
    """Delays (seconds) before the 2nd, 3rd, … attempt; after the last one a delivery fails."""

    delays: Sequence[float] = DEFAULT_SCHEDULE
    jitter: float = 0.2
    rand: Callable[[], float] = field(default=random.random, compare=False)

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempts: int) -> float | None:
        """Seconds until the next attempt after `attempts` failed ones; None: give up."""
        if attempts < 1 or attempts > len(self.delays):
            return None
        base = float(self.delays[attempts - 1])
        spread = base * self.jitter * (2 * self.rand() - 1)
        return max(0.0, base + spread)
