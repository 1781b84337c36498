"""zoom-gateway: the only Classbridge service that calls Zoom's REST API.

Everything else asks it over gRPC (``classbridge.zoomgateway.v1.ZoomGatewayService``). It owns the
Zoom credentials (server-to-server per tenant, per-user OAuth tokens encrypted at rest), the OAuth
``state``s, the rate-limit buckets and per-host daily ledgers shared by all replicas, and the
idempotency keys that make meeting creation safe to retry. All of that state is in its own
database, reached only through :class:`~zoom_gateway.adapters.uow.GatewayUnitOfWork` and its
repositories (:mod:`zoom_gateway.adapters.repositories`).
"""
