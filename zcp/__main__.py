"""``python -m zcp`` is the ``zcp`` command."""

from zcp.cli import main

raise SystemExit(main())
