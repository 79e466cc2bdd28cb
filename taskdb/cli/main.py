"""The ``taskdb`` command: sample records, query JSON-lines files, explain queries, demo.

Conventions: results go to stdout, errors to stderr as ``taskdb: error: ...`` (a bad
query shows its caret snippet), never a traceback (set ``TASKDB_DEBUG=1`` to get one).
Exit status: 0 on success (also when a query matches nothing), 1 for query or data errors,
2 for usage errors.  ``-`` as a file name means stdin/stdout.  A closed pipe (``| head``)
ends the command quietly with status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import querylang
from querylang import QueryError
from querylang.frontends import extjson

from .demo import run_demo
from .errors import CommandError
from .output import columns, format_table, write_records
from .plans import explain_text
from .records import build_db, load_records, query_text
from .transfer import add_commands, is_sqlite, open_sqlite

__all__ = ["main", "build_parser"]

PROG = "taskdb"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("taskdb")
    except Exception:  # not installed: running from a checkout
        from .. import __version__

        return __version__


# --- subcommands ------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace) -> int:
    from taskdb.samples import sample_record_stream

    out = sys.stdout if args.output == "-" else _open_out(args.output)
    try:
        for rec in sample_record_stream(args.n, args.seed):
            out.write(extjson.dumps(rec) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _open_out(name: str) -> IO[str]:
    try:
        return open(name, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot write {name}: {exc.strerror}") from None


def find(db: Any, query: querylang.Query, keys: Sequence[str] | None = None) -> list[dict]:
    """``db.find_records`` for a parsed query."""
    try:
        return db.find_records(query, list(keys) if keys else None)
    except KeyError as exc:
        reason = exc.args[0] if exc.args else exc
        raise CommandError(f"cannot project keys {list(keys or [])}: {reason}") from None


def cmd_query(args: argparse.Namespace) -> int:
    query = querylang.parse(query_text(args.query, args.file))
    if is_sqlite(args.file):  # a taskdb.SQLiteDB file (see transfer.py)
        db = open_sqlite(args.file)
        records: Any = range(len(db))
    else:
        records = load_records(args.file)
        db = build_db(records, args.file)
    matches = find(db, query, args.keys)
    if args.count:
        sys.stdout.write(f"{len(matches)}\n")
        return 0
    shown = matches if args.limit is None else matches[: args.limit]
    if args.format == "table":
        sys.stdout.write(format_table(shown, columns(args.keys)))
        more = f"showing {len(shown)} of " if len(shown) < len(matches) else ""
        sys.stdout.write(f"({more}{len(matches)} matches among {len(records)} records)\n")
    else:
        write_records(shown, args.format, sys.stdout)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    query = querylang.parse(query_text(args.query, args.file))
    if is_sqlite(args.file):  # the SQL a taskdb.SQLiteDB file runs (see transfer.py)
        db: Any = open_sqlite(args.file)
    else:
        records = load_records(args.file) if args.file is not None else []
        db = build_db(records, args.file or "<empty>")
    sys.stdout.write(explain_text(query, db))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    run_demo(sys.stdout, n=args.n, rows=args.rows)
    return 0


# --- argument parsing -------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Query ipyparallel task records with MongoDB semantics.",
        epilog="Run 'taskdb COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("sample", help="write N realistic task records as JSON lines")
    p.description = "Write N deterministic, realistic TaskRecords as Extended JSON lines."
    p.add_argument("n", metavar="N", type=_count, help="how many records")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (- stdout)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("query", help="run a query over a JSON-lines file of task records")
    p.description = (
        "Load task records (Extended JSON lines) into a taskdb.DictDB and print the records "
        "matching QUERY: the textual language ('completed == null and engine_uuid == \"e1\"') "
        "or Mongo JSON ('{\"completed\": null}')."
    )
    p.add_argument("file", metavar="FILE", help="JSON-lines records (- for stdin)")
    p.add_argument("query", metavar="QUERY", help="query text (- to read it from stdin)")
    p.add_argument("--keys", nargs="+", metavar="K", help="only these record keys (+ msg_id)")
    p.add_argument(
        "--format", choices=("table", "json", "jsonl"), default="table", help="default: table"
    )
    p.add_argument("--limit", type=_count, metavar="N", help="print at most N records")
    p.add_argument("--count", action="store_true", help="print only the number of matches")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("explain", help="show how a query is parsed, optimized, planned, compiled")
    p.description = (
        "Print QUERY's AST, optimized AST, the DictDB's plan (over FILE's records, or an "
        "empty DB) and the generated Python code."
    )
    p.add_argument("query", metavar="QUERY", help="query text (- to read it from stdin)")
    p.add_argument("file", metavar="FILE", nargs="?", help="JSON-lines records to plan over")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("demo", help="a tour of typical queries over 10,000 sample records")
    p.description = "Build sample records in memory (seed 0) and run typical hub queries."
    p.add_argument("--n", type=_count, default=10_000, help="records to build (default 10000)")
    p.add_argument("--rows", type=_count, default=3, help="rows shown per query (default 3)")
    p.set_defaults(func=cmd_demo)
    add_commands(sub)  # import, export (transfer.py)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (status 2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        status = args.func(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except (QueryError, CommandError) as exc:
        return _error(str(exc))
    except Exception as exc:
        if os.environ.get("TASKDB_DEBUG"):
            raise
        return _error(f"{type(exc).__name__}: {exc}")


def _error(message: str) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return 1


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass
