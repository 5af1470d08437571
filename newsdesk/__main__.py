"""`python -m newsdesk`: the same command line as the `newsdesk` script (used by `serve`)."""

import sys

from newsdesk.cli import main

sys.exit(main())
