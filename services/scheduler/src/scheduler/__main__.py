"""``python -m scheduler serve | migrate`` (see :mod:`classbridge_common.cli`)."""

import sys

from classbridge_common.cli import run_service_cli
from scheduler.bootstrap import MIGRATIONS_DIR, running
from scheduler.settings import load

if __name__ == "__main__":
    sys.exit(run_service_cli(load=load, running=running, migrations_dir=MIGRATIONS_DIR))
