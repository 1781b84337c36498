"""A circuit breaker per tenant: when Zoom keeps failing, stop hammering it.

Closed → (``threshold`` consecutive failures) → open: calls fail fast for ``cooldown`` seconds →
half-open: exactly one probe is let through; its success closes the circuit, its failure opens it
again. Only failures that say Zoom is unwell (5xx, timeouts, network) count; a 404 is an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    threshold: int = 5
    cooldown: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _probe_in_flight: bool = field(default=False, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def retry_after(self) -> float:
        """Seconds until a probe will be allowed (0 when closed or half-open)."""
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))

    def allow(self) -> bool:
        """Whether a call may go out now (claims the single half-open probe)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self.failures += 1
        if self._probe_in_flight or self.failures >= self.threshold:
            self.opened_at = self.clock()
        self._probe_in_flight = False

    def release(self) -> None:
        """A call that neither succeeded nor failed in Zoom's sense (e.g. cancelled)."""
        self._probe_in_flight = False
