"""The one error the command line reports without a traceback (besides QueryError)."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    """A data or query problem to report on stderr with exit status 1."""
