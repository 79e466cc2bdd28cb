"""Progress bars on stderr for long loads and scans: only on a terminal, only after a second.

tqdm draws them (``delay``: nothing appears for work that ends sooner).  Set
``TASKDB_PROGRESS_DELAY`` to change the one-second delay (the tests use 0).
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

__all__ = ["Progress", "progress_enabled"]

DEFAULT_DELAY = 1.0


def progress_enabled() -> bool:
    """Bars are for people: stderr must be a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _delay() -> float:
    try:
        return float(os.environ.get("TASKDB_PROGRESS_DELAY", DEFAULT_DELAY))
    except ValueError:
        return DEFAULT_DELAY


class Progress:
    """``with Progress(total, "loading") as p: p.to(done)``: a bar that may never show."""

    def __init__(self, total: int | None, desc: str, unit: str = "B") -> None:
        self._bar: Any = None
        self._done = 0
        if progress_enabled():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=desc,
                unit=unit,
                unit_scale=True,
                delay=_delay(),
                leave=False,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def to(self, done: int) -> None:
        """Move the bar to ``done`` (of total)."""
        if self._bar is not None and done > self._done:
            self._bar.update(done - self._done)
            self._done = done

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()
