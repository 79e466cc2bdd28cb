"""The subcommands: sample, query, explain, shell, demo (each ``cmd_X(args) -> status``)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from typing import IO, Any

import querylang
from querylang import QueryError
from querylang.frontends import extjson

from .answers import View, answer, counts, footer, write_answer, write_counts
from .args import looks_like_query, split_keys
from .hints import field_paths, improve_error, type_hints
from .outfile import output_file
from .output import Style, use_color
from .plans import explain_text
from .records import query_text
from .results import window
from .sources import Source, build_db, open_files

__all__ = ["cmd_sample", "cmd_query", "cmd_explain", "cmd_shell", "cmd_demo", "parse_query"]


def cmd_sample(args: argparse.Namespace) -> int:
    from taskdb.samples import sample_record_stream

    with output_file(args.output, force=args.force) as out:
        for rec in sample_record_stream(args.n, args.seed):
            out.write(extjson.dumps(rec) + "\n")
    return 0


# --- shared pieces --------------------------------------------------------------------------


def _task_fields() -> list[str]:
    from taskdb.samples import sample_records

    return field_paths(sample_records(1))


def parse_query(text: str, source: Source | None = None) -> querylang.Query:
    """Parse query text; a syntax error that compares two fields says so (see hints)."""
    try:
        return querylang.parse(text)
    except QueryError as exc:
        fields = _task_fields()
        if source is not None:
            fields += field_paths(source.sample())
        raise improve_error(exc, text, fields) from None


def terminal_width(stream: IO[str]) -> int | None:
    """The width to fit tables to: the terminal's; None (no limit) in a pipe or a file."""
    try:
        if stream.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError):
        pass
    return None


def open_source(args: argparse.Namespace, files: Sequence[str]) -> Source:
    """The records to query: a live cluster (``--cluster``) or FILE arguments."""
    if getattr(args, "cluster", False):
        if files:
            args.parser.fail("--cluster asks a running controller: give no FILE")
        from .cluster import connect

        return connect(args.profile, args.profile_dir, args.cluster_id)
    return open_files(files, args.id_field)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


# --- query -----------------------------------------------------------------------------------


def _split_terms(args: argparse.Namespace) -> tuple[list[str], str]:
    """FILE ... QUERY -> (files, query argument), with clear words for a lost query."""
    terms: list[str] = list(args.terms)
    keys: list[str] = args.keys or []
    swallowed = keys and looks_like_query(keys[-1])
    if swallowed and (not terms or os.path.exists(terms[-1]) or not looks_like_query(terms[-1])):
        args.parser.fail(
            f"the query {keys[-1]!r} was taken as a --keys value: put QUERY before --keys, "
            "or end the keys with --"
        )
    if not terms:
        args.parser.fail("the following arguments are required: QUERY")
    files, query_arg = terms[:-1], terms[-1]
    if not files and not args.cluster:
        if _stdin_is_terminal():
            args.parser.fail("no records: give FILE, pipe records in, or use --cluster")
        files = ["-"]
    return files, query_arg


def cmd_query(args: argparse.Namespace) -> int:
    files, query_arg = _split_terms(args)
    text = query_text(query_arg, stdin_taken="-" in files)
    try:
        query = querylang.parse(text)
    except QueryError:
        query = None
    source = open_source(args, files)
    if query is None:
        query = parse_query(text, source)
    out = sys.stdout
    style = Style(use_color(out, args.color))
    width = terminal_width(out)
    view = View(split_keys(args.keys), args.sort, args.skip, args.limit, args.format)
    if args.count_by:
        groups = window(counts(source, query, args.count_by), args.skip, args.limit)
        write_counts(out, groups, args.count_by, args.format, width=width, style=style)
        return 0
    ans = answer(source, query, view)
    if args.count:
        out.write(f"{len(ans.rows)}\n")
    else:
        write_answer(out, source, ans, view, width=width, style=style)
        if args.format == "table":
            out.write(footer(ans, len(ans.rows)) + "\n")
    if ans.total == 0 and source.size:
        json_form = text.lstrip().startswith("{")
        for hint in type_hints(query, source.sample(), json_form):
            sys.stderr.write(f"taskdb: hint: {hint}\n")
    return 0


# --- explain, shell, demo ----------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace) -> int:
    text = query_text(args.query, stdin_taken="-" in args.files)
    source = open_files(args.files, args.id_field) if args.files else None
    query = parse_query(text, source)
    if source is None:
        db: Any = build_db([], "<empty>")
        hints: list[str] = []
    else:
        db = source.db
        hints = type_hints(query, source.sample(), text.lstrip().startswith("{"))
    sys.stdout.write(explain_text(query, db, hints))
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from .shell import run_shell

    if args.files or args.cluster:
        source = open_source(args, args.files)
    else:
        from taskdb.samples import sample_records

        records = sample_records(10_000, seed=0)
        source = Source(
            build_db(records), "10000 sample records", id_field="msg_id", tasks=True, size=10_000
        )
    return run_shell(source)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(sys.stdout, n=args.n, rows=args.rows)
    return 0
