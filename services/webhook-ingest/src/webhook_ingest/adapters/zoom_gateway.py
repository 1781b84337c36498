"""The zoom-gateway client of webhook-ingest: every tenant's webhook verification keys.

Called with webhook-ingest's own service token (never a person's: the table serves every
request), so the gateway's `services_only("webhook-ingest")` rule admits it. Errors come back as
`classbridge_common.errors` exceptions; the key cache decides what an outage means.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import grpc.aio

from classbridge.zoomgateway.v1 import zoom_gateway_pb2 as zg
from classbridge.zoomgateway.v1 import zoom_gateway_pb2_grpc as zg_grpc
from classbridge_common.auth import ServiceTokenIssuer
from classbridge_common.grpc import call, create_channel
from webhook_ingest.domain.tenancy import KeyEntry


class ZoomGatewayKeys:
    """`ListWebhookKeys` over one channel; use as `async with` so the channel closes."""

    def __init__(self, *, address: str, tokens: ServiceTokenIssuer, timeout: float) -> None:
        self._timeout = timeout
        # Few attempts: the cache retries on its own schedule and keeps the last table meanwhile.
        self._channel: grpc.aio.Channel = create_channel(
            address,
            default_timeout=timeout,
            service_tokens=tokens,
            forward_caller=False,
            max_attempts=2,
        )
        self._stub = zg_grpc.ZoomGatewayServiceStub(self._channel)

    async def fetch(self) -> list[KeyEntry]:
        """Every tenant's (tenant, account, secret tokens), as the gateway knows them now."""
        answer = await call(
            self._stub.ListWebhookKeys, zg.ListWebhookKeysRequest(), timeout=self._timeout
        )
        return [
            KeyEntry(
                tenant_id=key.tenant_id,
                account_id=key.account_id,
                secret_tokens=tuple(key.secret_tokens),
            )
            for key in answer.keys
        ]

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


__all__ = ["ZoomGatewayKeys"]
