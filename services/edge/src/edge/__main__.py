"""``python -m edge serve``: the HTTP edge (see :mod:`classbridge_common.cli`)."""

import sys

from classbridge_common.cli import run_service_cli
from edge.bootstrap import running
from edge.settings import load

if __name__ == "__main__":
    sys.exit(run_service_cli(load=load, running=running, migrations_dir=None))
