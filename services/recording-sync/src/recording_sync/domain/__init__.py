"""recording-sync's domain: rules with no I/O."""
