"""Use cases: each handler takes a command and a unit of work; only the unit of work commits."""
