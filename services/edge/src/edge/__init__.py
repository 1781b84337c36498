"""The Classbridge edge: the thin, stateless HTTP front door (REST/JSON to gRPC)."""
