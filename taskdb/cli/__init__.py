"""The ``taskdb`` command line (``taskdb.cli:main`` is the console script)."""

from .main import build_parser, main
from .records import load_records

__all__ = ["main", "build_parser", "load_records"]
