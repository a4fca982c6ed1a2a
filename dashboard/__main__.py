"""``python -m dashboard run | poll | cluster | record``: see dashboard/cli.py."""

import sys

from dashboard.cli import main

sys.exit(main())
