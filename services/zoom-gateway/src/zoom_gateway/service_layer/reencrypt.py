"""Finish a key rotation: rewrite every stored secret under the newest encryption key.

Rotating ``ZOOM_TOKEN_ENCRYPTION_KEYS`` is: put the new key first (old ones after it, so
everything still decrypts), run ``python -m zoom_gateway reencrypt``, then drop the old keys.
This walks every encrypted column in primary-key order and rewrites only values the newest key
cannot already open, so a second run rewrites nothing. Each row is updated only if it still
holds the ciphertext read: a token refresh racing with the command wins (and writes under the
newest key anyway).

**One unit of work per batch, on purpose.** A batch (``batch_size`` rows of one table) is read,
rotated and written in a unit of work of its own, committed before the next is read. One
transaction over the whole walk would hold row locks on PostgreSQL, and SQLite's only write lock,
for as long as the walk takes — every token refresh and meeting create of the running gateway
would wait for it. Stopping between batches is safe: every value is readable with the keyring at
every moment (old ciphertext or new), and a rerun carries on where the rows still need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from classbridge_common.crypto import DecryptionError, SecretBox
from classbridge_common.db import session_factory
from zoom_gateway.adapters.repositories.ciphertexts import ENCRYPTED_COLUMNS
from zoom_gateway.adapters.uow import GatewayUnitOfWork, UnitOfWorkFactory


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
    sessions = session_factory(engine)

    def uow() -> GatewayUnitOfWork:
        return GatewayUnitOfWork(session_factory=sessions, box=box)

    report = ReencryptReport()
    for table, columns in ENCRYPTED_COLUMNS:
        rewritten, failed = await _table(uow, table, columns, box, newest, batch_size)
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
    uow: UnitOfWorkFactory,
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
        async with uow() as work:
            rows = await work.ciphertexts.page(table, columns, after=last, limit=batch_size)
            if not rows:
                return rewritten, failed
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
                if new:
                    rewritten += await work.ciphertexts.replace(table, row, old, new)
            await work.commit()
        last = tuple(getattr(rows[-1], col.name) for col in pk)
