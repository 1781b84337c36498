"""Every ``*_enc`` column as ciphertext, for re-encryption under a new key.

The one repository that hands out ciphertext instead of plaintext: re-encryption
(:mod:`zoom_gateway.service_layer.reencrypt`) rotates values without needing to know what they
are. A rewrite is conditional on the row still holding the ciphertext read, so a token refresh
racing with it wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Table, and_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from zoom_gateway.adapters.orm import meeting_creations, oauth_states, tenants, user_connections
from zoom_gateway.adapters.repositories.sql import rowcount

ENCRYPTED_COLUMNS: Sequence[tuple[Table, tuple[str, ...]]] = (
    (
        tenants,
        (
            "client_secret_enc",
            "webhook_secret_enc",
            "previous_webhook_secret_enc",
            "oauth_client_secret_enc",
        ),
    ),
    (user_connections, ("access_token_enc", "refresh_token_enc", "previous_refresh_token_enc")),
    (oauth_states, ("code_verifier_enc",)),
    (meeting_creations, ("result_enc",)),
)
"""Every table with secrets at rest and its ciphertext columns."""


class CiphertextRepository:
    """Pages through a table's ciphertext columns and rewrites them row by row."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        after: tuple[object, ...] | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """Up to ``limit`` rows (primary key, then ``columns``) after the key ``after``."""
        pk = list(table.primary_key.columns)
        query = select(*pk, *(table.c[c] for c in columns)).order_by(*pk).limit(limit)
        if after is not None:
            query = query.where(tuple_(*pk) > after)
        return (await self._session.execute(query)).all()

    async def replace(
        self, table: Table, row: Row[Any], old: Mapping[str, str | None], new: Mapping[str, str]
    ) -> int:
        """Write ``new`` into ``row`` if it still holds ``old`` in those columns: rows changed."""
        same_row = and_(
            *(col == getattr(row, col.name) for col in table.primary_key.columns),
            *(table.c[name] == old[name] for name in new),
        )
        return rowcount(await self._session.execute(update(table).where(same_row).values(**new)))
