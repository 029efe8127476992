"""``python -m explorer`` is the ``distcheck`` command."""

import sys

from explorer.cli import main

sys.exit(main())
