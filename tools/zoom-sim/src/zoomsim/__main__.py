"""`python -m zoomsim ...`: see `zoomsim.cli`."""

from zoomsim.cli import main

raise SystemExit(main())
