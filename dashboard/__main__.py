"""``python -m dashboard``: the same command line as ``city-wall`` (dashboard/cli.py)."""

import sys

from dashboard.cli import main

sys.exit(main())
