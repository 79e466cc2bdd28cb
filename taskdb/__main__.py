"""``python -m taskdb``: the same command line as the ``taskdb`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
