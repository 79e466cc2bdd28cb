"""The ``taskdb`` command: sample records, query JSON files or a cluster, explain, shell, demo.

Conventions: results go to stdout, errors to stderr as ``taskdb: error: ...`` (a bad
query shows its caret snippet), never a traceback (set ``TASKDB_DEBUG=1`` to get one).
Exit status: 0 on success (also when a query matches nothing), 1 for query or data errors,
2 for usage errors, 130 when interrupted (Ctrl-C).  ``-`` as a file name means
stdin/stdout.  A closed pipe (``| head``) ends the command quietly with status 0.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from querylang import QueryError

from .args import PROG, build_parser, parse_args
from .errors import CommandError
from .output import Style, use_color

__all__ = ["main", "build_parser"]

#: The exit status of a command ended by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        _flush_quietly()
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return INTERRUPTED


def _run(argv: Sequence[str]) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (status 2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        status: int = args.func(args)
        sys.stdout.flush()
        return status
    except SystemExit as exc:  # a usage error found after parsing
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except (QueryError, CommandError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if os.environ.get("TASKDB_DEBUG"):
            raise
        return _error(f"{type(exc).__name__}: {exc}")


def _error(message: str) -> int:
    style = Style(use_color(sys.stderr))
    sys.stderr.write(f"{PROG}: {style('error', 'error:')} {message}\n")
    return 1


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass
