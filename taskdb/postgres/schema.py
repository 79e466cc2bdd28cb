"""The task table on a PostgreSQL server: columns, indexes, schema version, row values.

One row per record::

    seq          bigint identity      -- insertion order
    msg_id       text COLLATE "C" PRIMARY KEY  -- the key the record was stored under
    odd          smallint             -- 1: some shadow below is not to be trusted (see layout)
    client_uuid, engine_uuid  text COLLATE "C"   -- shadows: the string, or NULL
    submitted, started, completed, received  timestamptz  -- shadows: the instant, or NULL
    irregular    text[]               -- '|a|', '|b.c|': paths where SQL must not trust the JSON
    body         text                 -- the whole record as tagged JSON, exactly as written
    doc          jsonb                -- the same JSON, parsed by the server (generated from
                                      -- body): what queries read, GIN-indexed
    bin          bytea                -- the record's bytes values, concatenated

``body`` is what records are decoded from: jsonb sorts keys and keeps numbers as
``numeric`` (``1.0`` vs ``1``, ``-0.0``), so it cannot give a record back exactly; the text
can.  ``doc`` is derived from it by the server, so the two never disagree.  The document
encoding is :mod:`querylang.sql.document`'s in its jsonb mode (NUL is tagged).

A registry table, ``taskdb_tables``, in the same schema records which tables taskdb made
and their schema version; opening checks it before writing anything.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from querylang.sql import POSTGRES, Layout, Shadow
from querylang.sql.encoding import SEPARATOR, date_micros, encode
from querylang.values import MISSING

__all__ = [
    "SCHEMA_VERSION",
    "REGISTRY",
    "LAYOUT",
    "COLUMNS",
    "INSERT_COLUMNS",
    "ddl",
    "registry_ddl",
    "row_values",
    "check_key",
    "qname",
]

SCHEMA_VERSION = 1
REGISTRY = "taskdb_tables"
#: PostgreSQL truncates longer identifiers (silently): refused instead.
MAX_IDENT = 63

TEXT_SHADOWS = ("client_uuid", "engine_uuid")
DATE_SHADOWS = ("submitted", "started", "completed", "received")
SPARSE_INDEXES = ("started", "received")

#: (name, type as ``format_type`` prints it) in table order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "bigint"),
    ("msg_id", "text"),
    ("odd", "smallint"),
    *((f, "text") for f in TEXT_SHADOWS),
    *((f, "timestamp with time zone") for f in DATE_SHADOWS),
    ("irregular", "text[]"),
    ("body", "text"),
    ("doc", "jsonb"),
    ("bin", "bytea"),
)
#: What an INSERT or COPY supplies (seq and doc are the server's).
INSERT_COLUMNS = ("msg_id", "odd", *TEXT_SHADOWS, *DATE_SHADOWS, "irregular", "body", "bin")

#: One flag column for every shadow: a row is irregular for all of them when it is for
#: one (the residual decides; in practice the timestamps are always regular).
LAYOUT = Layout(
    doc="doc",
    irregular="irregular",
    shadows=(
        Shadow("msg_id", "msg_id", "text", flag="odd"),
        *(Shadow(f, f, "text", flag="odd") for f in TEXT_SHADOWS),
        *(Shadow(f, f, "date", flag="odd") for f in DATE_SHADOWS),
    ),
)

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_UTC = _dt.UTC
_datetime = _dt.datetime


def ident(name: str) -> str:
    """A quoted identifier, ``%`` doubled (statements go through psycopg's placeholders)."""
    if len(name.encode("utf-8", "surrogatepass")) > MAX_IDENT:
        raise ValueError(f"PostgreSQL names are at most {MAX_IDENT} bytes: {name!r}")
    return POSTGRES.ident(name).replace("%", "%%")


def qname(schema: str, table: str) -> str:
    """``"schema"."table"`` (or just ``"table"`` when schema is empty: the search_path)."""
    return f"{ident(schema)}.{ident(table)}" if schema else ident(table)


def registry_ddl(schema: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {qname(schema, REGISTRY)} ("
        "name text PRIMARY KEY, schema_version integer NOT NULL, "
        "created timestamptz NOT NULL DEFAULT now())"
    )


def ddl(schema: str, table: str, lz4: bool = False) -> list[str]:
    """The statements creating the table and its indexes (index names are PostgreSQL's
    own choice: ``<table>_<column>_idx``, made unique by the server).

    ``lz4``: compress the JSON columns with lz4 rather than pglz (PostgreSQL 14+ built with
    it): a task record is ~2 KB, just over the size at which rows are compressed, and pglz
    costs a third of a bulk insert's time on the server.
    """
    t = qname(schema, table)
    squeeze = " COMPRESSION lz4" if lz4 else ""
    cols = [
        "seq bigint GENERATED ALWAYS AS IDENTITY",
        'msg_id text COLLATE "C" NOT NULL PRIMARY KEY',
        "odd smallint",
        *(f'{f} text COLLATE "C"' for f in TEXT_SHADOWS),
        *(f"{f} timestamptz" for f in DATE_SHADOWS),
        "irregular text[] NOT NULL",
        f"body text{squeeze} NOT NULL",
        f"doc jsonb{squeeze} GENERATED ALWAYS AS (body::jsonb) STORED",
        "bin bytea",
    ]
    out = [f"CREATE TABLE {t} (\n  " + ",\n  ".join(cols) + "\n)"]
    out.append(f"CREATE INDEX ON {t} (seq)")
    for f in (*TEXT_SHADOWS, *DATE_SHADOWS):
        where = f" WHERE {f} IS NOT NULL" if f in SPARSE_INDEXES else ""
        # submitted's index covers get_history: (submitted, insertion order) -> msg_id.
        keys = "submitted, seq) INCLUDE (msg_id" if f == "submitted" else f
        out.append(f"CREATE INDEX ON {t} ({keys}){where}")
    out.append(f"CREATE INDEX ON {t} (odd) WHERE odd = 1")
    out.append(f"CREATE INDEX ON {t} USING gin (irregular)")
    out.append(f"CREATE INDEX ON {t} USING gin (doc jsonb_path_ops)")
    return out


def check_key(msg_id: Any) -> str:
    """``msg_id`` if PostgreSQL text can hold it (a str without NUL, valid UTF-8)."""
    if not isinstance(msg_id, str):
        raise TypeError(f"PostgresDB keys records by str msg_id, not {type(msg_id).__name__}")
    if "\x00" in msg_id or (not msg_id.isascii() and not _utf8(msg_id)):
        raise ValueError(
            f"PostgreSQL text cannot hold this msg_id (NUL or lone surrogate): {msg_id!r}"
        )
    return msg_id


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text_shadow(value: Any) -> tuple[Any, bool]:
    """(column value, regular?) of a text shadow."""
    if value is None or value is MISSING:
        return None, True
    if type(value) is str and "\x00" not in value and (value.isascii() or _utf8(value)):
        return value, True
    return None, False


def _date_shadow(value: Any) -> tuple[Any, bool]:
    if value is None or value is MISSING:
        return None, True
    if type(value) is _datetime and value.tzinfo is _UTC:
        return value, True
    if isinstance(value, _dt.datetime):
        micros = date_micros(value)
        if micros is not None:
            return _EPOCH + _dt.timedelta(microseconds=micros), True
    return None, False


def row_values(msg_id: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    """The column values (``INSERT_COLUMNS`` order) storing ``rec`` under ``msg_id``.

    Raises TypeError (naming the place) for a value that cannot be stored.
    """
    text, marks, chunks = encode(rec, jsonb=True)
    get = rec.get
    own = get("msg_id", MISSING)
    regular = type(own) is str and own == msg_id
    shadows: list[Any] = []
    for f in TEXT_SHADOWS:
        v, ok = _text_shadow(get(f, MISSING))
        shadows.append(v)
        regular = regular and ok
    for f in DATE_SHADOWS:
        v, ok = _date_shadow(get(f, MISSING))
        shadows.append(v)
        regular = regular and ok
    return (
        msg_id,
        None if regular else 1,
        *shadows,
        [SEPARATOR + m + SEPARATOR for m in marks],
        text,
        b"".join(chunks) if chunks else None,
    )
