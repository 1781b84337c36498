"""Discover `bench/bench_*.py` and run each module's `main()` in turn; an optional argument
keeps only modules whose name contains it."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    wanted = argv[0] if argv else ""
    names = sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_") and wanted in m.name
    )
    if not names:
        print(f"no benchmark matches {wanted!r}")
        return 1
    for name in names:
        print(f"== {name}")
        t0 = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"== {name} done in {time.perf_counter() - t0:.1f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
