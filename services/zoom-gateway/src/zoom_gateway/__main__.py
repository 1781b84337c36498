"""``python -m zoom_gateway serve | migrate | reencrypt`` (see :mod:`classbridge_common.cli`).

Stopping drains: in-flight calls are answered and meeting creates already sent to Zoom recorded.
``reencrypt`` finishes a rotation of ``ZOOM_TOKEN_ENCRYPTION_KEYS`` (new key first): it rewrites
every stored secret under the newest key, after which the old keys can be removed.
"""

import sys

from classbridge_common.cli import run_service_cli
from classbridge_common.db import create_engine
from zoom_gateway.bootstrap import MIGRATIONS_DIR, running
from zoom_gateway.service_layer.reencrypt import reencrypt
from zoom_gateway.settings import Settings, load


def load_checked() -> Settings:
    """The settings, with a broken ``ZOOM_TENANTS_FILE`` failing here, by its name."""
    settings = load()
    settings.tenants()
    return settings


async def reencrypt_command(settings: Settings) -> int:
    """Rewrite every stored secret under the newest key; prints the rows rewritten. Exit
    status 1 when some row no configured key opens (nothing else is lost: it is left as is)."""
    engine = create_engine(settings)
    try:
        report = await reencrypt(engine, settings.encryption_keys())
    finally:
        await engine.dispose()
    detail = ", ".join(f"{table}={n}" for table, n in report.rewritten.items())
    print(f"re-encrypted {report.total} rows under the newest key ({detail})", flush=True)
    if report.undecryptable:
        lost = ", ".join(f"{table}={n}" for table, n in report.undecryptable.items())
        print(f"rows no configured key can decrypt: {lost}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(
        run_service_cli(
            load=load_checked,
            running=running,
            migrations_dir=MIGRATIONS_DIR,
            commands={"reencrypt": reencrypt_command},
        )
    )
