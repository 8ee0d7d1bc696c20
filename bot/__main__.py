"""python -m bot: see bot.cli."""

import sys

from bot.cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # output piped into head, less...: not an error
    sys.stderr.close()
    sys.exit(0)
