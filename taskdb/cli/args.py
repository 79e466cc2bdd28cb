"""The ``taskdb`` argument parser: argparse, with the conventions people expect of it.

* Options and arguments may be mixed in any order (``parse_intermixed_args``); ``--`` ends
  the options.
* Mistyped options and choices get a suggestion: ``--limt`` -> did you mean ``--limit``?
* A query swallowed by ``--keys a b 'completed == null'`` is named as such.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import transfer
from .answers import FORMATS
from .results import SortKey, parse_sort

__all__ = ["build_parser", "parse_args", "Parser", "looks_like_query", "PROG"]

PROG = "taskdb"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("taskdb")
    except Exception:  # not installed: running from a checkout
        from .. import __version__

        return __version__


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors suggest the option or choice that was meant."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}{self._suggestion(message)}\n")

    def _suggestion(self, message: str) -> str:
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = re.findall(r"'([^']*)'", choice.group(2))
            close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.5)
            return f"\n  did you mean {close[0]!r}?" if close else ""
        unknown = re.search(r"unrecognized arguments: (.*)", message)
        if unknown:
            known = list(self._option_string_actions)
            for word in unknown.group(1).split():
                if word.startswith("-"):
                    name = word.split("=", 1)[0]
                    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                    if close:
                        return f"\n  did you mean {close[0]}?"
        return ""

    def fail(self, message: str) -> NoReturn:
        """A usage error found after parsing (status 2)."""
        self.error(message)


# --- value types ---------------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def _sort_key(text: str) -> SortKey:
    try:
        return parse_sort(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_QUERY_SIGNS = re.compile(r"\s|==|!=|<|>|=~|!~|^\{|^\(|^not\b|\bexists\b")


def looks_like_query(text: str) -> bool:
    """Is this argument query text rather than a field name or a file name?"""
    return bool(_QUERY_SIGNS.search(text)) and not os.path.exists(text)


def split_keys(values: Sequence[str] | None) -> list[str] | None:
    """``--keys a b,c`` -> ``[a, b, c]``."""
    if not values:
        return None
    return [k.strip() for v in values for k in v.split(",") if k.strip()]


# --- the parser --------------------------------------------------------------------------------


def _cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("a live ipyparallel cluster")
    g.add_argument(
        "--cluster",
        action="store_true",
        help="ask a running controller (Client.db_query) instead of reading files",
    )
    g.add_argument("--profile", metavar="P", help="the cluster's IPython profile")
    g.add_argument("--profile-dir", metavar="DIR", help="the cluster's profile directory")
    g.add_argument("--cluster-id", metavar="ID", help="the cluster's id (ipcluster --cluster-id)")


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--id",
        metavar="FIELD",
        dest="id_field",
        help="name records by this field (default: msg_id for task records, else line number)",
    )


def _view_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--keys",
        nargs="+",
        metavar="K",
        help="only these fields (dotted paths; commas or spaces between them) and the id",
    )
    p.add_argument(
        "--sort",
        action="append",
        type=_sort_key,
        default=[],
        metavar="FIELD[:desc]",
        help="sort in MongoDB's order (repeat for more keys)",
    )
    p.add_argument("--skip", type=_count, default=0, metavar="N", help="skip the first N matches")
    p.add_argument("--limit", type=_count, metavar="N", help="print at most N records")
    p.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the table (auto: on a terminal, unless NO_COLOR is set)",
    )


def build_parser() -> Parser:
    from .commands import cmd_demo, cmd_explain, cmd_query, cmd_sample, cmd_shell

    parser = Parser(
        prog=PROG,
        description="Query ipyparallel task records, and any JSON lines, with MongoDB semantics.",
        epilog="Run 'taskdb COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("sample", help="write N realistic task records as JSON lines")
    p.description = "Write N deterministic, realistic TaskRecords as Extended JSON lines."
    p.add_argument("n", metavar="N", type=_count, help="how many records")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (- stdout)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing FILE")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "query",
        help="run a query over JSON-lines files or a live cluster",
        usage="taskdb query [options] [FILE ...] QUERY",
    )
    p.description = (
        "Print the records matching QUERY: the textual language ('completed == null and "
        'engine_uuid == "e1"\') or Mongo JSON (\'{"completed": null}\'). Task records go into '
        "a taskdb.DictDB; any other JSON records are named by --id FIELD or line number."
    )
    p.add_argument(
        "terms",
        nargs="*",
        metavar="FILE ... QUERY",
        help="JSON records (JSON lines, .gz; - or none: stdin), then the query "
        "(@FILE: read it from FILE; -: from stdin)",
    )
    _input_options(p)
    _view_options(p)
    counting = p.add_mutually_exclusive_group()
    counting.add_argument(
        "--count",
        action="store_true",
        help="print only the number of matches (after --skip, --limit)",
    )
    counting.add_argument(
        "--count-by", metavar="FIELD", help="count the matches by FIELD's value, most first"
    )
    _cluster_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "explain",
        help="show how a query is parsed, optimized, planned, compiled",
        usage="taskdb explain [options] QUERY [FILE ...]",
    )
    p.description = (
        "Print QUERY's Mongo form, ASTs, generated Python code and the DictDB's plan (over "
        "FILE's records, or an empty DB), with hints where the data's types cannot match."
    )
    p.add_argument("query", metavar="QUERY", help="query text (@FILE: from FILE; -: stdin)")
    p.add_argument("files", metavar="FILE", nargs="*", help="JSON records to plan over")
    _input_options(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser(
        "shell",
        help="an interactive prompt for queries, like mongosh or sqlite3",
        usage="taskdb shell [options] [FILE ...]",
    )
    p.description = (
        "Query FILE's records (JSON lines, .gz, a SQLite DB) or a live cluster interactively. "
        "Without FILE: 10,000 sample task records. Type .help at the prompt."
    )
    p.add_argument("files", metavar="FILE", nargs="*", help="JSON records or a taskdb SQLite DB")
    _input_options(p)
    _cluster_options(p)
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("demo", help="a tour of typical queries over 10,000 sample records")
    p.description = "Build sample records in memory (seed 0) and run typical hub queries."
    p.add_argument("--n", type=_count, default=10_000, help="records to build (default 10000)")
    p.add_argument("--rows", type=_count, default=3, help="rows shown per query (default 3)")
    p.set_defaults(func=cmd_demo)

    transfer.add_commands(sub)  # import, export
    parser.set_defaults(_commands=sub.choices)
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line; subcommands take options and arguments in any order."""
    parser = build_parser()
    commands: dict[str, Any] = parser.get_default("_commands")
    if argv and argv[0] in commands:
        args: argparse.Namespace = commands[argv[0]].parse_intermixed_args(list(argv[1:]))
        args.command = argv[0]
        args.parser = commands[argv[0]]
        return args
    args = parser.parse_args(list(argv))  # --help, --version and errors end here
    args.parser = parser
    return args
