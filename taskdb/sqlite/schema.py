"""The task table on disk: columns, indexes, schema version, and opening a file safely.

One row per record::

    seq          INTEGER PRIMARY KEY  -- insertion order (an explicit rowid: VACUUM keeps it)
    msg_id       TEXT NOT NULL UNIQUE -- the key the record was stored under
    msg_id_odd   INTEGER              -- 1 when the record's own msg_id field is not that key
    client_uuid, engine_uuid TEXT     -- shadows: the string, NULL (null/missing), X'00' (other)
    submitted, started, completed, received INTEGER  -- µs since the epoch, NULL, or X'00'
    irregular    TEXT NOT NULL        -- '|a|b.c|': paths where SQL must not trust the JSON
    doc          TEXT NOT NULL        -- the whole record, tagged JSON (querylang.sql.document)
    bin          BLOB                 -- its bytes values, concatenated (last: never read by
                                      -- a query that does not need it)

The shadows and the key are indexed (``submitted``'s index also gives ``get_history`` its
order and msg_ids; ``started`` and ``received`` have partial indexes of their non-null
values).  A registry table, ``taskdb_tables``, records which tables taskdb made and their
schema version.

Opening never writes before the file is known to be a taskdb file of a version we read:
not SQLite, corrupt, newer, or a table someone else made -- each is a clear error naming the
file, and the file is left as it was.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import urllib.parse
from typing import Any

from querylang.sql import SQLITE, Layout, Shadow, shadow_value
from querylang.sql.document import Stored, store
from querylang.values import MISSING

__all__ = [
    "SCHEMA_VERSION",
    "REGISTRY",
    "LAYOUT",
    "COLUMNS",
    "DatabaseFileError",
    "connect",
    "row_values",
    "INSERT_COLUMNS",
]

SCHEMA_VERSION = 1
REGISTRY = "taskdb_tables"
HEADER = b"SQLite format 3\x00"
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_US = _dt.timedelta(microseconds=1)
_UTC = _dt.UTC
datetime = _dt.datetime
SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")
#: ``filename`` for a private in-memory database (tests, scratch work): nothing on disk.
MEMORY = ":memory:"

TEXT_SHADOWS = ("client_uuid", "engine_uuid")
DATE_SHADOWS = ("submitted", "started", "completed", "received")
SPARSE_INDEXES = ("started", "received")

#: (name, declared type) in table order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "INTEGER"),
    ("msg_id", "TEXT"),
    ("msg_id_odd", "INTEGER"),
    *((f, "TEXT") for f in TEXT_SHADOWS),
    *((f, "INTEGER") for f in DATE_SHADOWS),
    ("irregular", "TEXT"),
    ("doc", "TEXT"),
    ("bin", "BLOB"),
)
INSERT_COLUMNS = tuple(name for name, _ in COLUMNS[1:])

LAYOUT = Layout(
    doc="doc",
    irregular="irregular",
    shadows=(
        Shadow("msg_id", "msg_id", "text", flag="msg_id_odd"),
        *(Shadow(f, f, "text") for f in TEXT_SHADOWS),
        *(Shadow(f, f, "date") for f in DATE_SHADOWS),
    ),
)


class DatabaseFileError(sqlite3.DatabaseError):
    """A database file taskdb cannot use (the message names the file and why)."""


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return SQLITE.ident(name)


def _ddl(table: str) -> list[str]:
    t = q(table)
    cols = [
        "seq INTEGER PRIMARY KEY",
        "msg_id TEXT NOT NULL UNIQUE",
        "msg_id_odd INTEGER",
        *(f"{f} TEXT" for f in TEXT_SHADOWS),
        *(f"{f} INTEGER" for f in DATE_SHADOWS),
        "irregular TEXT NOT NULL",
        "doc TEXT NOT NULL",
        "bin BLOB",
    ]
    out = [f"CREATE TABLE {t} (\n  " + ",\n  ".join(cols) + "\n)"]
    for f in (*TEXT_SHADOWS, *DATE_SHADOWS):
        # started/received are set by later updates and rarely asked for null: a partial
        # index keeps add_record from touching them (one page less per commit each).
        where = f" WHERE {f} IS NOT NULL" if f in SPARSE_INDEXES else ""
        # submitted's index covers get_history: its order (submitted, then insertion) and
        # the msg_ids, without a read of the table.
        keys = "submitted, seq, msg_id" if f == "submitted" else f
        out.append(f"CREATE INDEX {q(f'{table}__{f}')} ON {t}({keys}){where}")
    out.append(f"CREATE INDEX {q(f'{table}__msg_id_odd')} ON {t}(msg_id_odd) WHERE msg_id_odd = 1")
    return out


def row_values(msg_id: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    """The column values (``INSERT_COLUMNS`` order) storing ``rec`` under ``msg_id``.

    Raises TypeError (naming the place) for a value that cannot be stored.
    """
    s: Stored = store(rec)
    own = rec.get("msg_id", MISSING)
    odd = None if type(own) is str and own == msg_id and shadow_value("text", own) is own else 1
    get = rec.get
    client, engine = get("client_uuid"), get("engine_uuid")
    dates = [get(f) for f in DATE_SHADOWS]
    return (
        msg_id,
        odd,
        # the common cases inline (add_record is on the hub's hot path)
        client
        if type(client) is str and client.isascii() and "\x00" not in client
        else shadow_value("text", get("client_uuid", MISSING)),
        engine
        if engine is None or (type(engine) is str and engine.isascii() and "\x00" not in engine)
        else shadow_value("text", get("engine_uuid", MISSING)),
        *(
            None
            if v is None
            else (v - _EPOCH) // _US
            if type(v) is datetime and v.tzinfo is _UTC
            else shadow_value("date", v)
            for v in dates
        ),
        s.irregular,
        s.json,
        s.blob,
    )


# --- opening a file ----------------------------------------------------------------------


def _fail(path: str, why: str) -> DatabaseFileError:
    return DatabaseFileError(f"{path}: {why}")


def _check_header(path: str, readonly: bool) -> None:
    if not os.path.exists(path):
        if readonly:
            raise _fail(path, "no such file")
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            raise _fail(path, f"directory {parent!r} does not exist")
        return
    if os.path.isdir(path):
        raise _fail(path, "is a directory, not a database file")
    with open(path, "rb") as fh:
        head = fh.read(len(HEADER))
    if head and head != HEADER:
        raise _fail(path, f"not a SQLite database (it starts with {head[:16]!r})")


def _open(path: str, readonly: bool, timeout: float) -> sqlite3.Connection:
    target = path
    if readonly:
        target = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    con = sqlite3.connect(
        target,
        timeout=timeout,
        isolation_level=None,  # autocommit: every write is an explicit BEGIN ... COMMIT
        check_same_thread=False,  # the database object serialises use with its lock
        uri=readonly,
        cached_statements=256,
    )
    return con


def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[1], r[2].upper()) for r in con.execute(f"PRAGMA table_info({q(table)})")]


def _validate(con: sqlite3.Connection, path: str, table: str) -> bool:
    """True if ``table`` exists and is ours (raises if it is not); False if it is absent."""
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if table not in names:
        return False
    version = None
    if REGISTRY in names:
        row = con.execute(
            f"SELECT schema_version FROM {REGISTRY} WHERE name = ?", (table,)
        ).fetchone()
        version = None if row is None else row[0]
    cols = _columns(con, table)
    if version is None:
        shown = ", ".join(name for name, _ in cols)
        raise _fail(
            path,
            f"table {table!r} was not made by taskdb (its columns: {shown}); "
            "set SQLiteDB.table to another name, or use another file",
        )
    if version > SCHEMA_VERSION:
        raise _fail(
            path,
            f"table {table!r} has schema version {version}, newer than this taskdb reads "
            f"({SCHEMA_VERSION}): upgrade taskdb to open it",
        )
    if version < SCHEMA_VERSION:  # pragma: no cover - there is only version 1 so far
        raise _fail(path, f"table {table!r} has old schema version {version}")
    if cols != list(COLUMNS):
        foreign = [c for c in cols if c not in COLUMNS]
        missing = [c for c in COLUMNS if c not in cols]
        raise _fail(
            path,
            f"table {table!r} does not have taskdb's columns "
            f"(unexpected: {foreign or 'none'}; missing: {missing or 'none'})",
        )
    return True


def _create(con: sqlite3.Connection, path: str, table: str) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        if _validate(con, path, table):  # made by another process meanwhile
            con.execute("COMMIT")
            return
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {REGISTRY} ("
            "name TEXT PRIMARY KEY, schema_version INTEGER NOT NULL, created TEXT NOT NULL)"
        )
        for stmt in _ddl(table):
            con.execute(stmt)
        con.execute(
            f"INSERT INTO {REGISTRY} VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (table, SCHEMA_VERSION),
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def connect(
    path: str,
    table: str,
    *,
    readonly: bool = False,
    synchronous: str = "NORMAL",
    timeout: float = 10.0,
    cache_mib: int = 64,
) -> sqlite3.Connection:
    """A connection to ``table`` in ``path``, created if absent (unless ``readonly``).

    Raises :class:`DatabaseFileError` for a file that is not SQLite, is corrupt, or holds a
    table of that name that taskdb did not make or made with a newer schema.
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
    memory = path == MEMORY
    if not memory:
        _check_header(path, readonly)
    try:
        con = _open(path, readonly, timeout)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot open: {exc}") from None
    try:
        con.execute("SELECT json_type('[]'), NULL IS NOT TRUE").fetchone()
    except sqlite3.OperationalError:
        con.close()
        raise _fail(
            path, f"SQLite {sqlite3.sqlite_version} lacks JSON functions (taskdb needs 3.38+)"
        ) from None
    try:
        try:
            found = _validate(con, path, table)
            if found:
                con.execute(f"SELECT max(seq) FROM {q(table)}").fetchone()
        except DatabaseFileError:
            raise
        except sqlite3.DatabaseError as exc:
            raise _fail(path, f"cannot be read as a SQLite database ({exc})") from None
        if not found:
            if readonly:
                raise _fail(path, f"has no table {table!r}")
            _create(con, path, table)
        if not readonly and not memory:
            # WAL: readers (other processes too) never block the writer, and a commit is
            # one append to the log.  Only now, once the file is known to be ours.
            mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise _fail(path, f"cannot use write-ahead logging (journal mode {mode})")
            con.execute(f"PRAGMA synchronous = {synchronous}")
        con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # SQLite's default page cache is 2 MiB: index pages of a large file would be re-read
        # on every insert.  (A ceiling, not an allocation.)
        con.execute(f"PRAGMA cache_size = {-1024 * max(1, int(cache_mib))}")
    except BaseException:
        con.close()
        raise
    return con
