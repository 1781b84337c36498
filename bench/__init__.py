"""Classbridge benchmarks: `python -m bench [name-filter]` runs every `bench_*.py` `main()`."""
