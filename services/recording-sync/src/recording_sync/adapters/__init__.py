"""recording-sync's adapters: tables (and later storage and Zoom clients)."""
