"""The ``taskdb`` command line (``taskdb.cli:main`` is the console script)."""

from .main import build_parser, main
from .sources import build_db, open_files

__all__ = ["main", "build_parser", "open_files", "build_db"]
