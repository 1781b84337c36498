"""The scheduler's domain: model, commands and events, free of I/O."""
