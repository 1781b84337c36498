"""Finish a key rotation: rewrite every stored secret under the newest encryption key.

Rotating ``ZOOM_TOKEN_ENCRYPTION_KEYS`` is: put the new key first (old ones after it, so
everything still decrypts), run ``python -m zoom_gateway reencrypt``, then drop the old keys.
This walks every encrypted column in primary-key order, in batches (no long transaction), and
rewrites only values the newest key cannot already open, so a second run rewrites nothing. Each
row is updated only if it still holds the ciphertext read: a token refresh racing with the
command wins (and writes under the newest key anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table, and_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.crypto import DecryptionError, SecretBox
from zoom_gateway.adapters.orm import meeting_creations, oauth_states, tenants, user_connections

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


@dataclass
class ReencryptReport:
    """Rows rewritten per table, and rows no configured key could open."""

    rewritten: dict[str, int] = field(default_factory=dict)
    undecryptable: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


async def reencrypt(
    engine: AsyncEngine, keys: Sequence[str], *, batch_size: int = 200
) -> ReencryptReport:
    """Re-encrypt every stored secret under ``keys[0]`` (``keys`` newest first)."""
    box = SecretBox(list(keys))
    newest = SecretBox([keys[0]])
    report = ReencryptReport()
    for table, columns in ENCRYPTED_COLUMNS:
        rewritten, failed = await _table(engine, table, columns, box, newest, batch_size)
        report.rewritten[table.name] = rewritten
        if failed:
            report.undecryptable[table.name] = failed
    return report


def _under_newest(newest: SecretBox, value: str) -> bool:
    try:
        newest.decrypt(value)
    except DecryptionError:
        return False
    return True


async def _table(
    engine: AsyncEngine,
    table: Table,
    columns: tuple[str, ...],
    box: SecretBox,
    newest: SecretBox,
    batch_size: int,
) -> tuple[int, int]:
    pk = list(table.primary_key.columns)
    rewritten = failed = 0
    last: tuple[object, ...] | None = None
    while True:
        query = select(*pk, *(table.c[c] for c in columns)).order_by(*pk).limit(batch_size)
        if last is not None:
            query = query.where(tuple_(*pk) > last)
        async with engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if not rows:
            return rewritten, failed
        async with engine.begin() as conn:
            for row in rows:
                old = {c: getattr(row, c) for c in columns}
                new: dict[str, str] = {}
                try:
                    for name, value in old.items():
                        if value is not None and not _under_newest(newest, value):
                            new[name] = box.rotate(value)
                except DecryptionError:
                    failed += 1
                    continue
                if not new:
                    continue
                same_row = and_(
                    *(col == getattr(row, col.name) for col in pk),
                    *(table.c[name] == old[name] for name in new),
                )
                result = await conn.execute(update(table).where(same_row).values(**new))
                rewritten += result.rowcount
        last = tuple(getattr(rows[-1], col.name) for col in pk)
