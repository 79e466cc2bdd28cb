"""``taskdb import`` and ``taskdb export``: Extended JSON lines into and out of a SQLite file.

``import FILE DB`` adds every record of FILE (``-``: stdin) to DB's table in one
transaction: all of them or, on an error (a duplicate ``msg_id``, a bad record), none.
``export DB`` writes DB's records, in insertion order, as Extended JSON lines (to stdout or
``-o FILE``), streaming them from the file; ``--query`` exports only the matches.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import querylang
from querylang.frontends import extjson

from .errors import CommandError
from .outfile import output_file
from .records import decode_text, iter_records, read_input

__all__ = ["add_commands", "open_sqlite", "is_sqlite"]

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_TABLE = "ipython-tasks"


def is_sqlite(name: str | None) -> bool:
    """Is ``name`` a SQLite database file (by its 16-byte header)?"""
    if not name or name == "-":
        return False
    try:
        with open(name, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def open_sqlite(name: str, table: str = DEFAULT_TABLE, *, readonly: bool = True) -> Any:
    """A :class:`taskdb.SQLiteDB` on the file ``name`` (CommandError if it cannot open)."""
    from taskdb import DatabaseFileError, SQLiteDB

    path = os.path.abspath(name)
    try:
        return SQLiteDB(
            filename=os.path.basename(path),
            location=os.path.dirname(path),
            table=table,
            readonly=readonly,
        )
    except DatabaseFileError as exc:
        raise CommandError(str(exc)) from None


def cmd_import(args: argparse.Namespace) -> int:
    if args.file != "-" and not os.path.exists(args.file):
        raise CommandError(f"cannot read {args.file}: No such file or directory")
    if is_sqlite(args.file):
        raise CommandError(f"{args.file} is a SQLite database, not Extended JSON lines")
    label = "<stdin>" if args.file == "-" else args.file
    records = [r.value for r in iter_records(decode_text(read_input(args.file), label), label)]
    db = open_sqlite(args.db, args.table, readonly=False)
    try:
        db.add_records((rec["msg_id"], rec) for rec in records)
    except KeyError as exc:
        reason = exc.args[0] if exc.args else exc
        raise CommandError(f"{args.db}: {reason}; nothing was imported") from None
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{args.file}: {exc}; nothing was imported") from None
    finally:
        db.close()
    sys.stderr.write(f"imported {len(records)} records from {label} into {args.db}\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if not is_sqlite(args.db):
        raise CommandError(f"{args.db} is not a SQLite database")
    query = querylang.parse(args.query) if args.query else None
    db = open_sqlite(args.db, args.table)
    try:
        records = db.records() if query is None else iter(db.find_records(query))
        if args.output == "-":
            _write(records, sys.stdout)
        else:  # all or nothing: an interrupted export leaves no partial file
            with output_file(args.output, force=args.force) as out:
                _write(records, out)
    finally:
        db.close()
    return 0


def _write(records: Any, out: Any) -> None:
    for rec in records:
        out.write(extjson.dumps(rec) + "\n")


def add_commands(sub: Any) -> None:
    """Register ``import`` and ``export`` on the ``taskdb`` subcommand parser."""
    p = sub.add_parser("import", help="add Extended JSON-lines records to a SQLite task DB")
    p.description = (
        "Add the task records of FILE (Extended JSON lines, - for stdin) to DB, a SQLite file "
        "taskdb.SQLiteDB reads (created if missing), in one transaction: all or none."
    )
    p.add_argument("file", metavar="FILE", help="Extended JSON lines (- for stdin)")
    p.add_argument("db", metavar="DB", help="the SQLite database file")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"table (default: {DEFAULT_TABLE})")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write a SQLite task DB's records as Extended JSON lines")
    p.description = "Write DB's task records, in insertion order, as Extended JSON lines."
    p.add_argument("db", metavar="DB", help="the SQLite database file")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output (- stdout)")
    p.add_argument("-f", "--force", action="store_true", help="overwrite an existing FILE")
    p.add_argument("--query", metavar="QUERY", help="export only the records matching QUERY")
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"table (default: {DEFAULT_TABLE})")
    p.set_defaults(func=cmd_export)
