"""A deadline carried through a call, so every step (a wait for a rate-limit token, an HTTP
request, a backoff sleep) only spends the time the caller gave."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deadline:
    """An absolute point on the monotonic clock; ``None`` end means "no deadline given"."""

    end: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        return cls(None if seconds is None else time.monotonic() + seconds)

    @classmethod
    def none(cls) -> Deadline:
        return cls(None)

    def remaining(self, default: float = 3600.0) -> float:
        """Seconds left (``default`` if unbounded), never negative."""
        if self.end is None:
            return default
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def cap(self, seconds: float) -> float:
        """``seconds`` but no more than what is left."""
        return min(seconds, self.remaining(seconds))
