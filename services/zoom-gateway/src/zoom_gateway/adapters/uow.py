"""zoom-gateway's unit of work: one transaction on its database and the repositories on it.

Every read and write of the gateway's tables goes through one of these: ``async with uow() as
uow: …; await uow.commit()``. The repositories never commit; leaving the block without a commit
rolls back. A unit of work is short by rule: it is never held open while Zoom is called (a
transaction waiting on the network holds row locks on PostgreSQL and SQLite's only write lock),
so a use case that calls Zoom between two writes opens two units of work, each named for why
in its handler's docstring.

The gateway announces one fact, a Zoom connection to authorize again: :meth:`publish` records
it in the ``outbox`` with the change that found it, and the outbox relay takes it to the bus. It
consumes one (``app_deauthorized``): :meth:`first_delivery` records the message in its
``inbox`` inside the unit of work, so the effect and the record commit together and a
redelivery does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from classbridge_common.crypto import SecretBox
from classbridge_common.inbox import try_record
from classbridge_common.uow import UnitOfWork
from zoom_gateway.adapters.orm import inbox
from zoom_gateway.adapters.repositories.ciphertexts import CiphertextRepository
from zoom_gateway.adapters.repositories.host_usage import HostUsageRepository
from zoom_gateway.adapters.repositories.meeting_creations import MeetingCreationRepository
from zoom_gateway.adapters.repositories.oauth_states import OAuthStateRepository
from zoom_gateway.adapters.repositories.rate_buckets import RateBucketRepository
from zoom_gateway.adapters.repositories.tenants import TenantRepository
from zoom_gateway.adapters.repositories.user_connections import UserConnectionRepository


class GatewayUnitOfWork(UnitOfWork):
    """The gateway's repositories over one transaction; ``box`` seals the ``*_enc`` columns.

    Not re-entrant and not shared between tasks: take a fresh one from the
    :data:`UnitOfWorkFactory` for each use case (they are cheap: no connection is taken from
    the pool until the first statement).
    """

    tenants: TenantRepository
    connections: UserConnectionRepository
    creations: MeetingCreationRepository
    buckets: RateBucketRepository
    host_usage: HostUsageRepository
    oauth_states: OAuthStateRepository
    ciphertexts: CiphertextRepository

    def __init__(
        self, *, session_factory: async_sessionmaker[AsyncSession], box: SecretBox
    ) -> None:
        super().__init__(session_factory=session_factory)
        self._box = box

    def attach(self, session: AsyncSession) -> None:
        self.tenants = TenantRepository(session, self._box)
        self.connections = UserConnectionRepository(session, self._box)
        self.creations = MeetingCreationRepository(session, self._box)
        self.buckets = RateBucketRepository(session)
        self.host_usage = HostUsageRepository(session)
        self.oauth_states = OAuthStateRepository(session, self._box)
        self.ciphertexts = CiphertextRepository(session)

    async def first_delivery(self, consumer: str, message_id: str) -> bool:
        """Record ``message_id`` as applied by ``consumer``; False when it was before (then the
        caller does nothing). On PostgreSQL a concurrent delivery of the same message waits
        here for the first one's transaction, so the two can never both apply it."""
        return await try_record(self.session, consumer, message_id, table=inbox)


UnitOfWorkFactory = Callable[[], GatewayUnitOfWork]
"""A new unit of work per call (wired in ``bootstrap``): what handlers and adapters are given."""
