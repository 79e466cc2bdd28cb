"""Output files that appear whole or not at all: write to a temporary file, then rename.

An interrupted or failed ``taskdb sample -o FILE`` leaves neither a partial FILE nor the
temporary file, and an existing FILE is kept unless the user asked to overwrite it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO

from .errors import CommandError

__all__ = ["output_file"]


@contextlib.contextmanager
def output_file(name: str, force: bool = False) -> Iterator[IO[str]]:
    """A text stream for ``name`` (``-``: stdout), renamed into place only on success."""
    if name == "-":
        yield sys.stdout
        return
    if os.path.exists(name) and not force:
        raise CommandError(f"{name} exists; use --force to overwrite it")
    folder = os.path.dirname(os.path.abspath(name))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(name)}.", suffix=".part")
    except OSError as exc:
        raise CommandError(f"cannot write {name}: {exc.strerror}") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would create it, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
