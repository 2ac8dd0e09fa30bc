"""`python -m newsletter`."""

import sys

from newsletter.cli.main import main

sys.exit(main())
