"""``python -m distcheck`` is the ``distcheck`` command."""

import sys

from distcheck.cli import main

sys.exit(main())
