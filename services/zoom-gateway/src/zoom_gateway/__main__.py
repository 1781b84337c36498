"""``python -m zoom_gateway serve | migrate`` (see :mod:`classbridge_common.cli`).

Stopping drains: in-flight calls are answered and meeting creates already sent to Zoom recorded.
"""

import sys

from classbridge_common.cli import run_service_cli
from zoom_gateway.bootstrap import MIGRATIONS_DIR, running
from zoom_gateway.settings import Settings, load


def load_checked() -> Settings:
    """The settings, with a broken ``ZOOM_TENANTS_FILE`` failing here, by its name."""
    settings = load()
    settings.tenants()
    return settings


if __name__ == "__main__":
    sys.exit(run_service_cli(load=load_checked, running=running, migrations_dir=MIGRATIONS_DIR))
