"""The ``taskdb`` command: sample records, query JSON-lines files, explain queries, demo.

Conventions: results go to stdout, errors to stderr as ``taskdb: error: ...`` (a bad
query shows its caret snippet), never a traceback (set ``TASKDB_DEBUG=1`` to get one).
Exit status: 0 on success (also when a query matches nothing), 1 for query or data errors,
2 for usage errors.  ``-`` as a file name means stdin/stdout.  A closed pipe (``| head``)
ends the command quietly with status 0.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

import querylang
from querylang import QueryError, extjson

__all__ = ["main", "build_parser", "parse_query", "load_records"]

PROG = "taskdb"
#: Limits high enough that a DictDB built from a file never culls a record.
NO_CULL = {"record_limit": 2**62, "size_limit": 2**62}


class CommandError(Exception):
    """A data or query problem to report on stderr with exit status 1."""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("taskdb")
    except Exception:  # not installed: running from a checkout
        from . import __version__

        return __version__


# --- input ------------------------------------------------------------------------------


def _open_in(name: str) -> IO[Any]:
    """The named file in binary mode (lines decoded one by one), or stdin."""
    if name == "-":
        return getattr(sys.stdin, "buffer", sys.stdin)
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror}") from None


def load_records(name: str) -> list[dict[str, Any]]:
    """TaskRecords from a JSON-lines file of Extended JSON (``-``: stdin); blank lines skipped."""
    stream = _open_in(name)
    label = "<stdin>" if name == "-" else name
    records: list[dict[str, Any]] = []
    try:
        for lineno, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as exc:
                raise CommandError(f"{label}:{lineno}: not UTF-8 text ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                rec = extjson.loads(line)
            except ValueError as exc:
                raise CommandError(f"{label}:{lineno}: {exc}") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("msg_id"), str):
                raise CommandError(
                    f"{label}:{lineno}: expected a task record (a JSON object with a "
                    f"string msg_id), got {type(rec).__name__}"
                )
            records.append(rec)
    finally:
        if name != "-":
            stream.close()
    return records


def build_db(records: Iterable[dict[str, Any]], source: str = "<memory>") -> Any:
    """A :class:`taskdb.DictDB` holding ``records`` (limits raised: nothing is culled)."""
    from taskdb import DictDB

    db = DictDB(**NO_CULL)
    for rec in records:
        try:
            db.add_record(rec["msg_id"], rec)
        except (KeyError, ValueError) as exc:
            reason = exc.args[0] if exc.args else exc
            raise CommandError(f"{source}: record {rec['msg_id']!r}: {reason}") from None
    return db


def parse_query(text: str) -> querylang.Query:
    """A query from the textual language or Mongo JSON text (JSON may hold Extended JSON)."""
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError:  # the parser's JSON front end points at the mistake
            return querylang.parse(text)
        try:
            doc = extjson.decode(raw, where="query")
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        if not isinstance(doc, dict):
            raise QueryError(f"a query must be a JSON object, not {type(doc).__name__}")
        return querylang.from_dict(doc)
    return querylang.parse(text)


def _query_text(arg: str, file_arg: str | None) -> str:
    if arg != "-":
        return arg
    if file_arg == "-":
        raise CommandError("the query and the records cannot both come from stdin")
    return sys.stdin.read()


# --- output -----------------------------------------------------------------------------


def _write_records(records: Sequence[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    if fmt == "jsonl":
        for rec in records:
            out.write(extjson.dumps(rec) + "\n")
    elif fmt == "json":
        out.write(extjson.dumps(list(records), indent=2) + "\n")
    else:
        raise AssertionError(fmt)


#: Widest a table cell gets before it is cut with "…" (a uuid just fits).
MAX_CELL = 36
_MISSING = object()


def _lookup(record: Mapping[str, Any], column: str) -> Any:
    """The value at a dotted column name (``header.msg_type``), or _MISSING."""
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def cell_text(value: Any) -> str:
    """A short, readable rendering of a record value for a table cell."""
    if value is _MISSING:
        return ""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC)
        return value.isoformat(sep=" ", timespec="milliseconds").removesuffix("+00:00")
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, str):
        return value.replace("\n", "\\n")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cut(text: str, width: int = MAX_CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Records as aligned text columns: a header, a rule, one line per record."""
    rows = [[_cut(cell_text(_lookup(rec, c))) for c in columns] for rec in records]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


DEFAULT_COLUMNS = (
    "msg_id",
    "engine_uuid",
    "header.msg_type",
    "submitted",
    "completed",
    "result_header.status",
)


def _columns(keys: Sequence[str] | None) -> list[str]:
    if not keys:
        return list(DEFAULT_COLUMNS)
    return ["msg_id", *[k for k in keys if k != "msg_id"]]


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
    """``db.find_records`` for a parsed query (as the Mongo dict the hub would send)."""
    try:
        return db.find_records(query.to_dict(), list(keys) if keys else None)
    except KeyError as exc:
        reason = exc.args[0] if exc.args else exc
        raise CommandError(f"cannot project keys {list(keys or [])}: {reason}") from None


def cmd_query(args: argparse.Namespace) -> int:
    text = _query_text(args.query, args.file)
    query = parse_query(text)
    records = load_records(args.file)
    db = build_db(records, args.file)
    matches = find(db, query, args.keys)
    if args.count:
        sys.stdout.write(f"{len(matches)}\n")
        return 0
    shown = matches if args.limit is None else matches[: args.limit]
    if args.format == "table":
        sys.stdout.write(format_table(shown, _columns(args.keys)))
        more = f"showing {len(shown)} of " if len(shown) < len(matches) else ""
        sys.stdout.write(f"({more}{len(matches)} matches among {len(records)} records)\n")
    else:
        _write_records(shown, args.format, sys.stdout)
    return 0


def explain_text(query: querylang.Query, db: Any) -> str:
    """Query, ASTs, the DB's plan (if it can explain) and the generated code, as text."""
    plan = _plan_of(db, query.to_dict())
    if plan is None:
        plan = f"({type(db).__name__} has no plan(): a full scan)"
    return f"{querylang.explain(query).rstrip()}\nplan:\n{_indent(plan)}\n"


def _plan_of(db: Any, mongo: dict[str, Any]) -> str | None:
    """The DB's plan for a query as text (``db.plan(q).describe()``), or None if it has none."""
    plan = getattr(db, "plan", None)
    if plan is None:
        return None
    described = plan(mongo).describe()
    text = described if isinstance(described, str) else "\n".join(described)
    return textwrap.dedent(text)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def cmd_explain(args: argparse.Namespace) -> int:
    query = parse_query(_query_text(args.query, args.file))
    records = load_records(args.file) if args.file is not None else []
    db = build_db(records, args.file or "<empty>")
    sys.stdout.write(explain_text(query, db))
    return 0


def demo_queries(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The demo's tour: (title, Mongo filter) pairs, as the hub and its users would ask."""
    from taskdb.samples import DEFAULT_START, sample_population

    clients, engines = sample_population(0)
    middle = records[len(records) // 2] if records else {"msg_id": "none", "submitted": None}
    t0 = middle["submitted"] or DEFAULT_START
    return [
        ("pending tasks", {"completed": None}),
        ("one client's outstanding tasks", {"client_uuid": clients[0], "completed": None}),
        ("look up one msg_id", {"msg_id": middle["msg_id"]}),
        ("tasks on three engines", {"engine_uuid": {"$in": engines[:3]}}),
        (
            "submitted in a one-second window",
            {"submitted": {"$gte": t0, "$lt": t0 + _dt.timedelta(seconds=1)}},
        ),
        ("failed tasks", {"result_header.status": "error"}),
        ("execute requests (regex)", {"header.msg_type": {"$regex": "^execute"}}),
        ("nothing matches", {"engine_uuid": "no-such-engine", "completed": None}),
    ]


def run_demo(out: IO[str], n: int = 10_000, rows: int = 3) -> None:
    """Build ``n`` sample records (seed 0) in a DictDB and run :func:`demo_queries` on it."""
    from taskdb.samples import sample_records

    started = time.perf_counter()
    records = sample_records(n, seed=0)
    db = build_db(records)
    elapsed = time.perf_counter() - started
    out.write(f"taskdb demo: {n} sample task records (seed 0) in a DictDB, {elapsed:.2f} s\n")
    for title, mongo in demo_queries(records):
        query = querylang.from_dict(mongo)
        started = time.perf_counter()
        matches = db.find_records(mongo)
        elapsed = time.perf_counter() - started
        out.write(f"\n== {title}\n")
        out.write(f"query:   {query}\n")
        out.write(f"mongo:   {extjson.dumps(mongo)}\n")
        out.write(f"matches: {len(matches)} in {elapsed * 1000:.1f} ms\n")
        plan = _plan_of(db, mongo)
        if plan is not None:
            out.write("plan:\n" + _indent(plan) + "\n")
        if matches and rows:
            shown = min(rows, len(matches))
            out.write("first row:\n" if shown == 1 else f"first {shown} rows:\n")
            out.write(_indent(format_table(matches[:rows], DEFAULT_COLUMNS)) + "\n")


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
