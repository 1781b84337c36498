"""recording-sync's entry points: gRPC API and event consumers."""
