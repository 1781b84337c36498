"""recording-sync's handlers."""
