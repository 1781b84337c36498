"""``python -m recording_sync serve | migrate`` (see :mod:`classbridge_common.cli`), and
``python -m recording_sync watch PATH --edge URL``, the folder watcher agent
(:mod:`recording_sync.watcher.agent`)."""

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["watch"]:
    # The folder watcher agent, on a teacher's computer: none of the service is loaded.
    from recording_sync.watcher.agent import main as watch

    sys.exit(watch(sys.argv[2:]))

from classbridge_common.cli import run_service_cli
from recording_sync.bootstrap import MIGRATIONS_DIR, running
from recording_sync.settings import load

if __name__ == "__main__":
    sys.exit(run_service_cli(load=load, running=running, migrations_dir=MIGRATIONS_DIR))
