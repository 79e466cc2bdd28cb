"""FILE arguments -> a database with the DictDB API, and how its records are named.

* JSON records (one or several files, ``.gz``, ``-`` for stdin; see records.py) in which
  every record has a string ``msg_id`` are task records: a :class:`taskdb.DictDB`, with its
  indexes and planner, keyed by ``msg_id``.
* Any other JSON records go into a :class:`LinesDB`, keyed by ``--id FIELD`` or by line
  number (``file:line`` with several files).  The records are kept as they are: the id is
  the database key, never a field written into them.
* A SQLite file (``SQLite format 3`` header) opens as ``taskdb.SQLiteDB`` where this version
  has one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import querylang

from .errors import CommandError
from .linesdb import LinesDB
from .progress import Progress
from .records import Record, decode_text, iter_records, read_input
from .transfer import is_sqlite, open_sqlite

__all__ = ["Source", "Row", "open_files", "build_db", "NO_CULL", "ID_COLUMN"]

#: Limits high enough that a DictDB built from files never culls a record.
NO_CULL = {"record_limit": 2**62, "size_limit": 2**62}
#: The table heading of line-number ids.
ID_COLUMN = "#"

Row = tuple[Hashable, dict[str, Any]]


class Source:
    """A database to query, with what the command line needs to know about its records.

    ``id_field`` is the field that names a record and is kept in every projection (``msg_id``
    for task records, the ``--id`` field), or None when records are named by line number.
    """

    def __init__(
        self,
        db: Any,
        label: str,
        *,
        id_field: str | None,
        tasks: bool,
        size: int | None,
        find: Callable[[querylang.Query], list[Row]] | None = None,
    ) -> None:
        self.db = db
        self.label = label
        self.id_field = id_field
        self.tasks = tasks
        self.size = size
        self._find = find

    def find(self, query: querylang.Query) -> list[Row]:
        """``[(id, record)]`` of the matches, in the database's order."""
        if self._find is not None:
            return self._find(query)
        field = self.id_field or "msg_id"
        return [(rec.get(field), rec) for rec in self.db.find_records(query)]

    def sample(self, n: int = 2000) -> list[dict[str, Any]]:
        """Up to ``n`` records, to learn field names and types from (completion, hints)."""
        records = getattr(self.db, "records", None)
        if records is not None:
            out: list[dict[str, Any]] = []
            for rec in records():
                out.append(rec)
                if len(out) >= n:
                    break
            return out
        return [rec for _, rec in self.find(querylang.parse("true"))[:n]]

    def close(self) -> None:
        """Let go of the database (a cluster's client)."""

    @property
    def id_heading(self) -> str:
        return self.id_field or ID_COLUMN


# --- task records -------------------------------------------------------------------------


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


def _task_db(records: Sequence[Record]) -> Any:
    from taskdb import DictDB

    db = DictDB(**NO_CULL)
    first: dict[str, Record] = {}
    with Progress(len(records), "indexing", unit="rec") as bar:
        for i, r in enumerate(records):
            msg_id = r.value["msg_id"]
            if msg_id in first:
                raise CommandError(
                    f"{r.source}:{r.line}: duplicate msg_id {msg_id!r} "
                    f"(first at {_place(first[msg_id], r)})"
                )
            first[msg_id] = r
            try:
                db.add_record(msg_id, r.value)
            except ValueError as exc:
                raise CommandError(
                    f"{r.source}:{r.line}: {exc}\n  (to read these lines as plain JSON rather "
                    "than task records, give --id msg_id)"
                ) from None
            if i % 1024 == 0:
                bar.to(i)
    return db


def _place(first: Record, later: Record) -> str:
    return f"line {first.line}" if first.source == later.source else f"{first.source}:{first.line}"


# --- any JSON records ------------------------------------------------------------------------


def _id_value(rec: Record, field: str) -> Hashable:
    value: Any = rec.value
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            raise CommandError(f"{rec.source}:{rec.line}: the record has no {field!r} (--id)")
        value = value[part]
    if isinstance(value, dict | list):
        kind = "an object" if isinstance(value, dict) else "an array"
        raise CommandError(f"{rec.source}:{rec.line}: --id {field}: the id is {kind}")
    return value  # type: ignore[no-any-return]


def _lines_db(records: Sequence[Record], id_field: str | None, several: bool) -> LinesDB:
    db = LinesDB()
    first: dict[Hashable, Record] = {}
    for r in records:
        if id_field is None:
            rid: Hashable = f"{r.source}:{r.line}" if several else r.line
        else:
            rid = _id_value(r, id_field)
            try:
                seen = first.get(rid)
            except TypeError:
                raise CommandError(f"{r.source}:{r.line}: --id {id_field}: unusable id") from None
            if seen is not None:
                raise CommandError(
                    f"{r.source}:{r.line}: duplicate id {rid!r} (--id {id_field}; first at "
                    f"{_place(seen, r)})"
                )
            first[rid] = r
        db.add_record(rid, r.value)
    return db


# --- files ---------------------------------------------------------------------------------


def _label(name: str) -> str:
    return "<stdin>" if name == "-" else name


def _sqlite(name: str) -> Source:
    db = open_sqlite(name)
    return Source(db, name, id_field="msg_id", tasks=True, size=len(db))


def open_files(names: Sequence[str], id_field: str | None = None) -> Source:
    """Read FILE arguments into a database (see the module docstring)."""
    if not names:
        raise CommandError("no input files")
    if names.count("-") > 1:
        raise CommandError("stdin ('-') can be read only once")
    sqlite = [n for n in names if is_sqlite(n)]
    if sqlite:
        if len(names) > 1:
            raise CommandError(f"{sqlite[0]} is a SQLite database: query it on its own")
        return _sqlite(sqlite[0])
    records: list[Record] = []
    for name in names:
        label = _label(name)
        text = decode_text(read_input(name), label)
        with Progress(len(text), f"reading {label}", unit="char") as bar:
            records.extend(iter_records(text, label, bar.to))
    label = _label(names[0]) if len(names) == 1 else f"{len(names)} files"
    tasks = id_field is None and all(isinstance(r.value.get("msg_id"), str) for r in records)
    if tasks and records:
        return Source(_task_db(records), label, id_field="msg_id", tasks=True, size=len(records))
    db = _lines_db(records, id_field, several=len(names) > 1)
    return Source(db, label, id_field=id_field, tasks=False, size=len(records), find=db.find_rows)
