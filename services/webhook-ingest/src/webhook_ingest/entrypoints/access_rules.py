"""Who may call which method of `WebhookAdminService` (enforced by the auth interceptor).

| method       | who                                     | scope    |
| ------------ | --------------------------------------- | -------- |
| ListEvents   | tenant admins (operators pass as admin) | tenant   |
| GetEvent     | tenant admins (operators pass as admin) | tenant   |
| ReplayEvent  | tenant admins (operators pass as admin) | tenant   |
| ReplayEvents | tenant admins (operators pass as admin) | tenant   |
| PruneEvents  | operators, service:webhook-ingest       | platform |

`OutgoingWebhooksService` (outgoing webhooks to course platforms, `OUTGOING_POLICY`): every
method is for tenant admins (operators pass as admin), scope "tenant": endpoints and deliveries
are a tenant's own, and no service needs them (the delivery worker reads the tables itself).

"tenant" means the repository narrows every query to the caller's tenant (an operator's spans
all; another tenant's event is NOT_FOUND). Pruning deletes the audit trail, which retention does
by itself; only the platform may do it by hand. No other Classbridge service reads or replays
stored webhooks (consumers get them from the bus), so none is admitted: a service token stolen
from, say, the scheduler cannot read every tenant's raw webhooks.
"""

from __future__ import annotations

from classbridge.webhookingest.v1 import outgoing_webhooks_pb2 as outgoing_pb
from classbridge.webhookingest.v1 import webhook_admin_pb2 as pb
from classbridge_common.auth import ADMIN, OPERATOR
from classbridge_common.authz import Policy, allow

SERVICE = pb.DESCRIPTOR.services_by_name["WebhookAdminService"]

POLICY = Policy.of(
    SERVICE,
    {
        "ListEvents": allow(ADMIN, scope="tenant"),
        "GetEvent": allow(ADMIN, scope="tenant"),
        "ReplayEvent": allow(ADMIN, scope="tenant"),
        "ReplayEvents": allow(ADMIN, scope="tenant"),
        "PruneEvents": allow(OPERATOR, services=["webhook-ingest"], scope="platform"),
    },
)

OUTGOING_SERVICE = outgoing_pb.DESCRIPTOR.services_by_name["OutgoingWebhooksService"]

OUTGOING_POLICY = Policy.of(
    OUTGOING_SERVICE,
    {
        "CreateEndpoint": allow(ADMIN, scope="tenant"),
        "ListEndpoints": allow(ADMIN, scope="tenant"),
        "GetEndpoint": allow(ADMIN, scope="tenant"),
        "UpdateEndpoint": allow(ADMIN, scope="tenant"),
        "DeleteEndpoint": allow(ADMIN, scope="tenant"),
        "RotateEndpointSecret": allow(ADMIN, scope="tenant"),
        "ListDeliveries": allow(ADMIN, scope="tenant"),
        "GetDelivery": allow(ADMIN, scope="tenant"),
        "ReplayDelivery": allow(ADMIN, scope="tenant"),
        "ReplayFailedDeliveries": allow(ADMIN, scope="tenant"),
        "SendTestEvent": allow(ADMIN, scope="tenant"),
    },
)

__all__ = ["OUTGOING_POLICY", "OUTGOING_SERVICE", "POLICY", "SERVICE"]
