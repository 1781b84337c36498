"""When a file is complete: its size and time unchanged for a settle time, and no writer left.

Zoom writes a local recording for minutes (the conversion after the meeting), and an upload of a
file still growing would store half a lesson. A size that stopped changing is not proof on its
own — a converter can pause — so on Linux the file must also have no process holding it open
for writing (``/proc/<pid>/fd`` and its ``fdinfo`` flags, for the processes this user may
inspect). Where ``/proc`` cannot tell (another OS, a process of another user), size stability
alone decides, with the settle time as the margin.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_WRITE_MODES = os.O_WRONLY | os.O_RDWR


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # when this size and time were first seen (monotonic)


class Settler:
    """Remembers each candidate file's size and time, and says when it has settled."""

    def __init__(self, settle_seconds: float) -> None:
        self.settle_seconds = settle_seconds
        self._seen: dict[str, _Seen] = {}

    def observe(self, key: str, *, size: int, mtime_ns: int, now: float) -> bool:
        """Note the file's size and time at ``now``; True once both have stayed the same for
        the settle time (an empty file never settles: Zoom creates files before writing)."""
        seen = self._seen.get(key)
        if seen is None or seen.size != size or seen.mtime_ns != mtime_ns:
            self._seen[key] = _Seen(size, mtime_ns, now)
            return False
        return size > 0 and now - seen.since >= self.settle_seconds

    def restart(self, key: str, now: float) -> None:
        """Wait a whole settle time again (a writer still had the file open)."""
        seen = self._seen.get(key)
        if seen is not None:
            seen.since = now

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    @property
    def pending(self) -> int:
        """Files seen and not yet settled or forgotten."""
        return len(self._seen)

    def growing(self) -> list[str]:
        """The files seen with bytes in them (an empty one may never be written)."""
        return [key for key, seen in self._seen.items() if seen.size > 0]


def open_for_writing(paths: set[Path], *, proc: Path = Path("/proc")) -> set[Path] | None:
    """Those of ``paths`` (absolute, resolved) some process has open for writing, in one pass
    over ``/proc``; None when ``/proc`` is not there to ask (size stability alone decides)."""
    if not paths:
        return set()
    if not proc.is_dir():
        return None
    wanted = {str(p): p for p in paths}
    busy: set[Path] = set()
    try:
        pids = [entry for entry in os.scandir(proc) if entry.name.isdigit()]
    except OSError:
        return None
    for pid in pids:
        fd_dir = os.path.join(pid.path, "fd")
        try:
            fds = list(os.scandir(fd_dir))
        except OSError:  # gone, or another user's process
            continue
        for fd in fds:
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            if target in wanted and _writes(pid.path, fd.name):
                busy.add(wanted[target])
    return busy


def _writes(pid_path: str, fd: str) -> bool:
    """Whether the descriptor was opened for writing (``flags`` in fdinfo, octal); when that
    cannot be read, assume it writes (waiting longer is safe, uploading early is not)."""
    try:
        with open(os.path.join(pid_path, "fdinfo", fd), encoding="ascii") as info:
            for line in info:
                if line.startswith("flags:"):
                    return bool(int(line.split()[1], 8) & _WRITE_MODES)
    except (OSError, ValueError, IndexError):
        return True
    return True


__all__ = ["Settler", "open_for_writing"]
