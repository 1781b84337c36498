"""The gRPC API and the event consumers: the only places translating wire formats."""
