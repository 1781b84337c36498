"""Who may call which method of `WebhookAdminService` (enforced by the auth interceptor).

| method       | who                                     | scope    |
| ------------ | --------------------------------------- | -------- |
| ListEvents   | tenant admins (operators pass as admin) | tenant   |
| GetEvent     | tenant admins (operators pass as admin) | tenant   |
| ReplayEvent  | tenant admins (operators pass as admin) | tenant   |
| ReplayEvents | tenant admins (operators pass as admin) | tenant   |
| PruneEvents  | operators, service:webhook-ingest       | platform |

"tenant" means the repository narrows every query to the caller's tenant (an operator's spans
all; another tenant's event is NOT_FOUND). Pruning deletes the audit trail, which retention does
by itself; only the platform may do it by hand. No other Classbridge service reads or replays
stored webhooks (consumers get them from the bus), so none is admitted: a service token stolen
from, say, the scheduler cannot read every tenant's raw webhooks.
"""

from __future__ import annotations

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

__all__ = ["POLICY", "SERVICE"]
